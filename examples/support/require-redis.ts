import { createClient } from 'redis';

/** The Redis URL of the examples: `REDIS_URL`, or a local Redis on the default port. */
export function redisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL === undefined || env.REDIS_URL === '' ? 'redis://127.0.0.1:6379' : env.REDIS_URL;
}

/**
 * Resolves once a Redis server answers `PING` at `url`; rejects within about `timeoutMs` otherwise, with a
 * message that names the URL and says how to start one. It connects once, without retrying.
 *
 * @param url - the server, as `redis://host:port`.
 * @param timeoutMs - how long to wait for the connection. Default 2,000 ms.
 * @example
 * ```ts
 * await requireRedis(redisUrl()); // before anything that would wait for Redis
 * ```
 */
export async function requireRedis(url: string, timeoutMs = 2_000): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  let failure: unknown;
  client.on('error', (error: unknown) => (failure ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = failure ?? error;
    const code = (reason as { code?: unknown }).code;
    throw new Error(
      `Redis is not reachable at ${url} (${typeof code === 'string' ? code : reason instanceof Error ? reason.message : String(reason)}). ` +
        'Start one (redis-server, or docker run -p 6379:6379 redis:7) or point REDIS_URL at yours.',
      { cause: reason },
    );
  } finally {
    if (client.isOpen) client.destroy();
  }
}
