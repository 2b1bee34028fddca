import type { PublishFailedError } from '../errors/publish-failed-error';
import type { AgentflowLogger } from '../logging/agentflow-logger';
import { GuardedLogger } from '../logging/guarded-logger';
import type { BasePublisherOptions } from '../publisher/base-publisher';
import type { RedactOption } from '../redaction/redaction-rules';
import { Redactor } from '../redaction/redactor';
import { checkDelay, checkLogger, checkNonEmptyString, checkNonNegativeInteger, checkPlainObject, readOptions } from '../util/validate';
import { defaultWorkerId } from './internal/default-worker-id';
import { defaultRedisUrl } from './internal/redis-connection';
import { checkRedisClient, checkRedisUrl, checkUrlOrClient, checkWorkerId } from './internal/validate-redis';
import type { RedisStreamsClient } from './redis-streams-client';

/** The stream key the Redis Streams classes use unless given another. */
export const DEFAULT_REDIS_STREAM = 'agentflow:events';

/**
 * Options of the {@link RedisStreamsPublisher} constructor.
 *
 * @example
 * ```ts
 * const publisher = new RedisStreamsPublisher({
 *   url: 'redis://redis.internal:6379',
 *   stream: 'billing:events',
 *   maxLen: 50_000,
 *   maxBuffered: 5_000,
 * });
 * ```
 */
export interface RedisStreamsPublisherOptions extends BasePublisherOptions {
  /**
   * Where Redis is, as a `redis://` or `rediss://` URL. Default: the `REDIS_URL` environment variable, or
   * `redis://127.0.0.1:6379`. Leave it out when you give a `client`.
   */
  readonly url?: string;
  /**
   * A node-redis client you own, connected (or connecting) by you; the publisher uses it as it is and
   * `close()` leaves it open. Attach your own `'error'` listener to it: the publisher does not, as it does for
   * a client it creates. Default: a client of the publisher's own, created for `url` and connected on the
   * first publish.
   */
  readonly client?: RedisStreamsClient;
  /** The stream key. Default `'agentflow:events'`. */
  readonly stream?: string;
  /**
   * The stream's approximate length cap, kept by every append (`XADD <stream> MAXLEN ~ <maxLen> * ...`):
   * Redis trims whole internal nodes, so the stream may briefly hold a little more. `0` means no trimming.
   * Default `10_000`.
   */
  readonly maxLen?: number;
  /** Who is publishing, written with every entry. Default: the host name and process id, `'<hostname>:<pid>'`. */
  readonly workerId?: string;
  /**
   * The most events held while Redis is not connected (before the first connection, or during an outage);
   * they are appended, in order, when it is, unless they waited `publishTimeoutMs`. Beyond that the oldest held
   * event is dropped and counted in `stats.dropped`. `0` drops every event published while disconnected.
   * Default `1_000`.
   */
  readonly maxBuffered?: number;
  /**
   * How long `close()` waits for held and in-flight events to reach Redis before it drops them (counted) and
   * releases the connection, in milliseconds. Default `2_000`.
   */
  readonly closeTimeoutMs?: number;
  /**
   * How long an event may take from `publish()` to Redis' acknowledgement, in milliseconds, retries and the wait
   * for a connection included: by then its promise has settled (rejected with a {@link PublishFailedError} when
   * it was not acknowledged: an event still waiting to be sent is given up between six and seven tenths of this
   * bound after the call, one sent and unanswered fails between seven and eight tenths), and so before its
   * `publishEvent()` task would time out, also on a busy machine. Default `5_000`.
   */
  readonly publishTimeoutMs?: number;
  /** Where it logs (connection errors, drops, failed appends; each at WARN, at most every ten seconds). Default: the library's logger. */
  readonly logger?: AgentflowLogger;
  /**
   * What is kept out of the entries (and the log lines): see {@link RedactOption} and {@link Redactor}. Every
   * event, graph state included, is redacted before it is written. Default: the default rules
   * ({@link DEFAULT_REDACT_KEYS}, {@link DEFAULT_REDACT_VALUE_RULES}); `false` writes events as they are.
   */
  readonly redact?: RedactOption;
}

/**
 * The defaults of {@link RedisStreamsPublisherOptions}, in one place (`url` and `workerId` are computed:
 * `REDIS_URL` or `redis://127.0.0.1:6379`, and `'<hostname>:<pid>'`). `publishTimeoutMs` is 5 seconds here,
 * where {@link BasePublisher} has none: a `publish()` that gets no reply within that time frees its
 * `publishEvent()` task slot.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_REDIS_STREAMS_PUBLISHER_OPTIONS.maxLen); // 10000
 * ```
 */
export const DEFAULT_REDIS_STREAMS_PUBLISHER_OPTIONS: Readonly<
  Required<Pick<RedisStreamsPublisherOptions, 'stream' | 'maxLen' | 'maxBuffered' | 'closeTimeoutMs' | 'publishTimeoutMs'>>
> = Object.freeze({
  stream: DEFAULT_REDIS_STREAM,
  maxLen: 10_000,
  maxBuffered: 1_000,
  closeTimeoutMs: 2_000,
  publishTimeoutMs: 5_000,
});

/** {@link RedisStreamsPublisherOptions} checked, with every default filled in. */
export interface ResolvedPublisherOptions
  extends Readonly<Required<Omit<RedisStreamsPublisherOptions, 'url' | 'client' | 'logger' | 'publishTimeoutMs' | 'redact'>>> {
  /** The URL of its own connection (unused when a `client` is given). */
  readonly url: string;
  readonly client: RedisStreamsClient | undefined;
  readonly publishTimeoutMs: number;
  readonly logger: GuardedLogger;
  readonly redactor: Redactor;
}

/**
 * Checks the publisher's options once and fills in their defaults (`publishTimeoutMs` is checked again by
 * `BasePublisher`).
 *
 * @throws {@link InvalidArgumentError} when an option is not acceptable, or both `url` and `client` are given.
 */
export function resolvePublisherOptions(given: RedisStreamsPublisherOptions): ResolvedPublisherOptions {
  checkPlainObject('options', given);
  const options = readOptions('options', given, [
    'url',
    'client',
    'stream',
    'maxLen',
    'workerId',
    'maxBuffered',
    'closeTimeoutMs',
    'publishTimeoutMs',
    'logger',
    'redact',
  ]);
  checkRedisUrl('url', options.url);
  checkRedisClient('client', options.client);
  checkUrlOrClient(options.url, options.client);
  checkNonEmptyString('stream', options.stream);
  checkNonNegativeInteger('maxLen', options.maxLen);
  checkWorkerId('workerId', options.workerId);
  checkNonNegativeInteger('maxBuffered', options.maxBuffered);
  checkDelay('closeTimeoutMs', options.closeTimeoutMs);
  checkLogger('logger', options.logger);
  const redactor = options.redact === undefined ? Redactor.DEFAULT : new Redactor(options.redact);
  const defaults = DEFAULT_REDIS_STREAMS_PUBLISHER_OPTIONS;
  return {
    url: options.url ?? defaultRedisUrl(),
    client: options.client,
    stream: options.stream ?? defaults.stream,
    maxLen: options.maxLen ?? defaults.maxLen,
    workerId: options.workerId ?? defaultWorkerId(),
    maxBuffered: options.maxBuffered ?? defaults.maxBuffered,
    closeTimeoutMs: options.closeTimeoutMs ?? defaults.closeTimeoutMs,
    publishTimeoutMs: options.publishTimeoutMs ?? defaults.publishTimeoutMs,
    logger: new GuardedLogger(options.logger, redactor),
    redactor,
  };
}
