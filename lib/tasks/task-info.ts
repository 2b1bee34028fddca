import type { TaskContext } from './task-context';
import type { TaskStatus } from './task-status';
import type { TaskTags } from './task-tags';

/**
 * A snapshot of one tracked task, as `getTaskInfo()` and `tasks$` give it.
 *
 * A task is tracked while it is in flight and, after it was cancelled or timed out, for as long as its
 * work keeps running (*detached work*: a final `status` with `done: false`).
 *
 * @example
 * ```ts
 * for (const task of manager.getTaskInfo()) {
 *   if (!task.done) console.log(`Stuck task: ${task.name}, age: ${(task.ageMs / 1000).toFixed(1)}s`);
 * }
 * ```
 */
export interface TaskInfo {
  /** The task's id, unique within its manager. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** Its status in the manager's books. */
  readonly status: TaskStatus;
  /** When it was created (milliseconds since the epoch). */
  readonly createdAt: number;
  /** Milliseconds since it was created. */
  readonly ageMs: number;
  /** Its timeout, or `undefined` when it has none. */
  readonly timeoutMs: number | undefined;
  /** Its context metadata. */
  readonly context: TaskContext;
  /** The run it was created in (see {@link TaskTags}), or `undefined`. */
  readonly runId: string | undefined;
  /** The thread of that run, or `undefined`. */
  readonly threadId: string | undefined;
  /** The node of that run that created it, or `undefined`. */
  readonly nodeName: string | undefined;
  /** Whether its work has stopped. `false` for running work, including detached work. */
  readonly done: boolean;
  /** Whether its signal was aborted (cancelled, timed out or shed). */
  readonly cancelled: boolean;
}
