import type { TaskDroppedError } from '../errors/task-dropped-error';
import type { TaskTimeoutError } from '../errors/task-timeout-error';

/**
 * The outcome of a task whose work finished.
 *
 * @typeParam T - the task's result.
 * @example
 * ```ts
 * const outcome = await handle.done;
 * if (outcome.status === 'completed') console.log(outcome.value);
 * ```
 */
export interface TaskCompletedOutcome<T> {
  /** Discriminant. */
  readonly status: 'completed';
  /** What the work returned (an Observable's last value). */
  readonly value: T;
  /** Milliseconds from creation to completion. */
  readonly durationMs: number;
}

/**
 * The outcome of a task whose work threw, rejected or errored.
 *
 * @example
 * ```ts
 * const outcome = await handle.done;
 * if (outcome.status === 'failed') report(outcome.error);
 * ```
 */
export interface TaskFailedOutcome {
  /** Discriminant. */
  readonly status: 'failed';
  /** What the work threw or rejected with, as is. */
  readonly error: unknown;
  /** Milliseconds from creation to the failure. */
  readonly durationMs: number;
}

/**
 * The outcome of a cancelled task.
 *
 * @example
 * ```ts
 * const outcome = await handle.done;
 * if (outcome.status === 'cancelled') console.log(outcome.reason);
 * ```
 */
export interface TaskCancelledOutcome {
  /** Discriminant. */
  readonly status: 'cancelled';
  /** Its signal's reason: a `TaskCancelledError`, a `TaskDroppedError` (`'drop-oldest'`) or the caller's reason. */
  readonly reason: unknown;
  /** Milliseconds from creation to the cancellation. */
  readonly durationMs: number;
}

/**
 * The outcome of a task that reached its timeout.
 *
 * @example
 * ```ts
 * const outcome = await handle.done;
 * if (outcome.status === 'timed_out') console.warn(outcome.reason.message);
 * ```
 */
export interface TaskTimedOutOutcome {
  /** Discriminant. */
  readonly status: 'timed_out';
  /** The timeout error its signal was aborted with. */
  readonly reason: TaskTimeoutError;
  /** Milliseconds from creation to the timeout. */
  readonly durationMs: number;
}

/**
 * The outcome of a task the manager refused: its work never ran.
 *
 * @example
 * ```ts
 * const outcome = await handle.done;
 * if (outcome.status === 'dropped') console.warn(outcome.reason.dropReason);
 * ```
 */
export interface TaskDroppedOutcome {
  /** Discriminant. */
  readonly status: 'dropped';
  /** Why it was refused. */
  readonly reason: TaskDroppedError;
  /** Always 0. */
  readonly durationMs: number;
}

/**
 * How a task ended, as `handle.done` resolves to it: a union on `status`.
 *
 * @typeParam T - the task's result.
 * @example
 * ```ts
 * const outcome = await handle.done;
 * switch (outcome.status) {
 *   case 'completed': use(outcome.value); break;
 *   case 'failed': report(outcome.error); break;
 *   default: console.log(outcome.status, outcome.reason);
 * }
 * ```
 */
export type TaskOutcome<T> =
  | TaskCompletedOutcome<T>
  | TaskFailedOutcome
  | TaskCancelledOutcome
  | TaskTimedOutOutcome
  | TaskDroppedOutcome;
