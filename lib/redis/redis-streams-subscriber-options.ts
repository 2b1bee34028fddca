import type { AgentflowLogger } from '../logging/agentflow-logger';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { GuardedLogger } from '../logging/guarded-logger';
import { checkLogger, checkNonEmptyString, checkNonNegativeInteger, checkPositiveInteger, checkTimeout, readOptions } from '../util/validate';
import { defaultRedisUrl } from './internal/redis-connection';
import { checkRedisClient, checkRedisUrl, checkRequiredString, checkStreamId, checkUrlOrClient } from './internal/validate-redis';
import type { RedisStreamsClient } from './redis-streams-client';
import { DEFAULT_REDIS_STREAM } from './redis-streams-publisher-options';

/**
 * Options of the {@link RedisStreamsSubscriber} constructor. `group` and `consumer` are required.
 *
 * @example
 * ```ts
 * const subscriber = new RedisStreamsSubscriber({
 *   url: process.env.REDIS_URL,
 *   group: 'dashboard',
 *   consumer: `dashboard-${process.pid}`,
 *   minIdleMs: 60_000,
 * });
 * ```
 */
export interface RedisStreamsSubscriberOptions {
  /**
   * Where Redis is, as a `redis://` or `rediss://` URL. Default: the `REDIS_URL` environment variable, or
   * `redis://127.0.0.1:6379`. Leave it out when you give a `client`.
   */
  readonly url?: string;
  /**
   * A node-redis client you own: the subscriber reads on a duplicate of it (same server and credentials), because
   * `XREADGROUP BLOCK` holds a connection, and sends only its commands (`cancelTask()`, `cancelTasks()`: an `XADD` to
   * the control stream) on it. Default: a client of its own for `url`.
   */
  readonly client?: RedisStreamsClient;
  /** The stream key. Default `'agentflow:events'`. */
  readonly stream?: string;
  /**
   * The consumer group. Consumers of one group share the entries (each entry goes to one of them); a view of
   * the whole cluster (`clusterCounts$`) needs a group of its own, one per viewer.
   */
  readonly group: string;
  /** This consumer's name within the group; a restarted process should reuse its name to get its pending entries back. */
  readonly consumer: string;
  /**
   * Where a group created by this subscriber starts: `'0'` reads the whole stream (what `maxLen` kept), `'$'`
   * only entries added from now on. An existing group keeps its position. Default `'0'`.
   */
  readonly startId?: string;
  /** The most entries one read returns. Default `100`. */
  readonly count?: number;
  /** How long one `XREADGROUP BLOCK` waits for new entries, in milliseconds. Default `2_000`. */
  readonly blockMs?: number;
  /**
   * How long an entry must have been pending (delivered to a consumer, not acknowledged) before this subscriber
   * claims it with `XAUTOCLAIM`, in milliseconds: the time after which a consumer that took entries is presumed
   * dead. Default `30_000`.
   */
  readonly minIdleMs?: number;
  /** How often it looks for such entries, in milliseconds (between reads). Default `5_000`. */
  readonly claimIntervalMs?: number;
  /** The most tasks in flight `clusterTasks$` lists; beyond that the oldest are forgotten. Default `10_000`. */
  readonly maxTrackedTasks?: number;
  /**
   * How long a worker may stay silent before the cluster view marks it lost, in milliseconds (by the stream ids
   * of its entries: Redis's clock, against this process's clock). Keep it a few of the workers' `heartbeatMs`.
   * Default `15_000`.
   */
  readonly workerTimeoutMs?: number;
  /** How long a lost or stopped worker stays in the cluster view before it is forgotten, in milliseconds. Default `600_000`. */
  readonly inactiveWorkerTtlMs?: number;
  /** The most lost and stopped workers the cluster view keeps; beyond, the oldest are forgotten. Default `1_000`. */
  readonly maxInactiveWorkers?: number;
  /**
   * The most alive workers the cluster view watches; a new worker beyond this makes the least recently seen one
   * lost (counted in `stats.evictedWorkers`), so that a flood of distinct worker ids cannot grow the view, or the
   * O(workers) views it emits, without bound. Default `10_000`.
   */
  readonly maxWorkers?: number;
  /**
   * How long a command sent with `cancelTask()`/`cancelTasks()` stays valid, in milliseconds: a worker that reads
   * it later (it was busy, disconnected or restarting) ignores it. Judged on the worker's clock against the
   * viewer's, so keep it well above the clock skew between machines. Default `60_000`.
   */
  readonly commandTtlMs?: number;
  /** Where it logs (connection and read errors, undecodable entries; at WARN, at most every ten seconds). Default: the library's logger. */
  readonly logger?: AgentflowLogger;
}

/**
 * The defaults of {@link RedisStreamsSubscriberOptions}, in one place (`url` defaults to `REDIS_URL` or
 * `redis://127.0.0.1:6379`; `group` and `consumer` have none).
 *
 * @example
 * ```ts
 * console.log(DEFAULT_REDIS_STREAMS_SUBSCRIBER_OPTIONS.minIdleMs); // 30000
 * ```
 */
export const DEFAULT_REDIS_STREAMS_SUBSCRIBER_OPTIONS: Readonly<
  Required<
    Pick<
      RedisStreamsSubscriberOptions,
      | 'stream'
      | 'startId'
      | 'count'
      | 'blockMs'
      | 'minIdleMs'
      | 'claimIntervalMs'
      | 'maxTrackedTasks'
      | 'workerTimeoutMs'
      | 'inactiveWorkerTtlMs'
      | 'maxInactiveWorkers'
      | 'maxWorkers'
      | 'commandTtlMs'
    >
  >
> = Object.freeze({
  stream: DEFAULT_REDIS_STREAM,
  startId: '0',
  count: 100,
  blockMs: 2_000,
  minIdleMs: 30_000,
  claimIntervalMs: 5_000,
  maxTrackedTasks: 10_000,
  workerTimeoutMs: 15_000,
  inactiveWorkerTtlMs: 600_000,
  maxInactiveWorkers: 1_000,
  maxWorkers: 10_000,
  commandTtlMs: 60_000,
});

/** {@link RedisStreamsSubscriberOptions} checked, with every default filled in. */
export interface ResolvedSubscriberOptions
  extends Readonly<Required<Omit<RedisStreamsSubscriberOptions, 'url' | 'client' | 'logger'>>> {
  /** The URL of its own connection (unused when a `client` is given). */
  readonly url: string;
  readonly client: RedisStreamsClient | undefined;
  readonly logger: GuardedLogger;
}

/**
 * Checks the subscriber's options once and fills in their defaults.
 *
 * @throws {@link InvalidArgumentError} when an option is missing or not acceptable, or both `url` and `client` are given.
 */
export function resolveSubscriberOptions(given: RedisStreamsSubscriberOptions): ResolvedSubscriberOptions {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new InvalidArgumentError('options', 'an object with at least `group` and `consumer`', given);
  }
  const options = readOptions('options', given, [
    'url',
    'client',
    'stream',
    'group',
    'consumer',
    'startId',
    'count',
    'blockMs',
    'minIdleMs',
    'claimIntervalMs',
    'maxTrackedTasks',
    'workerTimeoutMs',
    'inactiveWorkerTtlMs',
    'maxInactiveWorkers',
    'maxWorkers',
    'commandTtlMs',
    'logger',
  ]);
  checkRedisUrl('url', options.url);
  checkRedisClient('client', options.client);
  checkUrlOrClient(options.url, options.client);
  checkNonEmptyString('stream', options.stream);
  checkRequiredString('group', options.group);
  checkRequiredString('consumer', options.consumer);
  checkStreamId('startId', options.startId);
  checkPositiveInteger('count', options.count);
  checkTimeout('blockMs', options.blockMs);
  checkTimeout('minIdleMs', options.minIdleMs);
  checkTimeout('claimIntervalMs', options.claimIntervalMs);
  checkPositiveInteger('maxTrackedTasks', options.maxTrackedTasks);
  checkTimeout('workerTimeoutMs', options.workerTimeoutMs);
  checkTimeout('inactiveWorkerTtlMs', options.inactiveWorkerTtlMs);
  checkNonNegativeInteger('maxInactiveWorkers', options.maxInactiveWorkers);
  checkPositiveInteger('maxWorkers', options.maxWorkers);
  checkTimeout('commandTtlMs', options.commandTtlMs);
  checkLogger('logger', options.logger);
  const defaults = DEFAULT_REDIS_STREAMS_SUBSCRIBER_OPTIONS;
  return {
    url: options.url ?? defaultRedisUrl(),
    client: options.client,
    stream: options.stream ?? defaults.stream,
    group: options.group,
    consumer: options.consumer,
    startId: options.startId ?? defaults.startId,
    count: options.count ?? defaults.count,
    blockMs: options.blockMs ?? defaults.blockMs,
    minIdleMs: options.minIdleMs ?? defaults.minIdleMs,
    claimIntervalMs: options.claimIntervalMs ?? defaults.claimIntervalMs,
    maxTrackedTasks: options.maxTrackedTasks ?? defaults.maxTrackedTasks,
    workerTimeoutMs: options.workerTimeoutMs ?? defaults.workerTimeoutMs,
    inactiveWorkerTtlMs: options.inactiveWorkerTtlMs ?? defaults.inactiveWorkerTtlMs,
    maxInactiveWorkers: options.maxInactiveWorkers ?? defaults.maxInactiveWorkers,
    maxWorkers: options.maxWorkers ?? defaults.maxWorkers,
    commandTtlMs: options.commandTtlMs ?? defaults.commandTtlMs,
    logger: new GuardedLogger(options.logger),
  };
}
