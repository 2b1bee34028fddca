import { isObservable, Observable, Subject, Subscriber } from 'rxjs';
import { TaskCancelledError } from '../errors/task-cancelled-error';
import { TaskDroppedError } from '../errors/task-dropped-error';
import { TaskTimeoutError } from '../errors/task-timeout-error';
import type { TaskContext } from '../tasks/task-context';
import type { TaskEvent } from '../tasks/task-event';
import type { TaskHandle } from '../tasks/task-handle';
import type { TaskInfo } from '../tasks/task-info';
import type { TaskOutcome } from '../tasks/task-outcome';
import { isFinalStatus, type TaskStatus } from '../tasks/task-status';
import type { TaskWork } from '../tasks/task-work';
import type { CallerCancellable } from './caller-signal-links';
import { GuardedObservable } from './guarded-observable';
import type { TaskRunHost } from './task-run-host';
import { TaskWorkObservable } from './task-work-observable';
import type { WorkOwner, WorkResult } from './work-owner';

/**
 * One task: its state machine, and the subscriber of its work's Observable.
 *
 * Every change of a task's status happens in this class. The work runs as a `TaskWorkObservable` that this
 * object subscribes to: the work's value completes the task, its error fails it, the task's timer times it
 * out, and unsubscribing (on cancellation or timeout) stops whatever can be stopped. The manager only keeps
 * the books, through {@link TaskRunHost}.
 *
 * The `AbortController` is created on first need: a function's work needs its signal at start, a promise or
 * an Observable only if someone reads `handle.signal`.
 */
export class TaskRun<T> extends Subscriber<T> implements TaskHandle<T>, WorkOwner, CallerCancellable {
  readonly id: number;
  readonly name: string;
  readonly context: TaskContext;
  readonly createdAt: number;
  readonly timeoutMs: number | undefined;
  /** The caller's signal, if the task was created with one. */
  readonly callerSignal: AbortSignal | undefined;
  /** The `seq` of the task's final event, set by the manager when it settles. */
  finalSeq = 0;

  readonly #host: TaskRunHost;
  #work: TaskWork<T> | undefined;
  #status: TaskStatus;
  #workRunning = false;
  #lastValue: T | undefined;
  #outcome: TaskOutcome<T> | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  #done: Promise<TaskOutcome<T>> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #resolveDone: ((outcome: TaskOutcome<T>) => void) | undefined;
  #listeners: Subject<TaskEvent> | undefined;

  constructor(
    host: TaskRunHost,
    id: number,
    work: TaskWork<T> | undefined,
    name: string,
    timeoutMs: number | undefined,
    context: TaskContext,
    callerSignal: AbortSignal | undefined,
  ) {
    super();
    this.#host = host;
    this.id = id;
    this.#work = work;
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.context = context;
    this.callerSignal = callerSignal;
    this.createdAt = Date.now();
    this.#status = 'pending';
    // The timeout runs from creation, as this subscriber's own timer, cleared when it settles. A `timeout`-style
    // operator piped onto the work costs one more Observable, subscription and teardown per task: measured
    // 1.45x the AbortController + setTimeout floor against 1.21x for this (bench 2).
    if (timeoutMs !== undefined) this.#timer = setTimeout(timeOut, timeoutMs, this);
  }

  /**
   * A task refused before it started: final at once, its work never called. An already-started promise
   * cannot be refused, only ignored: its rejection is swallowed so that it never becomes an unhandled one.
   */
  static dropped(
    host: TaskRunHost,
    id: number,
    work: TaskWork<unknown>,
    name: string,
    context: TaskContext,
    error: TaskDroppedError,
  ): AnyTaskRun {
    if (isStartedPromise(work)) watchPromise(work, ignore, ignore);
    const run = new TaskRun<unknown>(host, id, undefined, name, undefined, context, undefined);
    run.#status = 'dropped';
    run.#outcome = { status: 'dropped', reason: error, durationMs: 0 };
    run.#aborted = true;
    run.#abortReason = error;
    run.unsubscribe();
    return run;
  }

  get status(): TaskStatus {
    return this.#status;
  }

  /** Whether the work is running; after a final status, this means detached work. */
  get workRunning(): boolean {
    return this.#workRunning;
  }

  /** The outcome, once the task is final. */
  get outcome(): TaskOutcome<T> | undefined {
    return this.#outcome;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get done(): Promise<TaskOutcome<T>> {
    if (this.#done === undefined) {
      const outcome = this.#outcome;
      this.#done =
        outcome !== undefined
          ? Promise.resolve(outcome)
          : new Promise((resolve) => {
              this.#resolveDone = resolve;
            });
    }
    return this.#done;
  }

  get events$(): Observable<TaskEvent> {
    return new GuardedObservable<TaskEvent>((subscriber) => {
      if (this.#outcome !== undefined) {
        subscriber.next(this.#host.finalEvent(this));
        subscriber.complete();
        return undefined;
      }
      this.#listeners ??= new Subject();
      return this.#listeners.subscribe(subscriber);
    }, this.#host.subscriberFailed);
  }

  /** Whether someone follows this task through `handle.events$`. */
  get hasListeners(): boolean {
    return this.#listeners?.observed ?? false;
  }

  /** Delivers one of this task's events to `handle.events$`; the final one completes it. */
  deliver(event: TaskEvent): void {
    const listeners = this.#listeners;
    if (listeners === undefined) return;
    listeners.next(event);
    if (event.type !== 'created' && event.type !== 'started') {
      listeners.complete();
      this.#listeners = undefined;
    }
  }

  /** Starts the work, unless the task was settled while pending. */
  start(): void {
    if (this.#status !== 'pending') return;
    const work = this.#work as TaskWork<T>;
    this.#work = undefined;
    this.#status = 'running';
    this.#workRunning = true;
    this.#host.taskStarted(this);
    new TaskWorkObservable(work, this).subscribe(this);
  }

  cancel(reason?: unknown): boolean {
    if (this.#outcome !== undefined) return false;
    return this.#settle({ status: 'cancelled', reason: new TaskCancelledError(this.name, reason), durationMs: this.#age() });
  }

  /** Cancels the task with the caller's signal's reason, as its own signal's reason. */
  cancelFromCaller(reason: unknown): void {
    this.#settle({ status: 'cancelled', reason, durationMs: this.#age() });
  }

  /** Cancels the task to make room for a newer one (the `'drop-oldest'` policy). */
  shed(): void {
    this.#settle({ status: 'cancelled', reason: new TaskDroppedError(this.name, 'overflow'), durationMs: this.#age() });
  }

  result(): Promise<T> {
    return this.done.then((outcome) => {
      switch (outcome.status) {
        case 'completed':
          return outcome.value;
        case 'failed':
          throw outcome.error;
        case 'cancelled':
          throw outcome.reason instanceof TaskCancelledError || outcome.reason instanceof TaskDroppedError
            ? outcome.reason
            : new TaskCancelledError(this.name, outcome.reason);
        case 'timed_out':
        case 'dropped':
          throw outcome.reason;
      }
    });
  }

  /** A snapshot for `getTaskInfo()`. */
  info(now: number): TaskInfo {
    return {
      id: this.id,
      name: this.name,
      status: this.#status,
      createdAt: this.createdAt,
      ageMs: now - this.createdAt,
      timeoutMs: this.timeoutMs,
      context: this.context,
      done: !this.#workRunning && isFinalStatus(this.#status),
      cancelled: this.#aborted,
    };
  }

  workStopped(result?: WorkResult): void {
    if (!this.#workRunning) return;
    this.#workRunning = false;
    if (this.#outcome !== undefined) this.#host.detachedWorkStopped(this, result);
  }

  protected override _next(value: T): void {
    this.#lastValue = value;
  }

  protected override _complete(): void {
    this.#settle({ status: 'completed', value: this.#lastValue as T, durationMs: this.#age() });
  }

  protected override _error(error: unknown): void {
    this.#settle({ status: 'failed', error, durationMs: this.#age() });
  }

  /** Settles the task as `'timed_out'`: its `timeoutMs` has elapsed. */
  timeOut(): void {
    const reason = new TaskTimeoutError(this.name, this.timeoutMs as number);
    this.#settle({ status: 'timed_out', reason, durationMs: this.#age() });
  }

  /**
   * Moves the task to its final status, once: the books first (the manager frees its slot and emits the
   * events), then the abort of its signal for a cancelled or timed-out task, then `done`.
   */
  #settle(outcome: TaskOutcome<T>): boolean {
    if (this.#outcome !== undefined) return false;
    if (this.#status === 'pending' && isStartedPromise(this.#work)) this.#watchAsDetached(this.#work);
    this.#outcome = outcome;
    this.#status = outcome.status;
    this.#lastValue = undefined;
    this.#work = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.unsubscribe();
    this.#host.taskSettled(this);
    if (outcome.status === 'cancelled' || outcome.status === 'timed_out') this.#abort(outcome.reason);
    this.#resolveDone?.(outcome);
    this.#resolveDone = undefined;
    return true;
  }

  /** An already-started promise settled before its start: it runs on, as detached work. */
  #watchAsDetached(promise: PromiseLike<T>): void {
    this.#workRunning = true;
    watchPromise(
      promise,
      (value) => this.workStopped({ ok: true, value }),
      (error) => this.workStopped({ ok: false, error }),
    );
  }

  #abort(reason: unknown): void {
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  #age(): number {
    return Date.now() - this.createdAt;
  }
}

/** Whether `work` is an already-started promise (not a function, not an Observable). */
function isStartedPromise<T>(work: TaskWork<T> | undefined): work is PromiseLike<T> {
  return work !== undefined && typeof work !== 'function' && !isObservable(work);
}

/** Calls `then` on a promise-like, which a hostile thenable may make throw. */
function watchPromise<T>(promise: PromiseLike<T>, onValue: (value: T) => void, onError: (error: unknown) => void): void {
  try {
    promise.then(onValue, onError);
  } catch (error) {
    onError(error);
  }
}

function ignore(): void {}

function timeOut(run: AnyTaskRun): void {
  run.timeOut();
}

/** A task run of any result type, as the manager's books hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskRun = TaskRun<any>;
