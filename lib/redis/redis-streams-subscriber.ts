import { share, type Observable, type Subscriber } from 'rxjs';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { ClusterView } from '../internal/cluster-view';
import { describeValue } from '../internal/describe-value';
import { GuardedObservable } from '../internal/guarded-observable';
import { createOwnClient, defaultRedisUrl, duplicateClient } from '../internal/redis-connection';
import { StreamReadLoop } from '../internal/stream-read-loop';
import { checkLogger, checkTimeout } from '../internal/validate';
import {
  checkNonEmptyString,
  checkPositiveInteger,
  checkRedisClient,
  checkRedisUrl,
  checkRequiredString,
  checkStreamId,
  checkUrlOrClient,
} from '../internal/validate-redis';
import { loadRedis } from '../internal/load-redis';
import { getDefaultLogger } from '../logging/default-logger';
import type { ClusterCounts } from './cluster-counts';
import type { ClusterTasks } from './cluster-tasks';
import type { RedisStreamsClient } from './redis-streams-client';
import { DEFAULT_REDIS_STREAMS_SUBSCRIBER_OPTIONS, type RedisStreamsSubscriberOptions } from './redis-streams-subscriber-options';
import type { StreamEntry } from './stream-entry';

const LABEL = 'RedisStreamsSubscriber';

/** What the shared read loop emits: each entry, and after each reply what it changed in the cluster view. */
type ReadSignal =
  | { readonly kind: 'entry'; readonly entry: StreamEntry }
  | { readonly kind: 'view'; readonly counts: boolean; readonly tasks: boolean };

/**
 * Reads an agentflow Redis stream as a member of a consumer group and exposes it as Observables: every entry
 * ({@link RedisStreamsSubscriber.events$}) and a live view of every worker's tasks
 * ({@link RedisStreamsSubscriber.clusterCounts$}, {@link RedisStreamsSubscriber.clusterTasks$}). It needs the
 * optional peer dependency `redis` (node-redis v5).
 *
 * **Reading.** It reads on a connection of its own (a duplicate of `client` when one is given): it creates the
 * group if needed (`XGROUP CREATE ... MKSTREAM`, starting at `startId`), first re-reads this consumer's own
 * pending entries (delivered before, never acknowledged), then waits for new ones (`XREADGROUP ... BLOCK`),
 * acknowledges each entry after delivering it (`XACK`), and every `claimIntervalMs` takes over entries that
 * another consumer left pending for longer than `minIdleMs` (`XAUTOCLAIM`): a consumer that died mid-read
 * loses nothing. Delivery is at least once. After Redis restarts it reconnects by itself and recreates the
 * group if Redis lost it.
 *
 * **Only while observed.** The Observables share one read loop: it starts with the first subscriber of any of
 * them and stops, releasing its connection, when the last one leaves (entries left unread stay in the group
 * for the next time). `close()` completes all three and releases everything; a later subscriber completes at
 * once. A subscriber that throws is logged at ERROR and breaks nothing.
 *
 * **The cluster view** counts the task events that workers mirror with {@link mirrorTaskEvents}, per
 * `workerId`. It sees only the entries this consumer reads: give each viewer a group of its own, since the
 * consumers of one group share the entries between them.
 *
 * @example
 * ```ts
 * const subscriber = new RedisStreamsSubscriber({ group: 'dashboard', consumer: 'dashboard-1' });
 * subscriber.clusterCounts$.subscribe(({ total, workers }) => {
 *   console.log(`${Object.keys(workers).length} workers, ${total.active} tasks active, ${total.failed} failed`);
 * });
 * subscriber.events$.subscribe((entry) => {
 *   if (entry.kind === 'event' && entry.event.isError) console.error(entry.workerId, entry.event.content);
 * });
 * // ...
 * await subscriber.close();
 * ```
 */
export class RedisStreamsSubscriber {
  readonly #stream: string;
  readonly #group: string;
  readonly #consumer: string;
  readonly #startId: string;
  readonly #count: number;
  readonly #blockMs: number;
  readonly #minIdleMs: number;
  readonly #claimIntervalMs: number;
  readonly #url: string;
  readonly #client: RedisStreamsClient | undefined;
  readonly #logger: ReturnType<typeof getDefaultLogger>;
  readonly #view: ClusterView;
  readonly #signals$: Observable<ReadSignal>;
  readonly #stopping = new Set<Promise<void>>();
  #active: Subscriber<ReadSignal> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * Every entry read from the stream, decoded, with its stream id, in stream order (entries claimed from a dead
   * consumer arrive when claimed). Reading starts with the first subscriber of any of the Observables and stops
   * after the last one leaves. It completes on `close()`.
   */
  readonly events$: Observable<StreamEntry>;
  /**
   * The task counts per worker and in total, from the mirrored task events read so far: the current counts on
   * subscribe, then new counts after each read that changed them. It completes on `close()`.
   */
  readonly clusterCounts$: Observable<ClusterCounts>;
  /**
   * The tasks in flight per worker, from the mirrored task events read so far: the current list on subscribe,
   * then a new one after each read that changed it. It completes on `close()`.
   */
  readonly clusterTasks$: Observable<ClusterTasks>;

  /**
   * @param options - see {@link RedisStreamsSubscriberOptions}; `group` and `consumer` are required.
   * @throws {@link InvalidArgumentError} when an option is missing or not acceptable, or both `url` and `client` are given.
   * @throws {@link MissingPeerDependencyError} when no `client` is given and the `redis` package is not installed.
   */
  constructor(options: RedisStreamsSubscriberOptions) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new InvalidArgumentError('options', 'an object with at least `group` and `consumer`', options);
    }
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
    checkLogger('logger', options.logger);
    // Fail here, not at the first subscription, when the package is missing.
    if (options.client === undefined) loadRedis(LABEL);

    const defaults = DEFAULT_REDIS_STREAMS_SUBSCRIBER_OPTIONS;
    this.#stream = options.stream ?? defaults.stream;
    this.#group = options.group;
    this.#consumer = options.consumer;
    this.#startId = options.startId ?? defaults.startId;
    this.#count = options.count ?? defaults.count;
    this.#blockMs = options.blockMs ?? defaults.blockMs;
    this.#minIdleMs = options.minIdleMs ?? defaults.minIdleMs;
    this.#claimIntervalMs = options.claimIntervalMs ?? defaults.claimIntervalMs;
    this.#url = options.url ?? defaultRedisUrl();
    this.#client = options.client;
    this.#logger = options.logger ?? getDefaultLogger();
    this.#view = new ClusterView(options.maxTrackedTasks ?? defaults.maxTrackedTasks);

    this.#signals$ = new GuardedObservable<ReadSignal>((subscriber) => this.#startReading(subscriber), this.#subscriberFailed).pipe(
      share(),
    );
    this.events$ = new GuardedObservable<StreamEntry>(
      (subscriber) =>
        this.#signals$.subscribe({
          next: (signal) => {
            if (signal.kind === 'entry') subscriber.next(signal.entry);
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      this.#subscriberFailed,
    );
    this.clusterCounts$ = this.#viewStream('counts', () => this.#view.counts());
    this.clusterTasks$ = this.#viewStream('tasks', () => this.#view.tasks());
  }

  /** The stream key it reads. */
  get stream(): string {
    return this.#stream;
  }

  /** Its consumer group. */
  get group(): string {
    return this.#group;
  }

  /** Its consumer name within the group. */
  get consumer(): string {
    return this.#consumer;
  }

  /** Whether its read loop is running (someone subscribes to one of its Observables). */
  get reading(): boolean {
    return this.#active !== undefined;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Completes `events$`, `clusterCounts$` and `clusterTasks$`, stops reading and releases its connection (a
   * `client` you gave stays open: only its duplicate is closed). Entries delivered before are acknowledged;
   * entries read but not yet delivered stay pending for this consumer. Calling it again returns the same promise.
   *
   * @returns a promise that settles once the connection is released; it never rejects.
   * @example
   * ```ts
   * process.once('SIGTERM', () => void subscriber.close());
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#active?.complete();
    await Promise.all(this.#stopping);
  }

  /** The shared source: one read loop for as long as anyone subscribes. */
  #startReading(subscriber: Subscriber<ReadSignal>): () => void {
    if (this.#closed) {
      subscriber.complete();
      return () => undefined;
    }
    let countsChanged = false;
    let tasksChanged = false;
    const loop = new StreamReadLoop({
      client: this.#newConnection(),
      stream: this.#stream,
      group: this.#group,
      consumer: this.#consumer,
      startId: this.#startId,
      count: this.#count,
      blockMs: this.#blockMs,
      minIdleMs: this.#minIdleMs,
      claimIntervalMs: this.#claimIntervalMs,
      logger: this.#logger,
      label: `${LABEL} (stream '${this.#stream}', group '${this.#group}', consumer '${this.#consumer}')`,
      deliver: (entry) => {
        const change = this.#view.apply(entry);
        countsChanged ||= change.counts;
        tasksChanged ||= change.tasks;
        subscriber.next({ kind: 'entry', entry });
      },
      batchDelivered: () => {
        if (!countsChanged && !tasksChanged) return;
        const signal: ReadSignal = { kind: 'view', counts: countsChanged, tasks: tasksChanged };
        countsChanged = false;
        tasksChanged = false;
        subscriber.next(signal);
      },
    });
    this.#active = subscriber;
    return () => {
      if (this.#active === subscriber) this.#active = undefined;
      const stopped = loop.stop();
      this.#stopping.add(stopped);
      void stopped.then(() => this.#stopping.delete(stopped));
    };
  }

  #newConnection(): RedisStreamsClient {
    const name = `agentflow:subscriber:${this.#group}:${this.#consumer}`;
    if (this.#client !== undefined) return duplicateClient(this.#client, this.#logger, LABEL, name);
    return createOwnClient(this.#url, this.#logger, LABEL, name);
  }

  /** A view Observable: the current value on subscribe, then a new one after each read that changed it. */
  #viewStream<T>(which: 'counts' | 'tasks', current: () => T): Observable<T> {
    return new GuardedObservable<T>((subscriber) => {
      subscriber.next(current());
      return this.#signals$.subscribe({
        next: (signal) => {
          if (signal.kind === 'view' && signal[which]) subscriber.next(current());
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    }, this.#subscriberFailed);
  }

  readonly #subscriberFailed = (error: unknown): void => {
    this.#logger.error(`A subscriber of ${LABEL} threw: ${describeValue(error)}`, error);
  };
}
