import type { InteropObservable, Observable } from 'rxjs';
import type { TaskContext } from './task-context';
import type { TaskEvent } from './task-event';
import type { TaskOutcome } from './task-outcome';
import type { TaskStatus } from './task-status';
import type { TaskTags } from './task-tags';

/**
 * What `createTask` returns: a view of one task, to follow it, wait for it or cancel it.
 *
 * Nothing on a handle rejects unless asked: `done` never rejects, and `result()` creates its rejection
 * only when called, so a fire-and-forget caller can drop the handle.
 *
 * A handle is also an RxJS `InteropObservable` of its value: `from(handle)` emits the value and completes, or
 * errors as `result()` rejects, in the same turn as the task settles; unsubscribing never cancels the task (use
 * `manager.task$()` for an Observable that does).
 *
 * @typeParam T - the task's result.
 * @example
 * ```ts
 * const handle = manager.createTask((signal) => sendEmail(user, { signal }), { name: 'send_email', timeoutMs: 10_000 });
 * handle.events$.subscribe((event) => console.log(event.type));
 * const outcome = await handle.done; // { status: 'completed', value, durationMs }
 * ```
 */
export interface TaskHandle<T> extends InteropObservable<T> {
  /** The task's id, unique within its manager. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** The task's context metadata. */
  readonly context: TaskContext;
  /** The run it was created in (see {@link TaskTags}), or `undefined`. */
  readonly runId: string | undefined;
  /** The thread of that run, or `undefined`. */
  readonly threadId: string | undefined;
  /** The node of that run that created it, or `undefined`. */
  readonly nodeName: string | undefined;
  /** When it was created (milliseconds since the epoch). */
  readonly createdAt: number;
  /** Its timeout, or `undefined`. */
  readonly timeoutMs: number | undefined;
  /** Its current status in the manager's books. */
  readonly status: TaskStatus;
  /**
   * The signal its work receives; aborted on cancellation, timeout or shedding, with the reason. Created on
   * first read for work that declares no signal parameter (see {@link TaskWorkFunction}).
   */
  readonly signal: AbortSignal;
  /**
   * Resolves with the task's outcome as soon as it reaches a final status. Never rejects.
   *
   * A cancelled or timed-out task settles here at once, even if its work ignores the signal and keeps running.
   */
  readonly done: Promise<TaskOutcome<T>>;
  /**
   * This task's lifecycle events from the moment of subscription; completes after its final event.
   * Subscribing after the task settled emits its final event and completes.
   */
  readonly events$: Observable<TaskEvent>;

  /**
   * Cancels the task: it settles as `'cancelled'` at once, and its signal aborts with a `TaskCancelledError`
   * (whose `cause` is `reason`). Does nothing if it already settled.
   *
   * @param reason - why, kept as the error's `cause`.
   * @returns `true` if this call cancelled it, `false` if it had already settled.
   */
  cancel(reason?: unknown): boolean;

  /**
   * The task's value, or a rejection with its error, `TaskCancelledError`, `TaskTimeoutError` or
   * `TaskDroppedError`. The promise is created on each call.
   *
   * @returns a promise of the task's value.
   */
  result(): Promise<T>;
}
