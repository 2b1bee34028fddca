import { randomUUID } from 'node:crypto';
import { share, type Observable, type Subscriber } from 'rxjs';
import { CommandRefusedError } from '../errors/command-refused-error';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { PublishFailedError } from '../errors/publish-failed-error';
import { checkNonNegativeInteger, checkPlainObject, checkString, readOptions } from '../util/validate';
import type { ClusterCancelFilter } from './cluster-cancel-filter';
import { GuardedObservable } from '../util/guarded-observable';
import type { ClusterCounts } from './cluster-counts';
import type { ClusterTasks } from './cluster-tasks';
import type { ClusterWorkers } from './cluster-workers';
import type { RedisSubscriberStats } from './redis-subscriber-stats';
import { ClusterView, type ViewChange } from './internal/cluster-view';
import { loadRedis } from './internal/load-redis';
import {
  controlStreamOf,
  encodeCancelCommand,
  EVERY_WORKER,
  MAX_REASON_LENGTH,
  type CancelCommand,
} from './internal/control-command-codec';
import { createOwnClient, duplicateClient } from './internal/redis-connection';
import { RedisStreamWriter } from './internal/redis-stream-writer';
import { checkRequiredWorkerId, checkWorkerId } from './internal/validate-redis';
import { StreamReadLoop } from './internal/stream-read-loop';
import { decodeStreamEntry } from './internal/stream-entry-codec';
import type { RedisStreamsClient } from './redis-streams-client';
import {
  resolveSubscriberOptions,
  type RedisStreamsSubscriberOptions,
  type ResolvedSubscriberOptions,
} from './redis-streams-subscriber-options';
import type { StreamEntry } from './stream-entry';

const LABEL = 'RedisStreamsSubscriber';

/** What the shared read loop emits: each entry, and after each reply what it changed in the cluster view. */
type ReadSignal =
  | { readonly kind: 'entry'; readonly entry: StreamEntry }
  | { readonly kind: 'view'; readonly counts: boolean; readonly tasks: boolean; readonly workers: boolean };

/**
 * How often the view looks for workers that fell silent, in milliseconds: a quarter of `workerTimeoutMs`, within
 * these bounds (a worker is marked lost at most a quarter of its timeout late).
 */
const LIVENESS_CHECK_MS = 1_000;

/** The least time between two views emitted, in milliseconds (a view is O(workers) to build). */
const VIEW_INTERVAL_MS = 100;
const MIN_LIVENESS_CHECK_MS = 50;

/**
 * Reads an agentflow Redis stream as a member of a consumer group and exposes it as Observables: every entry
 * ({@link RedisStreamsSubscriber.events$}) and a live view of every worker's tasks
 * ({@link RedisStreamsSubscriber.clusterCounts$}, {@link RedisStreamsSubscriber.clusterTasks$}). It needs the
 * optional peer dependency `redis` (node-redis 5 or 6).
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
 * **The cluster view** ({@link RedisStreamsSubscriber.clusterWorkers$}, `clusterCounts$`, `clusterTasks$`) is
 * built from what workers mirror with {@link mirrorTaskEvents}, per `workerId`: each heartbeat is the truth
 * about its worker (its counts, state and tasks in flight), and the task events read since keep it live, so the
 * view converges within one heartbeat after lost events, a trimmed stream or a late start. A worker silent for
 * `workerTimeoutMs` becomes `'lost'` (its tasks leave the lists, its active tasks move to `total.lost`), one
 * whose mirror stopped becomes `'stopped'`; both are forgotten after `inactiveWorkerTtlMs`. Entries delivered
 * again (delivery is at least once) change nothing: a task event the last heartbeat already reflects is ignored.
 * It sees only the entries this consumer reads: give each viewer a group of its own, since the consumers of one
 * group share the entries between them.
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
  readonly #options: ResolvedSubscriberOptions;
  readonly #view: ClusterView;
  readonly #signals$: Observable<ReadSignal>;
  readonly #stopping = new Set<Promise<void>>();
  #active: Subscriber<ReadSignal> | undefined;
  #closed = false;
  /** Kept across read loops (see {@link stats}). */
  readonly #counters = { delivered: 0, undecodable: 0, unknownReplies: 0 };
  #closing: Promise<void> | undefined;
  /** Appends commands to the control stream; made on the first command. */
  #commands: RedisStreamWriter | undefined;

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
   * Every worker known, with its status (`'alive'`, `'lost'`, `'stopped'`), the time of its last entry and its
   * counts: the current value on subscribe, then a new one after each read or liveness check that changed it. It
   * completes on `close()`.
   */
  readonly clusterWorkers$: Observable<ClusterWorkers>;

  /**
   * @param options - see {@link RedisStreamsSubscriberOptions}; `group` and `consumer` are required.
   * @throws {@link InvalidArgumentError} when an option is missing or not acceptable, or both `url` and `client` are given.
   * @throws {@link MissingPeerDependencyError} when no `client` is given and the `redis` package is not installed.
   */
  constructor(options: RedisStreamsSubscriberOptions) {
    this.#options = resolveSubscriberOptions(options);
    // Fail here, not at the first subscription, when the package is missing.
    if (this.#options.client === undefined) loadRedis(LABEL);
    this.#view = new ClusterView(this.#options);

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
    this.clusterWorkers$ = this.#viewStream('workers', () => this.#view.workers());
  }

  /** The stream key it reads. */
  get stream(): string {
    return this.#options.stream;
  }

  /** Its consumer group. */
  get group(): string {
    return this.#options.group;
  }

  /** Its consumer name within the group. */
  get consumer(): string {
    return this.#options.consumer;
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
   * What it read so far, a fresh snapshot on each read: `delivered` entries, `undecodable` ones (skipped and
   * acknowledged, logged at WARN at most every ten seconds) and `unknownReplies`, replies of a shape neither RESP2
   * nor RESP3 gives (logged at ERROR the first time: a subscriber that reads nothing says why).
   *
   * @example
   * ```ts
   * const { delivered, undecodable } = subscriber.stats;
   * if (undecodable > 0) console.warn(`${undecodable} of ${delivered + undecodable} entries could not be decoded`);
   * ```
   */
  get stats(): RedisSubscriberStats {
    return { ...this.#counters, evictedWorkers: this.#view.evictedWorkers };
  }

  /**
   * Completes `events$`, `clusterCounts$`, `clusterTasks$` and `clusterWorkers$`, stops reading and releases its connection (a
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
    await Promise.all([...this.#stopping, this.#commands?.close()]);
  }

  /**
   * Cancels one task of one worker, from anywhere: appends a cancel command to the control stream beside the
   * event stream (`<stream>:control`), which that worker's mirror reads when it runs with `control: true`. The
   * worker cancels the task (if it is still in flight) with `reason`, and its task events show the outcome.
   *
   * Commands are idempotent (a command delivered twice is applied once) and expire after `commandTtlMs` (a
   * worker that reads one later ignores it). The command goes out whether or not this subscriber is reading;
   * when its cluster view knows the worker, it refuses a worker that is lost or stopped or does not read commands.
   *
   * @param workerId - the worker, as `clusterWorkers$` and `clusterTasks$` name it.
   * @param taskId - the task's id on that worker (`ClusterTaskInfo.id`).
   * @param reason - the cancel reason the task gets (at most 1,000 characters; longer is cut). Default: one
   * naming the command.
   * @returns a promise that resolves once Redis acknowledged the command (not once the task is cancelled: watch
   * its events for that).
   * @throws {@link InvalidArgumentError} (as a rejection) when an argument is not acceptable.
   * @throws {@link CommandRefusedError} (as a rejection) when the view knows the worker cannot obey, or the
   * subscriber is closed.
   * @throws {@link PublishFailedError} (as a rejection) when the command could not be appended in time.
   * @example
   * ```ts
   * subscriber.clusterTasks$.subscribe(({ workers }) => {
   *   for (const task of workers['billing-1'] ?? []) {
   *     if (Date.now() - task.createdAt > 60_000) void subscriber.cancelTask('billing-1', task.id, 'ran over a minute').catch(console.warn);
   *   }
   * });
   * ```
   */
  async cancelTask(workerId: string, taskId: number, reason?: string): Promise<void> {
    checkRequiredWorkerId('workerId', workerId);
    if (taskId === undefined) throw new InvalidArgumentError('taskId', "the task's id on that worker (a non-negative integer)", taskId);
    checkNonNegativeInteger('taskId', taskId);
    checkString('reason', reason);
    await this.#send(workerId, { taskId }, reason);
  }

  /**
   * Cancels the tasks matching `filter` on one worker (`filter.workerId`) or on every worker that reads commands,
   * like {@link RedisStreamsSubscriber.cancelTask}: one command on the control stream, applied by each worker it
   * is for, once, until it expires.
   *
   * @param filter - which tasks (see {@link ClusterCancelFilter}); at least one key.
   * @param reason - the cancel reason the tasks get (at most 1,000 characters).
   * @returns a promise that resolves once Redis acknowledged the command.
   * @throws {@link InvalidArgumentError} (as a rejection) when the filter is empty, has an unknown key or a value
   * that is not a string.
   * @throws {@link CommandRefusedError} (as a rejection) when the view knows `filter.workerId` cannot obey, or the
   * subscriber is closed.
   * @throws {@link PublishFailedError} (as a rejection) when the command could not be appended in time.
   * @example
   * ```ts
   * await subscriber.cancelTasks({ runId: 'run-42' }, 'the user cancelled the run');
   * ```
   */
  async cancelTasks(filter: ClusterCancelFilter, reason?: string): Promise<void> {
    checkPlainObject('filter', filter);
    const given = readOptions('filter', filter, ['workerId', 'name', 'runId', 'threadId']);
    if (given.workerId !== undefined) checkWorkerId('filter.workerId', given.workerId);
    for (const key of ['name', 'runId', 'threadId'] as const) checkString(`filter.${key}`, given[key]);
    if (given.workerId === undefined && given.name === undefined && given.runId === undefined && given.threadId === undefined) {
      throw new InvalidArgumentError('filter', 'at least one of workerId, name, runId or threadId ({ workerId } cancels all of one worker)', filter);
    }
    checkString('reason', reason);
    const { name, runId, threadId } = given;
    await this.#send(given.workerId, { name, runId, threadId }, reason);
  }

  async #send(
    workerId: string | undefined,
    match: Pick<CancelCommand, 'taskId' | 'name' | 'runId' | 'threadId'>,
    reason: string | undefined,
  ): Promise<void> {
    if (this.#closed) throw new CommandRefusedError(workerId, 'the subscriber is closed');
    let instance: string | undefined;
    if (workerId !== undefined) {
      const known = this.#view.commandTarget(workerId);
      // for the instance the view knows: a worker restarted since ignores it (its task ids mean other tasks)
      instance = known?.instance;
      if (known !== undefined && known.status !== 'alive') throw new CommandRefusedError(workerId, `the worker is ${known.status}`);
      if (known !== undefined && !known.control) {
        throw new CommandRefusedError(workerId, 'its mirror does not read commands (start it with mirrorTaskEvents(..., { control: true }))');
      }
    }
    const issuedAt = Date.now();
    const command: Record<string, unknown> = {
      id: randomUUID(),
      target: workerId ?? EVERY_WORKER,
      ...(instance === undefined ? {} : { instance }),
      issuedAt,
      expiresAt: issuedAt + this.#options.commandTtlMs,
    };
    for (const [key, value] of Object.entries(match)) if (value !== undefined) command[key] = value;
    if (reason !== undefined) command.reason = reason.slice(0, MAX_REASON_LENGTH);
    await this.#commandWriter().append(encodeCancelCommand(command as unknown as CancelCommand));
  }

  #commandWriter(): RedisStreamWriter {
    if (this.#commands !== undefined) return this.#commands;
    const { client, url, group, consumer, logger } = this.#options;
    const connection =
      client === undefined
        ? ({ kind: 'own', client: createOwnClient(url, logger, LABEL, `agentflow:commands:${group}:${consumer}`) } as const)
        : ({ kind: 'borrowed', client } as const);
    this.#commands = new RedisStreamWriter({
      stream: controlStreamOf(this.#options.stream),
      // commands are few and small: room for a burst before the connection is up, and for a worker away a while
      maxLen: 10_000,
      maxBuffered: 10_000,
      closeTimeoutMs: 2_000,
      publishTimeoutMs: 5_000,
      logger,
      connection,
      label: `${LABEL} (commands to '${controlStreamOf(this.#options.stream)}')`,
    });
    return this.#commands;
  }

  /** The shared source: one read loop for as long as anyone subscribes. */
  #startReading(subscriber: Subscriber<ReadSignal>): () => void {
    if (this.#closed) {
      subscriber.complete();
      return () => undefined;
    }
    let countsChanged = false;
    let tasksChanged = false;
    let workersChanged = false;
    let lastEmitted = 0;
    let emitLater: NodeJS.Timeout | undefined;
    // At most one view every VIEW_INTERVAL_MS: each is O(workers) to build, and a backlog of entries from many
    // workers would otherwise rebuild it after every read.
    const emitView = (): void => {
      if (!countsChanged && !tasksChanged && !workersChanged) return;
      const wait = lastEmitted + VIEW_INTERVAL_MS - Date.now();
      if (wait > 0) {
        emitLater ??= setTimeout(() => {
          emitLater = undefined;
          emitView();
        }, wait);
        return;
      }
      lastEmitted = Date.now();
      const signal: ReadSignal = { kind: 'view', counts: countsChanged, tasks: tasksChanged, workers: workersChanged };
      countsChanged = false;
      tasksChanged = false;
      workersChanged = false;
      subscriber.next(signal);
    };
    const noteChange = (change: ViewChange): void => {
      countsChanged ||= change.counts;
      tasksChanged ||= change.tasks;
      workersChanged ||= change.workers;
    };
    const { stream, group, consumer } = this.#options;
    const loop = new StreamReadLoop({
      ...this.#options,
      client: this.#newConnection(),
      label: `${LABEL} (stream '${stream}', group '${group}', consumer '${consumer}')`,
      counters: this.#counters,
      decode: decodeStreamEntry,
      deliver: (entry: StreamEntry) => {
        this.#counters.delivered++;
        noteChange(this.#view.apply(entry));
        subscriber.next({ kind: 'entry', entry });
      },
      batchDelivered: () => {
        noteChange(this.#view.expire(Date.now()));
        emitView();
      },
    });
    // Workers fall silent when nothing is read at all: look for them between reads too.
    const liveness = setInterval(() => {
      noteChange(this.#view.expire(Date.now()));
      emitView();
    }, Math.min(LIVENESS_CHECK_MS, Math.max(MIN_LIVENESS_CHECK_MS, this.#options.workerTimeoutMs / 4)));
    liveness.unref();
    this.#active = subscriber;
    return () => {
      clearInterval(liveness);
      clearTimeout(emitLater);
      if (this.#active === subscriber) this.#active = undefined;
      const stopped = loop.stop();
      this.#stopping.add(stopped);
      void stopped.then(() => this.#stopping.delete(stopped));
    };
  }

  #newConnection(): RedisStreamsClient {
    const { client, url, group, consumer, logger } = this.#options;
    const name = `agentflow:subscriber:${group}:${consumer}`;
    if (client !== undefined) return duplicateClient(client, logger, LABEL, name);
    return createOwnClient(url, logger, LABEL, name);
  }

  /** A view Observable: the current value on subscribe, then a new one after each read that changed it. */
  #viewStream<T>(which: 'counts' | 'tasks' | 'workers', current: () => T): Observable<T> {
    return new GuardedObservable<T>((subscriber) => {
      // Counts that did not change are not sent again (a heartbeat that only confirms them changes the view, not
      // its counts): compared as JSON, small next to the work of reading the entries.
      const first = current();
      let last = which === 'counts' ? JSON.stringify(first) : undefined;
      subscriber.next(first);
      return this.#signals$.subscribe({
        next: (signal) => {
          if (signal.kind !== 'view' || !signal[which]) return;
          const value = current();
          if (last !== undefined) {
            const text = JSON.stringify(value);
            if (text === last) return;
            last = text;
          }
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    }, this.#subscriberFailed);
  }

  readonly #subscriberFailed = (error: unknown): void => {
    this.#options.logger.error(`A subscriber of ${LABEL} threw: ${this.#options.logger.describe(error)}`, error);
  };
}
