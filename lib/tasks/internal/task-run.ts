import { Subject, isObservable, observable, type Observable, type SchedulerLike, type Subscribable, type Subscription } from 'rxjs';
import { TaskCancelledError } from '../../errors/task-cancelled-error';
import { TaskDroppedError } from '../../errors/task-dropped-error';
import { TaskTimeoutError } from '../../errors/task-timeout-error';
import type { CallerCancellable } from '../../util/caller-signal-links';
import { GuardedObservable } from '../../util/guarded-observable';
import { isPromiseLike } from '../../util/is-promise-like';
import { ignoreOutcome } from '../../util/noop';
import { NativePromise, followPromise, isInstanceOf, isolatedResolvedPromise, promiseThen } from '../../util/promises';
import { withoutStack } from '../../util/without-stack';
import type { TaskContext } from '../task-context';
import type { TaskEvent } from '../task-event';
import type { TaskHandle } from '../task-handle';
import type { TaskInfo } from '../task-info';
import type { TaskOutcome } from '../task-outcome';
import { isFinalStatus, type TaskStatus } from '../task-status';
import type { TaskWork, TaskWorkFunction } from '../task-work';
import { NO_TASK_TAGS, type TaskTags } from '../task-tags';
import type { DetachedLink } from './detached-work';
import type { TaskGroup } from './task-group';
import { outcomeError, valueOf$ } from './task-observable';

/** The three forms of work `createTask` accepts, as `checkWork()` classified them once. */
export type WorkKind = 'function' | 'observable' | 'promise';

/** How a piece of work settled. */
export type WorkResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * What a {@link TaskRun} tells the manager that keeps its books. None of these may throw: the manager guards
 * its subscribers and its logger itself.
 */
export interface TaskRunHost {
  /** The task's work is about to be called (a subscriber of the `started` event may still cancel it). */
  taskStarted(run: AnyTaskRun): void;
  /** The task reached a final status; `run.workRunning` tells whether its work outlives it (detached work). */
  taskSettled(run: AnyTaskRun): void;
  /** Work that outlived its task (detached work) has stopped. */
  detachedWorkStopped(run: AnyTaskRun, result: WorkResult | undefined): void;
  /** A user callback the task called threw: a subscriber of `handle.events$`, an Observable work's teardown. */
  callbackFailed(error: unknown, what: string): void;
  /** Builds the final event of a task that already settled (for late subscribers of `handle.events$`). */
  finalEvent(run: AnyTaskRun): TaskEvent;
  /** The scheduler that starts tasks, times them out and gives their clock; `undefined`: microtasks, timers and `performance.now()`. */
  readonly scheduler: SchedulerLike | undefined;
}

/**
 * One task: its state machine, from creation to its final status, and the work it runs.
 *
 * Every change of a task's status happens in this class; the manager only keeps the books, through
 * {@link TaskRunHost}. The order when a task settles is fixed: its status and outcome, then `done`, then the
 * manager's books (counts, events, waiters, log lines, in that order), then the abort of its signal, then an
 * Observable work's teardown. Nothing that reads or formats user values runs before the books are settled.
 *
 * **Async context.** {@link launch} is called inside `createTask`; it starts the work one microtask later with
 * a promise reaction created there, and a reaction runs *in the async context it was created in*, so
 * `AsyncLocalStorage` values, OpenTelemetry spans and the graph's run context reach each task's own work even
 * when many tasks are created in one tick from different contexts. (One microtask for a whole batch would run
 * every task of the batch in the first caller's context.)
 *
 * **The work.** A function is called with the task's signal when it declares a parameter (`work.length > 0`),
 * and with nothing otherwise, in which case no `AbortController` is created unless someone reads
 * `handle.signal` (it is lazy). An Observable (given, or returned by the function) is subscribed and, on
 * cancellation or timeout, unsubscribed, which really stops it; anything else is awaited, and if the task
 * settles first it runs on as *detached work*, reported when it stops.
 *
 * A promise is followed with one `then()`, not wrapped in an Observable per task (an Observable, a subscription
 * and its teardown per task measured 2.2x the "Set-tracked bare promise" floor for `createTask(async () => …)`,
 * against a 2x budget), nor awaited in an async method (its suspended frame, held by every task in flight, cost
 * more than the whole task).
 *
 * Durations and ages come from the monotonic clock (`performance.now()`); `createdAt` is wall-clock time, for
 * display.
 */
export class TaskRun<T> implements TaskHandle<T>, CallerCancellable {
  readonly id: number;
  readonly name: string;
  readonly context: TaskContext;
  /** Wall-clock time of creation (milliseconds since the epoch), for display. */
  readonly createdAt: number;
  readonly timeoutMs: number | undefined;
  /** The `seq` of the task's final event, set by the manager when it settles. */
  finalSeq = 0;
  /** Its place on the manager's list of detached work, while it is there (see `DetachedWork`). */
  detachedLink: DetachedLink<AnyTaskRun> | undefined = undefined;
  /** Its run, thread and node (set by the manager when it is created in a run). */
  tags: TaskTags = NO_TASK_TAGS;
  /** The index groups and scopes it belongs to (set by the manager); `undefined` for none. */
  groups: readonly TaskGroup<AnyTaskRun>[] | undefined = undefined;
  /** Its links in the lists of its groups (see `GroupMembers`). */
  firstPrevious: AnyTaskRun | undefined = undefined;
  firstNext: AnyTaskRun | undefined = undefined;
  moreLinks: (AnyTaskRun | undefined)[] | undefined = undefined;

  readonly #host: TaskRunHost;
  /** Monotonic time of creation (`performance.now()`), for durations and ages. */
  readonly #createdAtMs: number;
  readonly #kind: WorkKind;
  /** The work until it is taken to be run (or, for a promise, watched). */
  #work: TaskWork<T> | undefined;
  #status: TaskStatus = 'pending';
  #workRunning = false;
  #outcome: TaskOutcome<T> | undefined;
  #timer: NodeJS.Timeout | Subscription | undefined;
  /** What only some tasks need, made on first need (see {@link TaskRunExtras}). */
  #extras: TaskRunExtras<T> | undefined;

  constructor(
    host: TaskRunHost,
    id: number,
    work: TaskWork<T> | undefined,
    kind: WorkKind,
    name: string,
    timeoutMs: number | undefined,
    context: TaskContext,
    callerSignal: AbortSignal | undefined,
  ) {
    this.#host = host;
    this.id = id;
    this.#work = work;
    this.#kind = kind;
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.context = context;
    if (callerSignal !== undefined) this.#more().callerSignal = callerSignal;
    this.createdAt = Date.now();
    const scheduler = host.scheduler;
    this.#createdAtMs = scheduler === undefined ? performance.now() : schedulerNow(host);
    // The timeout runs from creation, as this task's own timer, cleared when it settles. A `timeout`-style
    // operator piped onto the work costs one more Observable, subscription and teardown per task: measured
    // 1.45x the AbortController + setTimeout floor against 1.21x for this (bench 2).
    // (With a scheduler, the timeout is scheduled at launch, once the task is in the books: a scheduler may run it at once.)
    if (timeoutMs !== undefined && scheduler === undefined) this.#timer = setTimeout(timeOut, timeoutMs, this);
  }

  /**
   * A task refused before it started: final at once, its work never called. An already-started promise
   * cannot be refused, only ignored: its rejection is swallowed so that it never becomes an unhandled one.
   */
  static dropped(
    host: TaskRunHost,
    id: number,
    work: TaskWork<unknown>,
    kind: WorkKind,
    name: string,
    context: TaskContext,
    error: TaskDroppedError,
  ): AnyTaskRun {
    if (kind === 'promise') ignoreOutcome(work as PromiseLike<unknown>);
    const run = new TaskRun<unknown>(host, id, undefined, kind, name, undefined, context, undefined);
    run.#status = 'dropped';
    run.#outcome = { status: 'dropped', reason: error, durationMs: 0 };
    return run;
  }

  get status(): TaskStatus {
    return this.#status;
  }

  get runId(): string | undefined {
    return this.tags.runId;
  }

  get threadId(): string | undefined {
    return this.tags.threadId;
  }

  get nodeName(): string | undefined {
    return this.tags.nodeName;
  }


  /** Whether the work is running; after a final status, this means detached work. */
  get workRunning(): boolean {
    return this.#workRunning;
  }

  /** The outcome, once the task is final. */
  get outcome(): TaskOutcome<T> | undefined {
    return this.#outcome;
  }

  /** The caller's signal, if the task was created with one. */
  get callerSignal(): AbortSignal | undefined {
    return this.#extras?.callerSignal;
  }

  get signal(): AbortSignal {
    const extras = this.#more();
    if (extras.controller === undefined) {
      extras.controller = new AbortController();
      const reason = abortReasonOf(this.#outcome);
      if (reason !== NOT_ABORTED) extras.controller.abort(reason);
    }
    return extras.controller.signal;
  }

  get done(): Promise<TaskOutcome<T>> {
    const extras = this.#more();
    if (extras.done === undefined) {
      const outcome = this.#outcome;
      extras.done =
        outcome !== undefined
          ? Promise.resolve(outcome)
          : new Promise((resolve) => {
              extras.resolveDone = resolve;
            });
    }
    return extras.done;
  }

  get events$(): Observable<TaskEvent> {
    return new GuardedObservable<TaskEvent>(
      (subscriber) => {
        if (this.#outcome !== undefined) {
          subscriber.next(this.#host.finalEvent(this));
          subscriber.complete();
          return undefined;
        }
        const extras = this.#more();
        extras.listeners ??= new Subject();
        return extras.listeners.subscribe(subscriber);
      },
      (error) => this.#host.callbackFailed(error, 'A subscriber of a task handle’s events$'),
    );
  }

  /** Whether someone follows this task through `handle.events$`. */
  get hasListeners(): boolean {
    return this.#extras?.listeners?.observed ?? false;
  }

  /** Delivers one of this task's events to `handle.events$`; the final one completes it. */
  deliver(event: TaskEvent): void {
    const listeners = this.#extras?.listeners;
    if (listeners === undefined) return;
    listeners.next(event);
    if (event.type !== 'created' && event.type !== 'started') {
      listeners.complete();
      (this.#extras as TaskRunExtras<T>).listeners = undefined;
    }
  }

  /**
   * Starts the task: its work runs one microtask from now, in the async context of this call (see the class
   * description). Called once, by `createTask`, after the task is in the books.
   */
  launch(): void {
    if (this.#host.scheduler !== undefined) {
      this.#schedule(startAction, 0);
      if (this.timeoutMs !== undefined && this.#outcome === undefined) this.#timer = this.#schedule(timeOutAction, this.timeoutMs);
      return;
    }
    try {
      promiseThen.call(RESOLVED, startNextLaunched);
    } catch {
      // Cannot happen with RESOLVED (see isolatedResolvedPromise); if it did, the task must still start, and in
      // its turn: queueMicrotask keeps the async context and shares the promise jobs' queue.
      queueMicrotask(startNextLaunched);
    }
    // Queued after its reaction: code that then() might run (none, with RESOLVED) and that launches tasks of its
    // own would have queued theirs first, reactions and tasks alike.
    launchQueue.push(this);
  }

  /** Starts the oldest launched task: the reaction of each {@link launch} call, run in launch order. */
  static startNext(run: AnyTaskRun): void {
    run.#start();
  }

  cancel(reason?: unknown): boolean {
    if (this.#outcome !== undefined) return false;
    return this.#settle({ status: 'cancelled', reason: new TaskCancelledError(this.name, reason), durationMs: this.#age() });
  }

  /**
   * Cancels the task with an error shared by every task one `cancelAll()` or `shutdown()` cancels (see
   * `TaskCancelledError`).
   *
   * @returns whether this call cancelled it.
   */
  cancelWith(error: TaskCancelledError): boolean {
    if (this.#outcome !== undefined) return false;
    return this.#settle({ status: 'cancelled', reason: error, durationMs: this.#age() });
  }

  /** Cancels the task with the caller's signal's reason, as its own signal's reason. */
  cancelFromCaller(reason: unknown): void {
    this.#settle({ status: 'cancelled', reason, durationMs: this.#age() });
  }

  /** Cancels the task to make room for a newer one (the `'drop-oldest'` policy). */
  shed(): void {
    const error = withoutStack(() => new TaskDroppedError(this.name, 'overflow'));
    this.#settle({ status: 'cancelled', reason: error, durationMs: this.#age() });
  }

  /** Settles the task as `'timed_out'`: its `timeoutMs` has elapsed. */
  timeOut(): void {
    const reason = withoutStack(() => new TaskTimeoutError(this.name, this.timeoutMs as number));
    this.#settle({ status: 'timed_out', reason, durationMs: this.#age() });
  }

  result(): Promise<T> {
    return this.done.then((outcome) => {
      if (outcome.status === 'completed') return outcome.value;
      throw outcomeError(this.name, outcome);
    });
  }

  /** A snapshot for `getTaskInfo()`; `now` is monotonic time (`performance.now()`). */
  info(now: number): TaskInfo {
    return {
      id: this.id,
      name: this.name,
      status: this.#status,
      createdAt: this.createdAt,
      ageMs: Math.max(0, now - this.#createdAtMs),
      timeoutMs: this.timeoutMs,
      context: this.context,
      runId: this.tags.runId,
      threadId: this.tags.threadId,
      nodeName: this.tags.nodeName,
      done: !this.#workRunning && isFinalStatus(this.#status),
      cancelled: abortReasonOf(this.#outcome) !== NOT_ABORTED,
    };
  }

  /** Starts the work, one microtask after {@link launch}, unless the task settled meanwhile. It never throws. */
  #start(): void {
    if (this.#status === 'pending') {
      this.#status = 'running';
      this.#host.taskStarted(this); // a subscriber of the started event may cancel the task here
    }
    const work = this.#work;
    this.#work = undefined;
    if (work === undefined) return;
    if (this.#outcome !== undefined) {
      // Settled before its work was called: a function or an Observable is never called; an already-started
      // promise runs on, and was booked as detached work when the task settled.
      if (this.#kind === 'promise') this.#follow(work);
      return;
    }
    this.#workRunning = true;
    let source: unknown = work;
    if (this.#kind === 'function') {
      try {
        source = callWork(work as TaskWorkFunction<T>, this);
      } catch (error) {
        this.#workEnded(false, error);
        return;
      }
    }
    // The common case first: an async function's own promise (a native one: not an Observable, nothing to classify).
    if (this.#kind === 'function' && isInstanceOf(source, NativePromise)) {
      this.#follow(source);
      return;
    }
    if (this.#kind === 'observable' || isObservableSafely(source)) {
      this.#subscribe(source as Observable<T>);
      return;
    }
    if (this.#kind === 'function') {
      // A function that returned a plain value has finished: it completes now, not one microtask later.
      let thenable: boolean;
      try {
        thenable = isPromiseLike(source);
      } catch (error) {
        this.#workEnded(false, error); // a `then` getter that throws
        return;
      }
      if (!thenable) {
        this.#workEnded(true, source);
        return;
      }
    }
    this.#follow(source);
  }

  /**
   * Follows a promise or a thenable to its end, through the intrinsic `then` (see `followPromise`): a native
   * promise's own `then` cannot intercept it, and a thenable is settled once, asynchronously.
   */
  #follow(source: unknown): void {
    followPromise(
      source,
      (value) => this.#workEnded(true, value),
      (error: unknown) => this.#workEnded(false, error),
    );
  }

  /** Follows an Observable work: its last value completes the task, its error fails it. */
  #subscribe(work$: Observable<T>): void {
    let last: T | undefined;
    let subscription: Subscription;
    try {
      subscription = work$.subscribe({
        next: (value) => {
          last = value;
        },
        error: (error: unknown) => this.#workEnded(false, error),
        complete: () => this.#workEnded(true, last),
      });
    } catch (error) {
      this.#workEnded(false, error);
      return;
    }
    if (!this.#workRunning) return; // it ended while subscribing
    if (this.#outcome === undefined) {
      this.#more().subscription = subscription;
      return;
    }
    // Settled while subscribing (its subscribe function cancelled the task): stop it now.
    this.#unsubscribe(subscription);
    this.#workStopped(undefined);
  }

  /** The work ended by itself: it settles the task or, for detached work, is reported to the manager. */
  #workEnded(ok: boolean, valueOrError: unknown): void {
    if (!this.#workRunning) return;
    if (this.#outcome !== undefined) {
      this.#workStopped(ok ? { ok, value: valueOrError } : { ok, error: valueOrError });
      return;
    }
    this.#workRunning = false;
    if (this.#extras !== undefined) this.#extras.subscription = undefined;
    if (ok) this.#settle({ status: 'completed', value: valueOrError as T, durationMs: this.#age() });
    else this.#settle({ status: 'failed', error: valueOrError, durationMs: this.#age() });
  }

  /** Detached work stopped: `result` says how, when it ended by itself. */
  #workStopped(result: WorkResult | undefined): void {
    if (!this.#workRunning) return;
    this.#workRunning = false;
    if (this.#extras !== undefined) this.#extras.subscription = undefined;
    this.#host.detachedWorkStopped(this, result);
  }

  /**
   * Moves the task to its final status, once: status and outcome, `done`, the manager's books (which end with
   * the log lines), then the abort of its signal and an Observable work's teardown.
   */
  #settle(outcome: TaskOutcome<T>): boolean {
    if (this.#outcome !== undefined) return false;
    this.#outcome = outcome;
    this.#status = outcome.status;
    const timer = this.#timer;
    if (timer !== undefined) {
      this.#timer = undefined;
      if (this.#host.scheduler === undefined) clearTimeout(timer as NodeJS.Timeout);
      else this.#unschedule(timer as Subscription);
    }
    // An already-started promise settled before it was taken runs on: the books list it as detached work.
    if (this.#work !== undefined && this.#kind === 'promise') this.#workRunning = true;
    const extras = this.#extras;
    if (extras === undefined) {
      this.#host.taskSettled(this);
      return true;
    }
    // An Observable work is unsubscribed below, which stops it: it is not detached work.
    const subscription = extras.subscription;
    if (subscription !== undefined) {
      extras.subscription = undefined;
      this.#workRunning = false;
    }
    const resolveDone = extras.resolveDone;
    extras.resolveDone = undefined;
    resolveDone?.(outcome);
    this.#host.taskSettled(this);
    if (outcome.status === 'cancelled' || outcome.status === 'timed_out') extras.controller?.abort(outcome.reason);
    if (subscription !== undefined) this.#unsubscribe(subscription);
    return true;
  }

  /** A subscriber of `from(handle)` threw, or left an error unhandled: counted and logged by the manager. */
  reportCallbackFailure(error: unknown): void {
    this.#host.callbackFailed(error, 'A subscriber of a task handle’s value (from(handle))');
  }

  #unsubscribe(subscription: Subscription): void {
    try {
      subscription.unsubscribe();
    } catch (error) {
      this.#host.callbackFailed(error, `The teardown of the Observable work of a task`);
    }
  }

  /**
   * Schedules `action` (with this task as its state) on the manager's scheduler. Total: a scheduler that throws is
   * counted, and the action runs on a timer instead (or a microtask, for a start), so that no task is left behind.
   */
  #schedule(action: (this: unknown, run?: AnyTaskRun) => void, delayMs: number): Subscription | NodeJS.Timeout {
    try {
      return (this.#host.scheduler as SchedulerLike).schedule(action, delayMs, this);
    } catch (error) {
      this.#host.callbackFailed(error, 'The scheduler given to the manager');
      if (delayMs > 0) return setTimeout(action, delayMs, this);
      queueMicrotask(() => action(this));
      return undefined as unknown as Subscription;
    }
  }

  /** Cancels a scheduled timeout: what the scheduler returned, or the fallback timer. A throw is counted, never raised. */
  #unschedule(timer: Subscription | NodeJS.Timeout): void {
    try {
      if (typeof (timer as Partial<Subscription>).unsubscribe === 'function') (timer as Subscription).unsubscribe();
      else clearTimeout(timer as NodeJS.Timeout);
    } catch (error) {
      this.#host.callbackFailed(error, 'The scheduler given to the manager');
    }
  }

  #more(): TaskRunExtras<T> {
    this.#extras ??= new TaskRunExtras<T>();
    return this.#extras;
  }

  #age(): number {
    const scheduler = this.#host.scheduler;
    return Math.max(0, (scheduler === undefined ? performance.now() : schedulerNow(this.#host)) - this.#createdAtMs);
  }
}

// A handle is an InteropObservable of its value (see `valueOf$`; it never cancels the task). The method's key is
// RxJS's `observable` (`Symbol.observable` where it exists, '@@observable' otherwise), which `from()` looks for;
// its type is declared by the interface below.
Object.defineProperty(TaskRun.prototype, observable, {
  value: function interopObservable(this: AnyTaskRun): Subscribable<unknown> {
    return valueOf$(this, (error) => this.reportCallbackFailure(error));
  },
  writable: true,
  configurable: true,
});

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface TaskRun<T> {
  /** The task's value as an Observable, for `from(handle)`. */
  [Symbol.observable](): Subscribable<T>;
}

/**
 * The parts of a task only some tasks need, in one object made on first need, so that the common task
 * (`createTask(async () => …)`: no caller signal, no `handle.signal`, nobody awaiting `done`) stays small: six
 * fewer fields on every task measured 0.1x of benchmark 7's 2x budget.
 */
class TaskRunExtras<T> {
  /** The caller's signal, when one was given. */
  callerSignal: AbortSignal | undefined = undefined;
  /** Created on first need: a work function that declares a parameter, or a read of `handle.signal`. */
  controller: AbortController | undefined = undefined;
  done: Promise<TaskOutcome<T>> | undefined = undefined;
  resolveDone: ((outcome: TaskOutcome<T>) => void) | undefined = undefined;
  /** The subscribers of `handle.events$`. */
  listeners: Subject<TaskEvent> | undefined = undefined;
  /** The subscription to an Observable work while it runs. */
  subscription: Subscription | undefined = undefined;
}

/**
 * Calls a work function: with the task's signal when it declares a parameter, with nothing otherwise (so that
 * no `AbortController` is created for work that cannot receive its signal).
 */
function callWork<T>(work: TaskWorkFunction<T>, run: TaskRun<T>): unknown {
  return work.length === 0 ? (work as () => unknown)() : work(run.signal);
}

/** RxJS's `isObservable`, false for a value whose properties throw when read. */
function isObservableSafely(value: unknown): boolean {
  try {
    return isObservable(value);
  } catch {
    return false;
  }
}

/** What {@link abortReasonOf} returns for a task whose signal is not aborted. */
const NOT_ABORTED: unique symbol = Symbol('not aborted');

/** The reason a task's signal is aborted with: a cancellation's, a timeout's or a drop's; none otherwise. */
function abortReasonOf(outcome: TaskOutcome<unknown> | undefined): unknown {
  switch (outcome?.status) {
    case 'cancelled':
    case 'timed_out':
    case 'dropped':
      return outcome.reason;
    default:
      return NOT_ABORTED;
  }
}

/** The scheduler's clock; a `now()` that throws or gives no finite number is counted, and the monotonic clock used. */
function schedulerNow(host: TaskRunHost): number {
  try {
    const now: unknown = (host.scheduler as SchedulerLike).now();
    if (typeof now === 'number' && Number.isFinite(now)) return now;
    host.callbackFailed(new TypeError(`now() returned ${typeof now === 'number' ? now : typeof now}, not a finite number`), 'The scheduler given to the manager');
  } catch (error) {
    host.callbackFailed(error, 'The scheduler given to the manager');
  }
  return performance.now();
}

function timeOut(run: AnyTaskRun): void {
  run.timeOut();
}

/** A scheduler's action that times a task out (its state is the task). */
function timeOutAction(this: unknown, run?: AnyTaskRun): void {
  run?.timeOut();
}

/** A scheduler's action that starts a task (its state is the task). */
function startAction(this: unknown, run?: AnyTaskRun): void {
  if (run !== undefined) TaskRun.startNext(run);
}

/** One resolved promise, whose reactions start tasks: a reaction keeps the async context it was created in. */
const RESOLVED = isolatedResolvedPromise();

/**
 * The tasks launched and not yet started, oldest first. Each {@link TaskRun.launch} adds its task and one
 * reaction of {@link RESOLVED}; reactions of a settled promise run in the order they were added (the job queue
 * is first in, first out), so the n-th reaction to run starts the n-th task launched, in that task's own async
 * context. One shared reaction function instead of a closure per task: a start allocates only the reaction and
 * its promise (a closure per task measured 0.1x of benchmark 7's 2x budget).
 */
const launchQueue: (AnyTaskRun | undefined)[] = [];
let launchHead = 0;

function startNextLaunched(): void {
  const run = launchQueue[launchHead] as AnyTaskRun;
  launchQueue[launchHead++] = undefined;
  if (launchHead === launchQueue.length) {
    launchQueue.length = 0;
    launchHead = 0;
  } else if (launchHead >= 1024 && launchHead * 2 >= launchQueue.length) {
    launchQueue.splice(0, launchHead);
    launchHead = 0;
  }
  TaskRun.startNext(run);
}

/** A task run of any result type, as the manager's books hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskRun = TaskRun<any>;
