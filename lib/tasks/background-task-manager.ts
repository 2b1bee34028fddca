import type { Observable } from 'rxjs';
import { TaskCancelledError } from '../errors/task-cancelled-error';
import { TaskDroppedError, type DropReason } from '../errors/task-dropped-error';
import { TaskRejectedError } from '../errors/task-rejected-error';
import { getDefaultLogger } from '../logging/default-logger';
import type { ManagerWatcher } from '../internal/manager-watcher';
import { CallerSignalLinks } from '../internal/caller-signal-links';
import { Redactor } from '../internal/redactor';
import { StreamSource } from '../internal/stream-source';
import { TaskLogger } from '../internal/task-logger';
import { TaskRun, type AnyTaskRun } from '../internal/task-run';
import type { TaskRunHost } from '../internal/task-run-host';
import {
  checkAbortSignal,
  checkBoolean,
  checkDelay,
  checkLogger,
  checkNonNegativeInteger,
  checkOneOf,
  checkPlainObject,
  checkString,
  checkStringArray,
  checkTimeout,
  checkWork,
} from '../internal/validate';
import { waitUntil } from '../internal/wait-until';
import type { WorkResult } from '../internal/work-owner';
import { DEFAULT_TASK_NAME, type CreateTaskOptions } from './create-task-options';
import {
  DEFAULT_MANAGER_OPTIONS,
  OVERFLOW_POLICIES,
  type BackgroundTaskManagerOptions,
  type OverflowPolicy,
} from './manager-options';
import type { ManagerState, ShutdownOptions, ShutdownStats } from './shutdown-stats';
import type { TaskContext } from './task-context';
import type { TaskCounts } from './task-counts';
import type { TaskEvent } from './task-event';
import type { TaskHandle } from './task-handle';
import type { TaskInfo } from './task-info';
import type { TaskWork } from './task-work';
import type { WaitForAllOptions, WaitResult } from './wait-result';

const EMPTY_CONTEXT: TaskContext = Object.freeze({});

/**
 * Tracks fire-and-forget background tasks: each with a name, an optional timeout and context metadata.
 * Failures are logged, never thrown at the caller; tasks can be counted, inspected, cancelled and waited for;
 * shutdown is graceful and reports what happened. Every lifecycle step is also a value on the manager's
 * streams (`events$`, `counts$`, `tasks$`, `state$`).
 *
 * **Cancellation.** JavaScript cannot interrupt a running promise. `handle.cancel()`, `cancelAll()`,
 * `shutdown()` and a task's timeout therefore settle the task at once *in the manager's books* (final status,
 * `done` resolved, events emitted, its `maxPendingTasks` slot freed) and abort its signal (or unsubscribe its
 * Observable). Work that ignores its signal and keeps running is *detached work*: `getTaskInfo()` still lists
 * it with `done: false`, `detachedCount` counts it, `shutdown()` waits for it, and its eventual outcome is
 * logged at debug level, never raised.
 *
 * **Shutdown**, in order: new tasks are refused (dropped with reason `'shutdown'`); with `drainMs`, tasks may
 * finish on their own for up to that long; every task still in flight is cancelled; then shutdown waits up to
 * `timeoutMs` for all work, detached work included, to stop. Work still running after that is abandoned (its
 * later outcome is logged at debug level) and reported in `remainingTasks` and `remaining`.
 *
 * @example
 * ```ts
 * await using manager = new BackgroundTaskManager({ defaultShutdownTimeoutMs: 30_000 });
 * manager.createTask((signal) => sendEmail(user, { signal }), {
 *   name: 'send_email',
 *   timeoutMs: 10_000,
 *   context: { userId: user.id },
 * });
 * manager.counts$.subscribe((counts) => console.log(counts));
 * // leaving the block runs manager.shutdown()
 * ```
 */
export class BackgroundTaskManager implements AsyncDisposable {
  readonly #defaultShutdownTimeoutMs: number;
  readonly #maxPendingTasks: number;
  readonly #overflow: OverflowPolicy;
  readonly #log: TaskLogger;
  readonly #redactor: Redactor;

  readonly #inFlight = new Map<number, AnyTaskRun>();
  readonly #detached = new Map<number, AnyTaskRun>();
  readonly #watchers = new Set<ManagerWatcher>();
  readonly #callerSignals = new CallerSignalLinks<AnyTaskRun>();
  #startQueue: AnyTaskRun[] = [];
  #nextId = 1;
  #seq = 0;

  #created = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #timedOut = 0;
  #dropped = 0;

  #state: ManagerState = 'running';
  #shutdown: Promise<ShutdownStats> | undefined;

  readonly #events = new StreamSource<TaskEvent>();
  readonly #counts = new StreamSource<TaskCounts>();
  readonly #tasks = new StreamSource<readonly TaskInfo[]>();
  readonly #states = new StreamSource<ManagerState>();
  #tasksFlushScheduled = false;

  /**
   * Every task lifecycle step, as it happens: a hot stream, a union on `type` (see {@link TaskEvent}).
   * Events are only built while someone subscribes. It does not complete.
   */
  readonly events$: Observable<TaskEvent>;
  /** The running totals: the current value on subscribe, then one emission per change. It does not complete. */
  readonly counts$: Observable<TaskCounts>;
  /**
   * The tracked tasks (as `getTaskInfo()` lists them): the current list on subscribe, then at most one list
   * per turn of the event loop while tasks change, however many changed. It does not complete.
   */
  readonly tasks$: Observable<readonly TaskInfo[]>;
  /** The manager's state: the current one on subscribe, then each change. It does not complete. */
  readonly state$: Observable<ManagerState>;

  /**
   * @param options - see {@link BackgroundTaskManagerOptions}; every field is optional.
   * @throws {@link InvalidArgumentError} when an option is out of range; the message names it and the value.
   */
  constructor(options: BackgroundTaskManagerOptions = {}) {
    checkPlainObject('options', options);
    checkDelay('defaultShutdownTimeoutMs', options.defaultShutdownTimeoutMs);
    checkNonNegativeInteger('maxPendingTasks', options.maxPendingTasks);
    checkOneOf('overflow', options.overflow, OVERFLOW_POLICIES);
    checkLogger('logger', options.logger);
    checkStringArray('redact', options.redact);
    this.#defaultShutdownTimeoutMs = options.defaultShutdownTimeoutMs ?? DEFAULT_MANAGER_OPTIONS.defaultShutdownTimeoutMs;
    this.#maxPendingTasks = options.maxPendingTasks ?? DEFAULT_MANAGER_OPTIONS.maxPendingTasks;
    this.#overflow = options.overflow ?? DEFAULT_MANAGER_OPTIONS.overflow;
    this.#redactor = new Redactor(options.redact ?? DEFAULT_MANAGER_OPTIONS.redact);
    this.#log = new TaskLogger(options.logger ?? getDefaultLogger(), this.#redactor);

    const onSubscriberError = this.#host.subscriberFailed;
    this.events$ = this.#events.asObservable(onSubscriberError);
    this.counts$ = this.#counts.asObservable(onSubscriberError, () => this.#countsSnapshot());
    this.tasks$ = this.#tasks.asObservable(onSubscriberError, () => this.getTaskInfo());
    this.state$ = this.#states.asObservable(onSubscriberError, () => this.#state);
  }

  /** Tasks in flight: created and not yet in a final status. Same as {@link getTaskCount}. */
  get pendingCount(): number {
    return this.#inFlight.size;
  }

  /** Tasks refused or shed so far: by any overflow policy, and after shutdown. */
  get droppedCount(): number {
    return this.#dropped;
  }

  /** Work still running after its task was cancelled or timed out. */
  get detachedCount(): number {
    return this.#detached.size;
  }

  /** What the manager is doing: `'running'`, `'shutting_down'` or `'shutdown'`. */
  get state(): ManagerState {
    return this.#state;
  }

  /**
   * Starts tracking a piece of background work and returns at once; the work starts on the next microtask.
   *
   * A function, an Observable and a promise are all accepted (see {@link TaskWork}); a function is preferred,
   * because it receives the task's `AbortSignal` and so can really be stopped. Whatever the work does,
   * `createTask` itself never throws because of it: a synchronous throw, a rejection or an Observable error
   * is a failed task, logged at ERROR.
   *
   * Beyond `maxPendingTasks` in flight, the `overflow` policy applies; after shutdown the task is dropped.
   *
   * @typeParam T - the work's result.
   * @param work - what to run.
   * @param options - name, timeout, context metadata and the caller's signal.
   * @returns the task's handle.
   * @throws {@link InvalidArgumentError} when `work` or an option is not acceptable (nothing is tracked then).
   * @throws {@link TaskRejectedError} under the `'reject'` policy when `maxPendingTasks` tasks are in flight.
   * @example
   * ```ts
   * const handle = manager.createTask((signal) => sendNotification(userId, message, { signal }), {
   *   name: 'send_notification',
   *   timeoutMs: 10_000,
   *   context: { userId, notificationType: 'email', threadId: config.threadId },
   * });
   * ```
   */
  createTask<T>(work: TaskWork<T>, options?: CreateTaskOptions): TaskHandle<T> {
    let name = DEFAULT_TASK_NAME;
    let timeoutMs: number | undefined;
    let context = EMPTY_CONTEXT;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      checkPlainObject('options', options);
      checkString('name', options.name);
      checkTimeout('timeoutMs', options.timeoutMs);
      checkPlainObject('context', options.context);
      checkAbortSignal('signal', options.signal);
      name = options.name ?? name;
      timeoutMs = options.timeoutMs;
      context = options.context ?? context;
      signal = options.signal;
    }
    checkWork(work);

    if (this.#state !== 'running') return this.#refuse(work, name, context, 'shutdown');
    const full = this.#maxPendingTasks > 0 && this.#inFlight.size >= this.#maxPendingTasks;
    if (full && this.#overflow === 'drop-newest') return this.#refuse(work, name, context, 'overflow');
    if (full && this.#overflow === 'reject') {
      const pending = this.#inFlight.size;
      this.#refuse(work, name, context, 'overflow');
      throw new TaskRejectedError(name, pending);
    }

    const run = new TaskRun<T>(this.#host, this.#nextId++, work, name, timeoutMs, context, signal);
    // Under 'drop-oldest' the newcomer is booked before the oldest is shed, so that nothing (waitForAll,
    // shutdown's drain) ever sees the manager idle in between.
    this.#inFlight.set(run.id, run);
    this.#created++;
    this.#countsChanged();
    this.#emit(run, 'created');
    this.#tasksChanged();
    if (full) this.#shedOldest();
    if (signal !== undefined) {
      if (signal.aborted) {
        run.cancelFromCaller(signal.reason);
        return run;
      }
      this.#callerSignals.link(signal, run);
    }
    this.#scheduleStart(run);
    return run;
  }

  /**
   * How many tasks are in flight (created and not yet in a final status).
   *
   * @returns the count; detached work is not included (see {@link detachedCount}).
   * @example
   * ```ts
   * const count = manager.getTaskCount();
   * if (count > 100) logger.warn(`Too many background tasks: ${count}`);
   * ```
   */
  getTaskCount(): number {
    return this.#inFlight.size;
  }

  /**
   * A snapshot of every tracked task: those in flight, then detached work (a final status with `done: false`).
   *
   * @param options - `redacted: true` replaces the values of the manager's `redact` keys in each context, for
   * anything that leaves the process; by default the contexts are the tasks' own objects.
   * @returns one {@link TaskInfo} per task, oldest first within each group.
   * @example
   * ```ts
   * for (const task of manager.getTaskInfo()) {
   *   console.log(`Task: ${task.name}, age: ${(task.ageMs / 1000).toFixed(2)}s, done: ${task.done}`);
   * }
   * response.end(JSON.stringify(manager.getTaskInfo({ redacted: true })));
   * ```
   */
  getTaskInfo(options: { readonly redacted?: boolean } = {}): TaskInfo[] {
    checkPlainObject('options', options);
    checkBoolean('redacted', options.redacted);
    const now = Date.now();
    const infos: TaskInfo[] = [];
    for (const run of this.#inFlight.values()) infos.push(run.info(now));
    for (const run of this.#detached.values()) infos.push(run.info(now));
    if (options.redacted !== true || !this.#redactor.active) return infos;
    return infos.map((info) => this.#redactor.withContext(info));
  }

  /**
   * A copy of `context` with the values of the manager's `redact` keys (matched case-insensitively, at any depth)
   * replaced by `'[REDACTED]'`; the same object when it holds none. For code that sends task events or contexts
   * out of the process.
   *
   * @param context - a task's context.
   * @returns the redacted context.
   * @example
   * ```ts
   * manager.events$.subscribe((event) => send({ ...event, context: manager.redactContext(event.context) }));
   * ```
   */
  redactContext(context: TaskContext): TaskContext {
    return this.#redactor.context(context);
  }

  /**
   * The handle of a tracked task (in flight, or detached work) by id.
   *
   * @param id - the task's id.
   * @returns its handle, or `undefined` when no tracked task has that id.
   * @example
   * ```ts
   * manager.getTask(Number(request.params.id))?.cancel('cancelled from the dashboard');
   * ```
   */
  getTask(id: number): TaskHandle<unknown> | undefined {
    return this.#inFlight.get(id) ?? this.#detached.get(id);
  }

  /**
   * Cancels every task in flight, each as `handle.cancel(reason)` would.
   *
   * Each settles as `'cancelled'` at once; work that does not stop on its signal goes on as detached work.
   * Tasks created after the call (by a subscriber, say) are not affected.
   *
   * @param reason - why, kept as each `TaskCancelledError`'s `cause`.
   * @returns how many tasks it cancelled, once each has settled or been detached.
   * @example
   * ```ts
   * const cancelled = await manager.cancelAll('user logged out');
   * ```
   */
  async cancelAll(reason?: unknown): Promise<number> {
    let cancelled = 0;
    for (const run of [...this.#inFlight.values()]) {
      if (run.cancel(reason)) cancelled++;
    }
    return cancelled;
  }

  /**
   * Waits until no task is in flight, including tasks created while waiting.
   *
   * By default it rejects as soon as a task fails during the wait, with that task's own error (the other
   * tasks go on). With `returnExceptions: true` it resolves when idle with every such error in `errors`.
   * With `timeoutMs` it resolves `{ status: 'timeout', remaining }` when time runs out, and logs a warning;
   * it never cancels anything.
   *
   * @param options - `timeoutMs` and `returnExceptions`.
   * @returns the {@link WaitResult}.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * const { status, remaining } = await manager.waitForAll({ timeoutMs: 60_000, returnExceptions: true });
   * if (status === 'timeout') console.warn('still running:', remaining.map((task) => task.name));
   * ```
   */
  waitForAll(options: WaitForAllOptions = {}): Promise<WaitResult> {
    checkPlainObject('options', options);
    checkTimeout('timeoutMs', options.timeoutMs);
    checkBoolean('returnExceptions', options.returnExceptions);
    const returnExceptions = options.returnExceptions ?? false;
    if (this.#inFlight.size === 0) return Promise.resolve({ status: 'idle', errors: [], remaining: [] });

    return new Promise<WaitResult>((resolve, reject) => {
      const errors: unknown[] = [];
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(watcher);
      };
      const watcher: ManagerWatcher = {
        taskSettled: (run) => {
          const outcome = run.outcome;
          if (outcome?.status === 'failed') {
            if (!returnExceptions) {
              finish();
              reject(outcome.error);
              return;
            }
            errors.push(outcome.error);
          }
          if (this.#inFlight.size === 0) {
            finish();
            resolve({ status: 'idle', errors, remaining: [] });
          }
        },
        workStopped: () => undefined,
      };
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        timer = setTimeout(() => {
          finish();
          const remaining = this.#inFlightInfo();
          this.#log.logger.warn(
            `waitForAll timed out after ${timeoutMs} ms with ${remaining.length} background tasks still in flight`,
          );
          resolve({ status: 'timeout', errors, remaining });
        }, timeoutMs);
      }
      this.#watchers.add(watcher);
    });
  }

  /**
   * Shuts the manager down gracefully and reports what happened (see the class description for the steps).
   *
   * Concurrent calls share one shutdown. A call after it finished resolves at once with
   * `status: 'already_shutdown'` and zero counts. It never rejects because of a task.
   *
   * @param options - `timeoutMs` (default `defaultShutdownTimeoutMs`) and `drainMs` (default 0).
   * @returns the {@link ShutdownStats}.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * const stats = await manager.shutdown({ timeoutMs: 30_000 });
   * console.log(`Shutdown stats: ${JSON.stringify(stats)}`);
   * ```
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownStats> {
    checkPlainObject('options', options);
    checkDelay('timeoutMs', options.timeoutMs);
    checkDelay('drainMs', options.drainMs);
    if (this.#shutdown !== undefined) {
      return this.#state === 'shutdown' ? Promise.resolve(alreadyShutdown()) : this.#shutdown;
    }
    this.#shutdown = this.#runShutdown(options.timeoutMs ?? this.#defaultShutdownTimeoutMs, options.drainMs ?? 0);
    return this.#shutdown;
  }

  /**
   * Runs {@link shutdown} with its defaults, so that `await using manager = new BackgroundTaskManager()`
   * shuts the manager down when the block exits.
   *
   * @example
   * ```ts
   * {
   *   await using manager = new BackgroundTaskManager();
   *   manager.createTask(() => processItem(item), { name: `process_${item.id}` });
   * } // all tasks cleaned up here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  async #runShutdown(timeoutMs: number, drainMs: number): Promise<ShutdownStats> {
    const startedAt = performance.now();
    this.#setState('shutting_down');
    const before = { completed: this.#completed, failed: this.#failed, cancelled: this.#cancelled, timedOut: this.#timedOut };
    let earlierCancelled = 0;
    let earlierTimedOut = 0;
    for (const run of this.#detached.values()) {
      if (run.status === 'timed_out') earlierTimedOut++;
      else earlierCancelled++;
    }
    const initialTasks = this.#inFlight.size + this.#detached.size;

    if (drainMs > 0) await waitUntil(this.#watchers, () => this.#inFlight.size === 0, drainMs);
    for (const run of [...this.#inFlight.values()]) run.cancel('shutdown');
    const allStopped = await waitUntil(
      this.#watchers,
      () => this.#inFlight.size === 0 && this.#detached.size === 0,
      timeoutMs,
    );

    const remaining = this.getTaskInfo();
    const stats: ShutdownStats = {
      status: allStopped ? 'completed' : 'timeout',
      initialTasks,
      completedTasks: initialTasks - remaining.length,
      remainingTasks: remaining.length,
      durationMs: Math.round(performance.now() - startedAt),
      succeeded: this.#completed - before.completed,
      failed: this.#failed - before.failed,
      cancelled: this.#cancelled - before.cancelled + earlierCancelled,
      timedOut: this.#timedOut - before.timedOut + earlierTimedOut,
      remaining,
    };
    this.#setState('shutdown');
    const level = allStopped ? 'info' : 'warn';
    this.#log.logger[level](
      `Background task manager shut down (${stats.status}): ${stats.completedTasks} of ${initialTasks} tasks stopped, ` +
        `${stats.remainingTasks} still running, in ${stats.durationMs} ms`,
    );
    return stats;
  }

  /** The manager's side of each task, kept off the public surface. */
  readonly #host: TaskRunHost = {
    taskStarted: (run) => {
      this.#emit(run, 'started');
      this.#tasksChanged();
    },
    taskSettled: (run) => this.#settled(run),
    detachedWorkStopped: (run, result) => this.#detachedWorkStopped(run, result),
    subscriberFailed: (error) => this.#log.subscriberFailed(error),
    finalEvent: (run) => finalEvent(run, run.finalSeq),
  };

  #settled(run: AnyTaskRun): void {
    this.#inFlight.delete(run.id);
    if (run.callerSignal !== undefined) this.#callerSignals.unlink(run.callerSignal, run);
    switch (run.status) {
      case 'completed':
        this.#completed++;
        break;
      case 'failed':
        this.#failed++;
        break;
      case 'cancelled':
        this.#cancelled++;
        break;
      case 'timed_out':
        this.#timedOut++;
        break;
    }
    if (run.workRunning) this.#detached.set(run.id, run);
    run.finalSeq = ++this.#seq;
    // Counts first: a subscriber that subscribes to counts$ from an events$ callback must not get one value twice.
    this.#countsChanged();
    if (this.#events.observed || run.hasListeners) this.#publish(run, finalEvent(run, run.finalSeq));
    this.#tasksChanged();
    this.#log.settled(run);
    if (this.#watchers.size > 0) for (const watcher of this.#watchers) watcher.taskSettled(run);
  }

  #detachedWorkStopped(run: AnyTaskRun, result: WorkResult | undefined): void {
    if (!this.#detached.delete(run.id)) return;
    this.#tasksChanged();
    this.#log.detachedWorkStopped(run, result);
    if (this.#watchers.size > 0) for (const watcher of this.#watchers) watcher.workStopped();
  }

  /** Refuses a task: a handle that is `'dropped'` from the start, its work never called (or, for a promise, never watched). */
  #refuse(work: TaskWork<unknown>, name: string, context: TaskContext, reason: DropReason): AnyTaskRun {
    const run = TaskRun.dropped(this.#host, this.#nextId++, work, name, context, new TaskDroppedError(name, reason));
    this.#dropped++;
    run.finalSeq = ++this.#seq;
    this.#countsChanged();
    if (this.#events.observed) this.#events.next(finalEvent(run, run.finalSeq));
    this.#log.dropped(name, reason === 'shutdown' ? 'shutdown' : this.#overflow === 'reject' ? 'rejected' : 'overflow', this.#inFlight.size);
    return run;
  }

  /** Makes room under `'drop-oldest'`: the oldest task in flight is cancelled with a `TaskDroppedError`. */
  #shedOldest(): void {
    const oldest = this.#inFlight.values().next().value;
    if (oldest === undefined) return;
    this.#dropped++;
    this.#log.dropped(oldest.name, 'overflow', this.#inFlight.size);
    oldest.shed();
  }

  #emit(run: AnyTaskRun, type: 'created' | 'started'): void {
    const seq = ++this.#seq;
    if (!this.#events.observed && !run.hasListeners) return;
    const { id, name, context } = run;
    const event: TaskEvent =
      type === 'created'
        ? { type, seq, timestamp: run.createdAt, id, name, context, timeoutMs: run.timeoutMs }
        : { type, seq, timestamp: Date.now(), id, name, context };
    this.#publish(run, event);
  }

  #publish(run: AnyTaskRun, event: TaskEvent): void {
    if (this.#events.observed) this.#events.next(event);
    run.deliver(event);
  }

  #countsChanged(): void {
    if (this.#counts.observed) this.#counts.next(this.#countsSnapshot());
  }

  #countsSnapshot(): TaskCounts {
    return {
      active: this.#inFlight.size,
      created: this.#created,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      timedOut: this.#timedOut,
      dropped: this.#dropped,
    };
  }

  /** Marks the task list changed; subscribers of `tasks$` get one new list after this turn of the event loop. */
  #tasksChanged(): void {
    if (this.#tasksFlushScheduled || !this.#tasks.observed) return;
    this.#tasksFlushScheduled = true;
    setImmediate(this.#flushTasks);
  }

  readonly #flushTasks = (): void => {
    this.#tasksFlushScheduled = false;
    if (this.#tasks.observed) this.#tasks.next(this.getTaskInfo());
  };

  #setState(state: ManagerState): void {
    this.#state = state;
    this.#states.next(state);
  }

  #scheduleStart(run: AnyTaskRun): void {
    this.#startQueue.push(run);
    if (this.#startQueue.length === 1) queueMicrotask(this.#startQueued);
  }

  /** Starts every task created since the last microtask, in creation order. */
  readonly #startQueued = (): void => {
    const queue = this.#startQueue;
    this.#startQueue = [];
    for (const run of queue) run.start();
  };

  #inFlightInfo(): TaskInfo[] {
    const now = Date.now();
    return Array.from(this.#inFlight.values(), (run) => run.info(now));
  }
}

/** The final event of a settled task, built from its outcome. */
function finalEvent(run: AnyTaskRun, seq: number): TaskEvent {
  const { id, name, context, outcome } = run;
  if (outcome === undefined) throw new Error(`Task ${id} has no outcome yet`);
  const { durationMs } = outcome;
  const timestamp = run.createdAt + durationMs;
  switch (outcome.status) {
    case 'completed':
      return { type: 'completed', seq, timestamp, id, name, context, durationMs };
    case 'failed':
      return { type: 'failed', seq, timestamp, id, name, context, error: outcome.error, durationMs };
    case 'cancelled':
      return { type: 'cancelled', seq, timestamp, id, name, context, reason: outcome.reason, durationMs };
    case 'timed_out':
      return { type: 'timed_out', seq, timestamp, id, name, context, reason: outcome.reason, durationMs };
    case 'dropped':
      return { type: 'dropped', seq, timestamp, id, name, context, reason: outcome.reason, durationMs };
  }
}

function alreadyShutdown(): ShutdownStats {
  return {
    status: 'already_shutdown',
    initialTasks: 0,
    completedTasks: 0,
    remainingTasks: 0,
    durationMs: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    timedOut: 0,
    remaining: [],
  };
}
