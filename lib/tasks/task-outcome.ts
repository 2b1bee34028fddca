import type { TaskDroppedError } from '../errors/task-dropped-error';
import type { TaskTimeoutError } from '../errors/task-timeout-error';

/**
 * How a task ended, as `handle.done` resolves to it: a union on `status`.
 *
 * `durationMs` runs from the task's creation to its final status (0 for a dropped task).
 *
 * @typeParam T - the task's result.
 * @example
 * ```ts
 * const outcome = await handle.done;
 * switch (outcome.status) {
 *   case 'completed': use(outcome.value); break;
 *   case 'failed': report(outcome.error); break;
 *   case 'cancelled': case 'timed_out': case 'dropped': console.log(outcome.reason); break;
 * }
 * ```
 */
export type TaskOutcome<T> =
  | { readonly status: 'completed'; readonly value: T; readonly durationMs: number }
  | { readonly status: 'failed'; readonly error: unknown; readonly durationMs: number }
  | { readonly status: 'cancelled'; readonly reason: unknown; readonly durationMs: number }
  | { readonly status: 'timed_out'; readonly reason: TaskTimeoutError; readonly durationMs: number }
  | { readonly status: 'dropped'; readonly reason: TaskDroppedError; readonly durationMs: number };

