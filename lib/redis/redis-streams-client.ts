import type { RedisClientType, RedisFunctions, RedisModules, RedisScripts, RespVersions, TypeMapping } from 'redis';

/**
 * A node-redis v5 client, as `createClient()` from the `redis` package returns it, whatever its modules,
 * scripts, RESP version or type mapping: what the `client` option of {@link RedisStreamsPublisher} and
 * {@link RedisStreamsSubscriber} accepts.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client: RedisStreamsClient = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export type RedisStreamsClient = RedisClientType<RedisModules, RedisFunctions, RedisScripts, RespVersions, TypeMapping>;
