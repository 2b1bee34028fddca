import { ONCE } from '../../util/once-listener';
import type { LogSink } from '../../logging/guarded-logger';
import { RateLimitedWarning } from '../../logging/rate-limited-warning';
import { Redactor } from '../../redaction/redactor';
import type { RedisStreamsClient } from '../redis-streams-client';
import { loadRedis } from './load-redis';

/** The URL used when neither `url` nor `client` is given and `REDIS_URL` is not set. */
export const FALLBACK_REDIS_URL = 'redis://127.0.0.1:6379';

/** How often, at most, a connection's errors are logged while Redis stays unreachable. */
const ERROR_LOG_INTERVAL_MS = 10_000;
/** The longest pause between two connection attempts. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** How long one connection attempt may take. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long a graceful `close()` may wait for replies before the socket is destroyed. */
const GRACEFUL_CLOSE_MS = 1_000;

/**
 * Where a client of ours is in node-redis' connection cycle, followed through its events. It matters when the
 * client is released: node-redis' `destroy()` during a connection attempt loses track of the socket being
 * opened, which then connects anyway and keeps the process alive; between attempts (and before the first) it
 * is safe.
 */
type ConnectionPhase = 'idle' | 'connecting' | 'waiting_to_retry' | 'ready';

const phases = new WeakMap<RedisStreamsClient, ConnectionPhase>();

function trackPhase(client: RedisStreamsClient, onStuckHandshake: () => void): void {
  phases.set(client, 'idle');
  // node-redis' connectTimeout covers the TCP connection only: a server that accepts and then says nothing (a hung
  // process, a proxy with no backend) would leave the client connecting for ever. Past CONNECT_TIMEOUT_MS without
  // 'ready', the attempt is dropped and a new one starts.
  let handshake: NodeJS.Timeout | undefined;
  const stopWatching = (): void => {
    clearTimeout(handshake);
    handshake = undefined;
  };
  client.on('connect', () => {
    stopWatching();
    handshake = setTimeout(() => {
      handshake = undefined;
      if (!client.isOpen || client.isReady) return;
      onStuckHandshake();
      destroyQuietly(client);
      startConnecting(client);
    }, CONNECT_TIMEOUT_MS);
    handshake.unref();
  });
  client.on('ready', stopWatching);
  client.on('end', stopWatching);
  client.on('error', () => {
    // after a failed attempt node-redis waits before the next one; an error of a ready connection is followed
    // at once by 'reconnecting'
    if (phases.get(client) !== 'idle') phases.set(client, 'waiting_to_retry');
  });
  client.on('reconnecting', () => phases.set(client, 'connecting'));
  client.on('ready', () => phases.set(client, 'ready'));
  client.on('end', () => phases.set(client, 'idle'));
}

/** Logs a handshake given up at WARN, at most once per ten seconds. */
function stuckHandshakeWarning(logger: LogSink, label: string): () => void {
  const warning = new RateLimitedWarning(logger, ERROR_LOG_INTERVAL_MS);
  return () => warning.warn(() => `${label}: Redis accepted the connection but did not answer within ${CONNECT_TIMEOUT_MS} ms: connecting again`);
}

/** `REDIS_URL`, or the local default. */
export function defaultRedisUrl(): string {
  const fromEnv = process.env.REDIS_URL;
  return fromEnv === undefined || fromEnv === '' ? FALLBACK_REDIS_URL : fromEnv;
}

/**
 * The pause before connection attempt `retries + 1`: 50 ms doubling up to one second, plus up to 100 ms of
 * jitter so that many workers do not reconnect in lockstep. It never gives up: Redis coming back is the normal
 * end of an outage.
 */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
}

/**
 * The URL without credentials, for log lines: user and password (`redis://REDACTED:REDACTED@host`) and secret
 * query parameters (`?password=[REDACTED]`), by the default value rules.
 */
export function redactUrl(url: string): string {
  return Redactor.DEFAULT.text(url);
}

/**
 * Logs a connection's `'error'` events at WARN, at most once per ten seconds, and attaches the listener: a
 * node-redis client without one would turn every failed reconnection attempt into an uncaught exception.
 */
export function logConnectionErrors(client: RedisStreamsClient, logger: LogSink, label: string): void {
  const warning = new RateLimitedWarning(logger, ERROR_LOG_INTERVAL_MS);
  client.on('error', (error: unknown) => {
    warning.warn(() => `${label}: Redis connection error, reconnecting: ${logger.describe(error)}`);
  });
}

/**
 * A new client of our own for `url`: commands fail at once while it is not connected (no offline queue, which
 * would grow without limit while Redis is down), it reconnects by itself, and its errors are logged.
 * It is not connected yet.
 *
 * @throws {@link MissingPeerDependencyError} when `redis` is not installed.
 */
export function createOwnClient(url: string, logger: LogSink, label: string, name: string): RedisStreamsClient {
  const { createClient } = loadRedis(label);
  const client = createClient({
    url,
    name: clientName(name),
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelay },
  });
  const where = `${label} (${redactUrl(url)})`;
  logConnectionErrors(client, logger, where);
  trackPhase(client, stuckHandshakeWarning(logger, where));
  return client;
}

/**
 * A new connection of our own to the server of a client someone else owns: same server, credentials and TLS,
 * but RESP2 replies as plain strings (whatever the original's protocol and type mapping; RESP3-only features
 * off), no offline queue, and
 * our own reconnection strategy and error listener. It is not connected yet.
 */
export function duplicateClient(client: RedisStreamsClient, logger: LogSink, label: string, name: string): RedisStreamsClient {
  const duplicate = client.duplicate({
    name: clientName(name),
    RESP: 2,
    // What only RESP3 allows goes too (a RESP3 client's duplicate in RESP2 is refused otherwise).
    maintNotifications: 'disabled',
    clientSideCache: undefined,
    emitInvalidate: undefined,
    commandOptions: undefined,
    disableOfflineQueue: true,
    socket: { ...(client.options?.socket ?? {}), reconnectStrategy: reconnectDelay },
  });
  logConnectionErrors(duplicate, logger, `${label} (duplicate connection)`);
  trackPhase(duplicate, stuckHandshakeWarning(logger, `${label} (duplicate connection)`));
  return duplicate;
}

/** A connection name for `CLIENT SETNAME` (shown by `CLIENT LIST`): no spaces or newlines, at most 120 characters. */
export function clientName(name: string): string {
  return name.replace(/\s/g, '_').slice(0, 120);
}

/** Starts connecting a client of our own; a failure is already reported through its `'error'` events. */
export function startConnecting(client: RedisStreamsClient): void {
  if (client.isOpen) return;
  phases.set(client, 'connecting');
  client.connect().catch(() => undefined);
}

/**
 * Releases a client of our own: gracefully (`close()`, which waits for pending replies) when it is connected,
 * by destroying it when it is not; during a connection attempt it first waits for that attempt to succeed or
 * fail (see {@link ConnectionPhase}). Replies that take longer than a second are abandoned. Never rejects.
 */
export async function releaseOwnClient(client: RedisStreamsClient, maxWaitMs = Infinity): Promise<void> {
  if (!client.isOpen) return;
  const started = performance.now();
  if (phases.get(client) === 'connecting') await attemptSettled(client, maxWaitMs);
  if (!client.isOpen) return;
  if (!client.isReady) {
    destroyQuietly(client);
    return;
  }
  const left = Math.max(0, Math.min(GRACEFUL_CLOSE_MS, maxWaitMs - (performance.now() - started)));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), left);
  });
  try {
    const outcome = await Promise.race([client.close().then(() => 'closed' as const), timedOut]);
    if (outcome === 'timeout') destroyQuietly(client);
  } catch {
    destroyQuietly(client);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves when the connection attempt in progress succeeded or failed (at most `CONNECT_TIMEOUT_MS` and a bit, or
 * `maxWaitMs`: a handshake that never ends must not hold a close() past its own bound).
 */
function attemptSettled(client: RedisStreamsClient, maxWaitMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(CONNECT_TIMEOUT_MS + 500, maxWaitMs));
    client.on('ready', done);
    client.on('error', done);
  });
}

/** Destroys the client's socket now (pending commands reject); a client already closed is left alone. */
export function destroyQuietly(client: RedisStreamsClient): void {
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // already closed: nothing to release
  }
}

/**
 * Resolves when `client` emits `'ready'`; rejects with the signal's reason when `signal` aborts first. Its
 * `'error'` events (a failed attempt) do not end the wait: node-redis goes on reconnecting.
 */
export function waitForReady(client: RedisStreamsClient, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      client.off('ready', onReady);
      reject(signal.reason);
    };
    client.once('ready', onReady);
    signal.addEventListener('abort', onAbort, ONCE);
  });
}
