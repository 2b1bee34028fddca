import type { Observable, SchedulerLike } from 'rxjs';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { TaskCancelledError } from '../errors/task-cancelled-error';
import { TaskDroppedError, type DropReason } from '../errors/task-dropped-error';
import { TaskRejectedError } from '../errors/task-rejected-error';
import { GuardedLogger } from '../logging/guarded-logger';
import { Redactor } from '../redaction/redactor';
import { callerSignalLinks } from '../util/caller-signal-links';
import { NativePromise, followPromise } from '../util/promises';
import { EmissionQueue, ObservedSources, StreamSource } from '../util/stream-source';
import {
  checkAbortSignal,
  checkBoolean,
  checkDelay,
  checkObjectLiteral,
  checkPlainObject,
  checkString,
  checkTimeout,
  isObjectLiteral,
  readOptions,
  unknownOption,
} from '../util/validate';
import { ambientFrames, ownScope, tagsOf } from './internal/ambient-scope';
import { ScopeCore } from './internal/scope-core';
import type { GroupWatcher, TaskGroup } from './internal/task-group';
import { TaskIndex, type ResolvedFilter, type Selection } from './internal/task-index';
import { task$, type SettlingHandle } from './internal/task-observable';
import { TASK_FILTER_KEYS, type CancelAllOptions, type CancelReason, type TaskFilter, type TaskInfoOptions, type WaitForAllOptions } from './task-filter';
import { TaskScope, scopeCoreOf, type TaskScopeHost } from './task-scope';
import type { TaskScopeCloseOptions, TaskScopeCloseResult, TaskScopeOptions } from './task-scope-options';
import { NO_TASK_TAGS, type TaskTags } from './task-tags';
import { DEFAULT_TASK_NAME, type CreateTaskOptions } from './create-task-options';
import { checkWork } from './internal/check-work';
import { DetachedWork } from './internal/detached-work';
import type { ManagerWatcher } from './internal/manager-watcher';
import { createdEvent, finalEvent, startedEvent } from './internal/task-events';
import { TaskLogger } from './internal/task-logger';
import { TaskRun, type AnyTaskRun, type TaskRunHost, type WorkKind, type WorkResult } from './internal/task-run';
import { TaskTally } from './internal/task-tally';
import { waitUntil, watchUntil } from './internal/wait-until';
import { publishSettled, publishTask, taskChannels } from './internal/task-diagnostics';
import { instrumentationAccess, withItem, withoutItem } from './internal/instrumentation-access';
import { resolveManagerOptions, type BackgroundTaskManagerOptions, type OverflowPolicy } from './manager-options';
import type { ManagerStats } from './manager-stats';
import type { ManagerState, ShutdownOptions, ShutdownStats } from './shutdown-stats';
import { EMPTY_TASK_CONTEXT, type TaskContext } from './task-context';
import type { TaskLaunchWrapper } from './task-launch-wrapper';
import type { TaskLogFields } from './task-log-fields';
import type { TaskCounts } from './task-counts';
import type { TaskEvent } from './task-event';
import type { TaskHandle } from './task-handle';
import type { TaskInfo } from './task-info';
import { isFinalStatus, type FinalTaskStatus } from './task-status';
import type { TaskWork } from './task-work';
import type { WaitOptions, WaitResult } from './wait-result';

const CREATE_TASK_OPTION_KEYS: readonly string[] = ['name', 'timeoutMs', 'context', 'signal'];
const SCOPE_OPTION_KEYS = ['name', 'context', 'signal', 'timeoutMs', 'runId', 'threadId'] as const;
/** How deep scopes nest: each task of a scope counts in every level above it (a cost per level). */
const MAX_SCOPE_DEPTH = 100;
const EMPTY_FILTER: ResolvedFilter = Object.freeze({ runId: undefined, threadId: undefined, name: undefined, scope: undefined });

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
  readonly #detached = new DetachedWork<AnyTaskRun>();
  readonly #watchers = new Set<ManagerWatcher>();
  readonly #tally = new TaskTally();
  /** The tasks by run, thread, scope and name, for filtered calls. */
  readonly #index = new TaskIndex();
  readonly #scheduler: SchedulerLike | undefined;
  #nextId = 1;
  #seq = 0;
  #callbackFailures = 0;

  #state: ManagerState = 'running';
  #shutdown: Promise<ShutdownStats> | undefined;

  /** One order for every stream and every handle's `events$`: events reach everyone in `seq` order. */
  readonly #emissions = new EmissionQueue();
  readonly #events = new StreamSource<TaskEvent>(this.#emissions);
  readonly #counts = new StreamSource<TaskCounts>(this.#emissions);
  readonly #tasks = new StreamSource<readonly TaskInfo[]>(this.#emissions);
  readonly #states = new StreamSource<ManagerState>(this.#emissions);
  /** How many of its scopes' streams have subscribers: none (the common case) spares a task looking at its scopes. */
  readonly #scopeStreams = new ObservedSources();
  #tasksFlushScheduled = false;
  /** What instrumentations wrap each task's launch in (see `wrapTaskLaunch()`); `undefined` when none. */
  #launchWrappers: readonly TaskLaunchWrapper[] | undefined;
  /** What instrumentations add to each task's log lines (see `addTaskLogFields()`); `undefined` when none. */
  #logFields: readonly TaskLogFields[] | undefined;

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
    const resolved = resolveManagerOptions(options);
    this.#defaultShutdownTimeoutMs = resolved.defaultShutdownTimeoutMs;
    this.#maxPendingTasks = resolved.maxPendingTasks;
    this.#overflow = resolved.overflow;
    this.#scheduler = resolved.scheduler;
    this.#host.scheduler = resolved.scheduler;
    this.#redactor = new Redactor(resolved.redact);
    this.#log = new TaskLogger(new GuardedLogger(resolved.logger, this.#redactor), this.#redactor, () => this.#logFields);

    const onSubscriberError = (error: unknown): void => this.#host.callbackFailed(error, 'A subscriber of the task streams');
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
    return this.#tally.dropped;
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
   * Faults the manager absorbed so far: log calls that threw, and user callbacks (stream subscribers,
   * Observable teardowns) that threw. None of them changed a task's outcome.
   *
   * @example
   * ```ts
   * if (manager.stats.loggerFailures > 0) console.warn('the task logger is failing');
   * ```
   */
  get stats(): ManagerStats {
    return { loggerFailures: this.#log.failures, callbackFailures: this.#callbackFailures };
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
    return this.#create(work, options, undefined);
  }

  /**
   * A cold Observable of one tracked task per subscription: subscribing creates the task (as `createTask` does,
   * in the subscriber's run and scope), its value is emitted and the Observable completes as soon as the task
   * completes; a failure, timeout, cancellation or drop errors it (as `result()` rejects). **Unsubscribing cancels
   * the task** (reason `'unsubscribed'`), so `switchMap` cancels stale work, while every task stays visible in
   * `events$`, `counts$` and the dashboard. A refused task (a bad option, the `'reject'` policy) errors the
   * subscription.
   *
   * @typeParam T - the work's result.
   * @param work - what to run (a function receiving the task's signal, preferably).
   * @param options - as for {@link createTask}.
   * @returns the Observable.
   * @example
   * ```ts
   * const results$ = query$.pipe(
   *   switchMap((q) => manager.task$((signal) => search(q, { signal }), { name: 'search', timeoutMs: 5_000 })),
   * );
   * ```
   */
  task$<T>(work: TaskWork<T>, options?: CreateTaskOptions): Observable<T> {
    return task$(() => this.#create(work, options, undefined), this.#onTaskSubscriberError);
  }

  readonly #onTaskSubscriberError = (error: unknown): void => this.#host.callbackFailed(error, 'A subscriber of task$()');

  /**
   * A new scope of this manager: a group of tasks with its own counts, events, cancellation, waiting and close
   * (see {@link TaskScope}). Made inside another scope of this manager (in `scope.run()`, or a graph run), it is
   * that scope's child; it takes the run and thread of the code it is made in unless given its own.
   *
   * @param options - `name` (required), `context`, `signal`, `timeoutMs`, `runId`, `threadId` (see {@link TaskScopeOptions}).
   * @returns the scope.
   * @throws {@link InvalidArgumentError} when an option is missing or not acceptable.
   * @example
   * ```ts
   * await using scope = manager.scope({ name: 'request', signal: request.signal });
   * scope.createTask((signal) => audit(entry, { signal }), { name: 'audit' });
   * ```
   */
  scope(options: TaskScopeOptions): TaskScope {
    return this.#makeScope(options, ownScope(ambientFrames.getStore(), this));
  }

  #create<T>(work: TaskWork<T>, options: CreateTaskOptions | undefined, explicit: ScopeCore | undefined): SettlingHandle<T> {
    let name = DEFAULT_TASK_NAME;
    let timeoutMs: number | undefined;
    let context = EMPTY_TASK_CONTEXT;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      checkPlainObject('options', options);
      // Each option is read once: a getter that answers differently the second time cannot slip past the checks.
      let givenName: unknown, givenTimeoutMs: unknown, givenContext: unknown, givenSignal: unknown;
      try {
        ({ name: givenName, timeoutMs: givenTimeoutMs, context: givenContext, signal: givenSignal } = options);
        // Own properties only: an option inherited from a prototype (a polluted Object.prototype) is not one the
        // caller gave, neither as a value nor as an unknown key. (The checks run only for what was found.)
        if (givenName !== undefined && !Object.hasOwn(options, 'name')) givenName = undefined;
        if (givenTimeoutMs !== undefined && !Object.hasOwn(options, 'timeoutMs')) givenTimeoutMs = undefined;
        if (givenContext !== undefined && !Object.hasOwn(options, 'context')) givenContext = undefined;
        if (givenSignal !== undefined && !Object.hasOwn(options, 'signal')) givenSignal = undefined;
        for (const key in options) {
          if (!CREATE_TASK_OPTION_KEYS.includes(key) && Object.hasOwn(options, key)) throw unknownOption(key, options, CREATE_TASK_OPTION_KEYS);
        }
      } catch (error) {
        if (error instanceof InvalidArgumentError) throw error;
        throw new InvalidArgumentError('options', 'an object whose properties can be read', options);
      }
      checkString('name', givenName);
      checkTimeout('timeoutMs', givenTimeoutMs);
      checkPlainObject('context', givenContext);
      checkAbortSignal('signal', givenSignal);
      name = (givenName as string | undefined) ?? name;
      timeoutMs = givenTimeoutMs as number | undefined;
      context = (givenContext as TaskContext | undefined) ?? context;
      signal = givenSignal as AbortSignal | undefined;
    }
    const kind = checkWork(work);

    // Where the task belongs: the scope given, or the one the caller runs in (if it is this manager's), and the
    // run, thread and node of the code that creates it.
    let tags = NO_TASK_TAGS;
    let scope = explicit;
    const frame = ambientFrames.getStore();
    if (frame !== undefined) {
      if (explicit === undefined) {
        // The common case first, without a call: code running in a scope of this manager, its node name fixed.
        tags = frame.nodeName === undefined ? frame.tags : tagsOf(frame);
        scope = frame.scope.owner === this ? frame.scope : ownScope(frame.parent, this);
      } else {
        // the node's name too, when the code runs in that very scope; its own run and thread otherwise
        tags = frame.scope === explicit ? tagsOf(frame) : explicit.tags;
      }
    } else if (explicit !== undefined) {
      tags = explicit.tags;
    }
    if (scope !== undefined) {
      if (scope.context !== undefined) context = context === EMPTY_TASK_CONTEXT ? scope.context : withScopeContext(scope.context, context);
      timeoutMs ??= scope.timeoutMs;
      if (scope.closed) return this.#refuse(work, kind, name, context, 'scope_closed', tags, scope.groups);
    }

    if (this.#state !== 'running') return this.#refuse(work, kind, name, context, 'shutdown', tags, scope?.groups);
    const full = this.#maxPendingTasks > 0 && this.#inFlight.size >= this.#maxPendingTasks;
    if (full && this.#overflow === 'drop-newest') return this.#refuse(work, kind, name, context, 'overflow', tags, scope?.groups);
    if (full && this.#overflow === 'reject') {
      const pending = this.#inFlight.size;
      this.#refuse(work, kind, name, context, 'overflow', tags, scope?.groups);
      throw new TaskRejectedError(name, pending);
    }

    const run = new TaskRun<T>(this.#host, this.#nextId++, work, kind, name, timeoutMs, context, signal);
    // Under 'drop-oldest' the newcomer is booked before the oldest is shed, so that nothing (waitForAll,
    // shutdown's drain) ever sees the manager idle in between.
    this.#inFlight.set(run.id, run);
    this.#tally.recordCreated();
    if (tags !== NO_TASK_TAGS || scope !== undefined || this.#index.indexesNames) {
      run.tags = tags;
      // Until a call filters by run, thread or name there is no index to join: only the scope's groups.
      const groups = this.#index.anyIndex ? this.#index.groupsFor(name, tags, scope) : scope?.groups;
      if (groups !== undefined) {
        run.groups = groups;
        this.#index.added(run, groups);
      }
    }
    // Launched before anything else runs: a task a created-event subscriber creates starts after this one. Its
    // work is called one microtask from now, so a subscriber may still cancel it first.
    // With a scheduler (which may run it at once, as `queueScheduler` does), the task is launched after its
    // created event, so that its events keep their order.
    if (this.#scheduler === undefined) this.#launch(run);
    const seq = ++this.#seq;
    // A new task has no listeners of its own yet: only the manager's streams, and its scopes', can be watching.
    if (this.#counts.observed || this.#events.observed || (this.#scopeStreams.count > 0 && run.groups !== undefined && anyObserved(run.groups))) {
      const held = this.#emissions.hold();
      try {
        this.#countsChanged(run.groups);
        this.#publish(run, createdEvent(run, seq));
      } finally {
        this.#emissions.release(held);
      }
    }
    this.#tasksChanged();
    if (this.#scheduler !== undefined) this.#launch(run);
    if (taskChannels.created.hasSubscribers) publishTask('created', this, run);
    // Shed only if the newcomer still makes one too many: a subscriber of its created event may have cancelled
    // it, or made room.
    if (full && this.#inFlight.size > this.#maxPendingTasks) this.#shedOldest(run);
    // A scope whose signal has aborted cancels its new tasks at once, as an aborted caller's signal does.
    if (scope !== undefined && scope.signalled && run.outcome === undefined) {
      const aborted = scope.abortedSignal();
      if (aborted !== undefined) run.cancelFromCaller(aborted.reason);
    }
    // A subscriber of the created event may have settled it already: then there is nothing to link.
    if (signal !== undefined && run.outcome === undefined) {
      if (signal.aborted) run.cancelFromCaller(signal.reason);
      else callerSignalLinks.link(signal, run);
    }
    return run;
  }

  /**
   * How many tasks are in flight (created and not yet in a final status), of those `filter` selects.
   *
   * @param filter - which tasks: `{ runId?, threadId?, name?, scope? }` (see {@link TaskFilter}); default all.
   * @returns the count; detached work is not included (see {@link detachedCount}).
   * @throws {@link InvalidArgumentError} when a filter field is not acceptable.
   * @example
   * ```ts
   * const count = manager.getTaskCount();
   * if (count > 100) logger.warn(`Too many background tasks: ${count}`);
   * const ofThisRun = manager.getTaskCount({ runId: config.runId });
   * ```
   */
  getTaskCount(filter?: TaskFilter): number {
    if (filter === undefined) return this.#inFlight.size;
    checkObjectLiteral('filter', filter);
    const selection = this.#select(this.#readFilter('filter', filter, readOptions('filter', filter, TASK_FILTER_KEYS)), false);
    const group = selection.group;
    if (group === null) return 0;
    if (group === undefined) return this.#inFlight.size;
    if (selection.exact) return group.inFlight;
    let count = 0;
    for (const run of group.tracked) if (run.outcome === undefined && selection.matches(run)) count++;
    return count;
  }

  /**
   * A snapshot of the tracked tasks `options` selects: those in flight, then detached work (a final status with
   * `done: false`).
   *
   * @param options - a {@link TaskFilter} (`runId`, `threadId`, `name`, `scope`; default every task), and
   * `redacted: true` for copies made to leave the process: each name and context redacted by the manager's
   * {@link redactor} (contexts as JSON-safe copies); by default the contexts are the tasks' own objects.
   * @returns one {@link TaskInfo} per task, oldest first within each group.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * for (const task of manager.getTaskInfo()) {
   *   console.log(`Task: ${task.name}, age: ${(task.ageMs / 1000).toFixed(2)}s, done: ${task.done}`);
   * }
   * response.end(JSON.stringify(manager.getTaskInfo({ redacted: true })));
   * const stuck = manager.getTaskInfo({ threadId: 'thread-1' }).filter((task) => task.ageMs > 60_000);
   * ```
   */
  getTaskInfo(options: TaskInfoOptions = {}): TaskInfo[] {
    checkObjectLiteral('options', options);
    const settings = readOptions('options', options, [...TASK_FILTER_KEYS, 'redacted']);
    checkBoolean('redacted', settings.redacted);
    const selection = this.#select(this.#readFilter('options', options, settings), false);
    const infos = this.#infos(selection);
    return settings.redacted === true ? this.#redacted(infos) : infos;
  }

  /**
   * What keeps secrets from leaving the process, built from the `redact` option: the server-sent-events handler
   * and the Redis mirror redact what they send with it, and code of yours that sends task data out can too.
   *
   * @example
   * ```ts
   * manager.events$.subscribe((event) => socket.send(manager.redactor.stringify(event)));
   * ```
   */
  get redactor(): Redactor {
    return this.#redactor;
  }

  /**
   * A redacted, JSON-safe copy of a task's context (see {@link redactor}).
   *
   * @param context - a task's context.
   * @returns the redacted copy (always a record).
   * @example
   * ```ts
   * manager.events$.subscribe((event) => send({ ...event, context: manager.redactContext(event.context) }));
   * ```
   */
  redactContext(context: TaskContext): TaskContext {
    return this.#redactor.record(context);
  }

  /** Task infos made to leave the process: names and contexts redacted (as they are, with `redact: false`). */
  #redacted(infos: TaskInfo[]): TaskInfo[] {
    if (!this.#redactor.active) return infos;
    return infos.map((info) => ({ ...info, name: this.#redactor.text(info.name), context: this.#redactor.record(info.context) }));
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
   * Cancels every task in flight, or those a filter selects.
   *
   * Each settles as `'cancelled'` at once and its signal aborts with one `TaskCancelledError` shared by all of
   * them (its `cause` is the reason, its `taskName` `undefined`); work that does not stop on its signal goes on as
   * detached work. Tasks created during the call (by a subscriber, say) are not affected.
   *
   * The argument is either the reason (any value that is not a plain object: a string, an `Error`...), or a
   * plain object of options: a {@link TaskFilter} and `reason` (see {@link CancelAllOptions}). A plain object is
   * always read as options, and an unknown key in it is an error, so that a misspelt filter never cancels every
   * task: give a plain-object reason as `{ reason }`.
   *
   * @param options - `{ runId?, threadId?, name?, scope?, reason? }` (see {@link CancelAllOptions}).
   * @returns how many tasks it cancelled, once each has settled or been detached.
   * @throws (as a rejection) {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * await manager.cancelAll({ runId: config.runId, reason: 'run aborted' });
   * ```
   */
  cancelAll(options: CancelAllOptions): Promise<number>;
  /**
   * Cancels every task in flight, with `reason` as the shared `TaskCancelledError`'s `cause` (see the other form).
   *
   * @param reason - why: anything but a plain object (see {@link CancelReason}).
   * @returns how many tasks it cancelled, once each has settled or been detached.
   * @example
   * ```ts
   * const cancelled = await manager.cancelAll('user logged out');
   * ```
   */
  cancelAll(reason?: CancelReason): Promise<number>;
  async cancelAll(reasonOrOptions?: unknown): Promise<number> {
    // a plain object is options; anything else (a string, an Error...) is the reason
    if (!isObjectLiteral(reasonOrOptions)) return this.#cancelEvery(new TaskCancelledError(undefined, reasonOrOptions));
    checkObjectLiteral('options', reasonOrOptions);
    const settings = readOptions('options', reasonOrOptions as CancelAllOptions, [...TASK_FILTER_KEYS, 'reason']);
    const selection = this.#select(this.#readFilter('options', reasonOrOptions, settings), false);
    const error = new TaskCancelledError(undefined, settings.reason);
    if (selection.group === undefined) return this.#cancelEvery(error);
    return cancelIn(selection, error);
  }

  /**
   * Waits until no task is in flight, or none of those a filter selects, including tasks created while waiting.
   *
   * With a filter (`runId`, `threadId`, `name`, `scope`: see {@link TaskFilter}) it waits for those tasks only,
   * and costs in proportion to them: waiting for one run among a thousand is not slowed by the others.
   *
   * By default it rejects as soon as a task fails during the wait, with that task's own error (the other
   * tasks go on). With `returnExceptions: true` it resolves when idle with every such error in `errors`.
   * With `timeoutMs` it resolves `{ status: 'timeout', remaining }` when time runs out, and logs a warning;
   * it never cancels anything.
   *
   * @param options - a {@link TaskFilter}, `timeoutMs` and `returnExceptions`.
   * @returns the {@link WaitResult}.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   * @example
   * ```ts
   * const { status, remaining } = await manager.waitForAll({ timeoutMs: 60_000, returnExceptions: true });
   * if (status === 'timeout') console.warn('still running:', remaining.map((task) => task.name));
   * await manager.waitForAll({ runId: config.runId }); // this run's tasks only
   * ```
   */
  waitForAll(options: WaitForAllOptions = {}): Promise<WaitResult> {
    checkObjectLiteral('options', options);
    const settings = readOptions('options', options, [...TASK_FILTER_KEYS, 'timeoutMs', 'returnExceptions']);
    const filter = this.#readFilter('options', options, settings);
    return this.#wait(filter, settings);
  }

  /** Waits until no task `filter` selects is in flight (see {@link waitForAll}); `options` not yet checked. */
  #wait(filter: ResolvedFilter, options: WaitOptions): Promise<WaitResult> {
    checkTimeout('timeoutMs', options.timeoutMs);
    checkBoolean('returnExceptions', options.returnExceptions);
    const returnExceptions = options.returnExceptions ?? false;
    const timeoutMs = options.timeoutMs;
    const selection = this.#select(filter, true);
    const group = selection.group;
    // A filter on two fields or more is counted once, then kept up to date as tasks join and settle: re-counting the
    // group at each settlement would make the wait quadratic.
    let matching = group === undefined || group === null || selection.exact ? 0 : countInFlight(group, selection);
    const inFlight = (): number =>
      group === undefined || group === null ? this.#inFlight.size : selection.exact ? group.inFlight : matching;
    return new Promise<WaitResult>((resolve, reject) => {
      const errors: unknown[] = [];
      const stop = watchUntil({
        watchers: group === undefined || group === null ? this.#watchers : group.watchers,
        condition: () => inFlight() === 0,
        timeoutMs,
        taskAdded: (run) => {
          if (!selection.exact && selection.matches(run)) matching++;
        },
        taskSettled: (run) => {
          if (group !== undefined && group !== null && !selection.exact && selection.matches(run)) matching--;
          const outcome = run.outcome;
          if (outcome?.status !== 'failed' || !selection.matches(run)) return;
          if (returnExceptions) {
            errors.push(outcome.error);
            return;
          }
          stop();
          selection.release();
          reject(outcome.error);
        },
        end: (idle) => {
          selection.release();
          if (idle) {
            resolve({ status: 'idle', errors, remaining: [] });
            return;
          }
          // The list is made to be printed: names and contexts redacted (the books are settled; this reads user values).
          const remaining = this.#redacted(this.#infos(selection).filter((info) => !isFinalStatus(info.status)));
          resolve({ status: 'timeout', errors, remaining });
          this.#log.waitTimedOut(timeoutMs as number, remaining.length);
        },
      });
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
    const settings = readOptions('options', options, ['timeoutMs', 'drainMs']);
    checkDelay('timeoutMs', settings.timeoutMs);
    checkDelay('drainMs', settings.drainMs);
    if (this.#shutdown !== undefined) {
      return this.#state === 'shutdown' ? Promise.resolve(alreadyShutdown()) : this.#shutdown;
    }
    // The promise is in place before the shutdown's first step runs: a subscriber of state$ or events$ that calls
    // shutdown() again from inside it shares this one.
    let settle!: (stats: ShutdownStats) => void;
    let fail!: (error: unknown) => void;
    this.#shutdown = new NativePromise<ShutdownStats>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // Followed through the intrinsic then(): resolving with the promise itself would call whatever
    // `Promise.prototype.then` says at that moment.
    followPromise(this.#runShutdown(settings.timeoutMs ?? this.#defaultShutdownTimeoutMs, settings.drainMs ?? 0), settle, fail);
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
    const before = this.#tally.mark();
    let earlierCancelled = 0;
    let earlierTimedOut = 0;
    for (const run of this.#detached.values()) {
      if (run.status === 'timed_out') earlierTimedOut++;
      else earlierCancelled++;
    }
    const initialTasks = this.#inFlight.size + this.#detached.size;

    if (drainMs > 0) await waitUntil(this.#watchers, () => this.#inFlight.size === 0, drainMs);
    this.#cancelEvery(new TaskCancelledError(undefined, 'shutdown'));
    const allStopped = await waitUntil(
      this.#watchers,
      () => this.#inFlight.size === 0 && this.#detached.size === 0,
      timeoutMs,
    );

    const stillRunning = this.getTaskInfo();
    this.#setState('shutdown');
    // The statistics are printed and sent over HTTP: names and contexts redacted, once the state is settled.
    const remaining = this.#redacted(stillRunning);
    const during = this.#tally.since(before);
    const stats: ShutdownStats = {
      status: allStopped ? 'completed' : 'timeout',
      initialTasks,
      completedTasks: initialTasks - remaining.length,
      remainingTasks: remaining.length,
      durationMs: Math.round(performance.now() - startedAt),
      succeeded: during.completed,
      failed: during.failed,
      cancelled: during.cancelled + earlierCancelled,
      timedOut: during.timedOut + earlierTimedOut,
      remaining,
    };
    this.#log.shutDown(stats);
    return stats;
  }

  #launch(run: AnyTaskRun): void {
    if (this.#launchWrappers === undefined) run.launch();
    else this.#launchWrapped(run, this.#launchWrappers);
  }

  /**
   * Launches `run` through the instrumentations' wrappers, outermost first. Total: a wrapper that throws or never
   * calls `launch` is counted, and the task is launched all the same, once. Each wrapper's `launch` works once, and
   * only while the wrapper runs: a second call, or one after it returned, does nothing (an inner wrapper never runs
   * twice, nor late).
   */
  #launchWrapped(run: AnyTaskRun, wrappers: readonly TaskLaunchWrapper[]): void {
    let launched = false;
    const through = (index: number): void => {
      const wrapper = wrappers[index];
      if (wrapper === undefined) {
        if (!launched) {
          launched = true;
          run.launch();
        }
        return;
      }
      let open = true;
      const inner = (): void => {
        if (!open) return;
        open = false;
        through(index + 1);
      };
      try {
        wrapper(run, inner);
      } catch (error) {
        this.#host.callbackFailed(error, 'a task launch wrapper');
      } finally {
        open = false;
      }
    };
    through(0);
    if (!launched) {
      launched = true;
      run.launch();
    }
  }

  static {
    instrumentationAccess.addLaunchWrapper = (target, wrapper) => {
      const manager = target as BackgroundTaskManager;
      // an entry of its own, so that removing one of two additions of the same function removes that one only
      const entry: TaskLaunchWrapper = (task, launch) => wrapper(task, launch);
      manager.#launchWrappers = withItem(manager.#launchWrappers, entry);
      return () => {
        manager.#launchWrappers = withoutItem(manager.#launchWrappers, entry);
      };
    };
    instrumentationAccess.addLogFields = (target, fields) => {
      const manager = target as BackgroundTaskManager;
      const entry: TaskLogFields = (task) => fields(task);
      manager.#logFields = withItem(manager.#logFields, entry);
      return () => {
        manager.#logFields = withoutItem(manager.#logFields, entry);
      };
    };
  }

  /** Cancels every task in flight now (not those created meanwhile, by a subscriber) with one shared error. */
  #cancelEvery(error: TaskCancelledError): number {
    let cancelled = 0;
    for (const run of [...this.#inFlight.values()]) if (run.cancelWith(error)) cancelled++;
    return cancelled;
  }

  /** The manager's side of each task, kept off the public surface. */
  readonly #host: TaskRunHost & { scheduler: SchedulerLike | undefined } = {
    taskStarted: (run) => {
      const seq = ++this.#seq;
      if (this.#events.observed || run.hasListeners || (this.#scopeStreams.count > 0 && run.groups !== undefined && anyObserved(run.groups))) this.#publish(run, startedEvent(run, seq));
      this.#tasksChanged();
      if (taskChannels.started.hasSubscribers) publishTask('started', this, run);
    },
    taskSettled: (run) => this.#settled(run),
    detachedWorkStopped: (run, result) => this.#detachedWorkStopped(run, result),
    callbackFailed: (error, what) => {
      this.#callbackFailures++;
      this.#log.callbackFailed(error, what);
    },
    finalEvent: (run) => finalEvent(run, run.finalSeq),
    scheduler: undefined as SchedulerLike | undefined,
  };

  /**
   * A task reached its final status (its `done` is already resolved). The books first: the tally, the
   * detached-work list, the streams, the waiters; only then the log line, which reads user values.
   */
  #settled(run: AnyTaskRun): void {
    this.#inFlight.delete(run.id);
    if (run.callerSignal !== undefined) callerSignalLinks.unlink(run.callerSignal, run);
    this.#tally.recordSettled(run.status as FinalTaskStatus);
    if (run.workRunning) this.#detached.add(run);
    const groups = run.groups;
    if (groups !== undefined) this.#index.settled(run, groups);
    run.finalSeq = ++this.#seq;
    // Counts first: a subscriber that subscribes to counts$ from an events$ callback must not get one value twice.
    // The counts and the final event go out as one group: what a subscriber of the first does cannot overtake the second.
    if (this.#counts.observed || this.#events.observed || run.hasListeners || (this.#scopeStreams.count > 0 && groups !== undefined && anyObserved(groups))) {
      const held = this.#emissions.hold();
      try {
        this.#countsChanged(groups);
        this.#publish(run, finalEvent(run, run.finalSeq));
      } finally {
        this.#emissions.release(held);
      }
    }
    this.#tasksChanged();
    if (this.#watchers.size > 0) for (const watcher of this.#watchers) watcher.taskSettled(run);
    // (checked first: most settled tasks have no group watcher, and then no closure is made for them)
    if (groups !== undefined && anyWatched(groups)) notifyGroupWatchers(groups, (watcher) => watcher.taskSettled(run));
    if (taskChannels.settled.hasSubscribers && run.outcome !== undefined) publishSettled(this, run, run.outcome);
    this.#log.settled(run);
  }

  #detachedWorkStopped(run: AnyTaskRun, result: WorkResult | undefined): void {
    if (!this.#detached.delete(run)) return;
    const groups = run.groups;
    if (groups !== undefined) this.#index.workStopped(run, groups);
    this.#tasksChanged();
    if (this.#watchers.size > 0) for (const watcher of this.#watchers) watcher.workStopped();
    if (groups !== undefined) notifyGroupWatchers(groups, (watcher) => watcher.workStopped());
    if (taskChannels.workStopped.hasSubscribers) publishTask('workStopped', this, run);
    this.#log.detachedWorkStopped(run, result);
  }

  /** Refuses a task: a handle that is `'dropped'` from the start, its work never called (or, for a promise, never watched). */
  #refuse(
    work: TaskWork<unknown>,
    kind: WorkKind,
    name: string,
    context: TaskContext,
    reason: DropReason,
    tags: TaskTags,
    scopeGroups: readonly TaskGroup<AnyTaskRun>[] | undefined,
  ): AnyTaskRun {
    const run = TaskRun.dropped(this.#host, this.#nextId++, work, kind, name, context, new TaskDroppedError(name, reason));
    run.tags = tags;
    // A refused task is in no group (it was never tracked); its scopes count it and tell their subscribers.
    this.#tally.recordDropped();
    this.#index.dropped(scopeGroups);
    run.finalSeq = ++this.#seq;
    const held = this.#emissions.hold();
    try {
      this.#countsChanged(scopeGroups);
      const observed = this.#events.observed || (this.#scopeStreams.count > 0 && scopeGroups !== undefined && anyObserved(scopeGroups));
      if (observed) this.#publishTo(scopeGroups, finalEvent(run, run.finalSeq));
    } finally {
      this.#emissions.release(held);
    }
    if (taskChannels.settled.hasSubscribers && run.outcome !== undefined) publishSettled(this, run, run.outcome);
    const why = reason === 'overflow' ? (this.#overflow === 'reject' ? 'rejected' : 'overflow') : reason;
    this.#log.dropped(name, why, this.#inFlight.size);
    return run;
  }

  /** Makes room under `'drop-oldest'`: the oldest task in flight is cancelled with a `TaskDroppedError`. */
  #shedOldest(newcomer: AnyTaskRun): void {
    const oldest = this.#inFlight.values().next().value;
    if (oldest === undefined || oldest === newcomer) return;
    this.#tally.recordDropped();
    if (oldest.groups !== undefined) this.#index.dropped(oldest.groups);
    oldest.shed();
    this.#log.dropped(oldest.name, 'overflow', this.#inFlight.size);
  }

  #publish(run: AnyTaskRun, event: TaskEvent): void {
    this.#publishTo(run.groups, event);
    if (run.hasListeners) this.#emissions.emit(run, event);
  }

  /** Emits `event` on `events$` and on the `events$` of the scopes among `groups`, where someone listens. */
  #publishTo(groups: readonly TaskGroup<AnyTaskRun>[] | undefined, event: TaskEvent): void {
    if (this.#events.observed) this.#events.next(event);
    if (groups === undefined) return;
    for (const group of groups) {
      const events = group.scope?.events;
      if (events?.observed === true) events.next(event);
    }
  }

  /** Emits the new totals on `counts$` and on the `counts$` of the scopes among `groups`, where someone listens. */
  #countsChanged(groups?: readonly TaskGroup<AnyTaskRun>[]): void {
    if (this.#counts.observed) this.#counts.next(this.#countsSnapshot());
    if (groups === undefined || this.#scopeStreams.count === 0) return;
    for (const group of groups) {
      const parts = group.scope;
      if (parts?.counts.observed === true) parts.counts.next(parts.tally.snapshot(group.inFlight));
    }
  }

  #countsSnapshot(): TaskCounts {
    return this.#tally.snapshot(this.#inFlight.size);
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

  /** The manager's clock for ages: its scheduler's, or the monotonic one. */
  #now(): number {
    if (this.#scheduler === undefined) return performance.now();
    try {
      const now = this.#scheduler.now();
      if (Number.isFinite(now)) return now;
    } catch {
      // counted where the tasks read it (TaskRun); here only the ages of a listing are at stake
    }
    return performance.now();
  }

  /** The infos of the tasks `selection` selects: in flight first, then detached work, oldest first in each. */
  #infos(selection: Selection): TaskInfo[] {
    const now = this.#now();
    const infos: TaskInfo[] = [];
    const group = selection.group;
    if (group === null) return infos;
    if (group === undefined) {
      for (const run of this.#inFlight.values()) infos.push(run.info(now));
      // detached work oldest first, as the tasks in flight (the list holds it in the order it was detached)
      if (this.#detached.size > 0) infos.push(...Array.from(this.#detached.values(), (run) => run.info(now)).sort(byId));
      return infos;
    }
    for (const run of group.tracked) if (run.outcome === undefined && selection.matches(run)) infos.push(run.info(now));
    const detached: TaskInfo[] = [];
    for (const run of group.tracked) if (run.outcome !== undefined && selection.matches(run)) detached.push(run.info(now));
    infos.push(...detached.sort(byId));
    return infos;
  }

  #select(filter: ResolvedFilter, forWait: boolean): Selection {
    return this.#index.select(filter, forWait, () => this.#tracked());
  }

  *#tracked(): Generator<AnyTaskRun> {
    yield* this.#inFlight.values();
    yield* this.#detached.values();
  }

  /**
   * A filter's fields, checked: strings, and a scope of this manager. A field given as `undefined` is refused, not
   * left out: `cancelAll({ runId: config.runId })` with no run id must not become "cancel every task".
   */
  #readFilter(argument: string, given: object, settings: Partial<TaskFilter>): ResolvedFilter {
    for (const key of TASK_FILTER_KEYS) {
      if (settings[key] !== undefined) continue;
      let present = false;
      try {
        present = Object.hasOwn(given, key);
      } catch {
        present = false;
      }
      if (present) {
        throw new InvalidArgumentError(
          key,
          'a value',
          undefined,
          `Expected \`${key}\` (in ${argument}) to be ${key === 'scope' ? 'a TaskScope' : 'a string'}, got undefined: leave the key out to match every task`,
        );
      }
    }
    const { runId, threadId, name, scope } = settings;
    if (runId === undefined && threadId === undefined && name === undefined && scope === undefined) return EMPTY_FILTER;
    checkString('runId', runId);
    checkString('threadId', threadId);
    checkString('name', name);
    let core: ScopeCore | undefined;
    if (scope !== undefined) {
      core = scopeCoreOf(scope);
      if (core === undefined) throw new InvalidArgumentError('scope', 'a TaskScope (from manager.scope())', scope);
      if (core.owner !== this) {
        throw new InvalidArgumentError(
          'scope',
          'a TaskScope of this manager',
          scope,
          `Expected \`scope\` (in ${argument}) to be a TaskScope of this manager, got the scope '${core.name}' of another manager`,
        );
      }
    }
    return { runId, threadId, name, scope: core };
  }

  #makeScope(options: TaskScopeOptions, parent: ScopeCore | undefined): TaskScope {
    checkPlainObject('options', options);
    if (options === undefined) throw new InvalidArgumentError('options', 'an object with at least a name', options);
    const settings = readOptions('options', options, SCOPE_OPTION_KEYS);
    if (typeof settings.name !== 'string') throw new InvalidArgumentError('name', 'a string (every scope has a name)', settings.name);
    checkPlainObject('context', settings.context);
    checkAbortSignal('signal', settings.signal);
    checkTimeout('timeoutMs', settings.timeoutMs);
    checkString('runId', settings.runId);
    checkString('threadId', settings.threadId);
    if (parent !== undefined && parent.groups.length >= MAX_SCOPE_DEPTH) {
      throw new InvalidArgumentError(
        'options',
        `a scope at most ${MAX_SCOPE_DEPTH} levels deep`,
        options,
        `Scopes nest at most ${MAX_SCOPE_DEPTH} levels deep (each task of a scope counts in every level above it); ` +
          `'${parent.name}' is at that depth already`,
      );
    }
    // The run and thread: given, or those of the parent scope, or of the code the scope is made in.
    const inherited = parent?.tags ?? (ambientFrames.getStore()?.tags ?? NO_TASK_TAGS);
    const runId = settings.runId ?? inherited.runId;
    const threadId = settings.threadId ?? inherited.threadId;
    const tags: TaskTags = runId === undefined && threadId === undefined ? NO_TASK_TAGS : Object.freeze({ runId, threadId, nodeName: undefined });
    let context = parent?.context;
    if (settings.context !== undefined) context = context === undefined ? copyContext(settings.context) : withScopeContext(context, settings.context);
    const core = new ScopeCore({
      owner: this,
      name: settings.name,
      parent,
      tags,
      context,
      timeoutMs: settings.timeoutMs ?? parent?.timeoutMs,
      signal: settings.signal,
      events: new StreamSource<TaskEvent>(this.#emissions, this.#scopeStreams),
      counts: new StreamSource<TaskCounts>(this.#emissions, this.#scopeStreams),
      cancel: (reason) => {
        for (const run of inFlightOf(core.group)) run.cancelFromCaller(reason);
      },
    });
    const onSubscriberError = (error: unknown): void => this.#host.callbackFailed(error, 'A subscriber of a task scope’s streams');
    const parts = core.group.scope as NonNullable<TaskGroup<AnyTaskRun>['scope']>;
    return new TaskScope(
      this.#scopeHost,
      core,
      parts.events.asObservable(onSubscriberError),
      parts.counts.asObservable(onSubscriberError, () => parts.tally.snapshot(core.group.inFlight)),
    );
  }

  /** The manager's side of its scopes, kept off the public surface. */
  readonly #scopeHost: TaskScopeHost = {
    createTask: (scope, work, options) => this.#create(work, options, scope),
    task$: (scope, work, options) => task$(() => this.#create(work, options, scope), this.#onTaskSubscriberError),
    count: (scope) => scope.group.inFlight,
    info: (scope, redacted) => {
      const infos = this.#infos(scopeSelection(scope));
      return redacted ? this.#redacted(infos) : infos;
    },
    cancel: (scope, reason) => cancelIn(scopeSelection(scope), new TaskCancelledError(undefined, reason)),
    wait: (scope, options) => {
      checkPlainObject('options', options);
      return this.#wait({ ...EMPTY_FILTER, scope }, readOptions('options', options, ['timeoutMs', 'returnExceptions']));
    },
    child: (scope, options) => this.#makeScope(options, scope),
    close: (scope, options) => this.#closeScope(scope, options),
  };

  #closeScope(scope: ScopeCore, options: TaskScopeCloseOptions): Promise<TaskScopeCloseResult> {
    checkPlainObject('options', options);
    const settings = readOptions('options', options, ['drainMs', 'timeoutMs']);
    checkDelay('drainMs', settings.drainMs);
    checkDelay('timeoutMs', settings.timeoutMs);
    if (scope.closing !== undefined) return scope.closing as Promise<TaskScopeCloseResult>;
    scope.markClosed();
    const group = scope.group;
    const drainMs = settings.drainMs ?? 0;
    const timeoutMs = settings.timeoutMs ?? this.#defaultShutdownTimeoutMs;
    const closing = (async (): Promise<TaskScopeCloseResult> => {
      if (drainMs > 0) await waitUntil(group.watchers, () => group.inFlight === 0, drainMs);
      const cancelled = cancelIn(scopeSelection(scope), new TaskCancelledError(undefined, 'scope_closed'));
      const stopped = await waitUntil(group.watchers, () => group.tracked.size === 0, timeoutMs);
      // The list is made to be printed: names and contexts redacted, once the books are settled.
      const remaining = stopped ? [] : this.#redacted(this.#infos(scopeSelection(scope)));
      return { status: stopped ? 'completed' : 'timeout', cancelled, remaining };
    })();
    scope.closing = closing;
    return closing;
  }
}

/** Oldest first: ids grow with creation. */
function byId(a: TaskInfo, b: TaskInfo): number {
  return a.id - b.id;
}

/** A copy of a context's own enumerable fields, read once; an object that cannot be read is refused by name. */
function copyContext(context: TaskContext): TaskContext {
  try {
    return Object.freeze({ ...context });
  } catch {
    throw new InvalidArgumentError('context', 'an object whose properties can be read', context);
  }
}

/** A task's context over its scope's (its own keys win). */
function withScopeContext(scopeContext: TaskContext, own: TaskContext): TaskContext {
  try {
    return { ...scopeContext, ...own };
  } catch {
    throw new InvalidArgumentError('context', 'an object whose properties can be read', own);
  }
}

/** Whether someone listens to the streams of a scope among `groups`. */
function anyObserved(groups: readonly TaskGroup<AnyTaskRun>[]): boolean {
  // indexed loops on the per-task paths: an iterator per task and group was a fifth of what tagging allocated
  for (let index = 0; index < groups.length; index++) if ((groups[index] as TaskGroup<AnyTaskRun>).observed) return true;
  return false;
}

/** Whether any group among `groups` has a watcher (a filtered wait, a scope's close). */
function anyWatched(groups: readonly TaskGroup<AnyTaskRun>[]): boolean {
  for (let index = 0; index < groups.length; index++) if ((groups[index] as TaskGroup<AnyTaskRun>).watchers.size > 0) return true;
  return false;
}

/** Tells the watchers of each group among `groups` (most have none: no Set iterator is made for those). */
function notifyGroupWatchers(groups: readonly TaskGroup<AnyTaskRun>[], notify: (watcher: GroupWatcher<AnyTaskRun>) => void): void {
  for (let index = 0; index < groups.length; index++) {
    const watchers = (groups[index] as TaskGroup<AnyTaskRun>).watchers;
    if (watchers.size > 0) for (const watcher of watchers) notify(watcher);
  }
}

/** The selection of a scope's own tasks (and its children's). */
function scopeSelection(scope: ScopeCore): Selection {
  return { group: scope.group, matches: () => true, exact: true, release: () => undefined };
}

/** The tasks in flight of `group`, as a list (cancelling one changes the group). */
function inFlightOf(group: TaskGroup<AnyTaskRun>): AnyTaskRun[] {
  const runs: AnyTaskRun[] = [];
  for (const run of group.tracked) if (run.outcome === undefined) runs.push(run);
  return runs;
}

/** Cancels the selected tasks in flight with one shared error; returns how many it cancelled. */
function cancelIn(selection: Selection, error: TaskCancelledError): number {
  const group = selection.group;
  if (group === null || group === undefined) return 0;
  let cancelled = 0;
  for (const run of inFlightOf(group)) if (selection.matches(run) && run.cancelWith(error)) cancelled++;
  return cancelled;
}

/** How many tasks of `group` that `selection` selects are in flight. */
function countInFlight(group: TaskGroup<AnyTaskRun>, selection: Selection): number {
  if (selection.exact) return group.inFlight;
  let count = 0;
  for (const run of group.tracked) if (run.outcome === undefined && selection.matches(run)) count++;
  return count;
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
