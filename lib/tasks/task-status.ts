/**
 * Where a task is in its life.
 *
 * - `'pending'`: created, its work starts on the next microtask.
 * - `'running'`: its work has started.
 * - `'completed'`, `'failed'`, `'cancelled'`, `'timed_out'`, `'dropped'`: final; a task reaches exactly one of them.
 *
 * @example
 * ```ts
 * const handle = manager.createTask(work);
 * handle.status; // 'pending'
 * await handle.done;
 * handle.status; // 'completed' (or another final status)
 * ```
 */
export type TaskStatus = 'pending' | 'running' | FinalTaskStatus;

/**
 * The statuses a task ends in.
 *
 * @example
 * ```ts
 * const final: FinalTaskStatus = (await handle.done).status;
 * ```
 */
export type FinalTaskStatus = 'completed' | 'failed' | 'cancelled' | 'timed_out' | 'dropped';

/**
 * Whether a status is final (the task will not change again).
 *
 * @param status - a task status.
 * @returns `true` for `'completed'`, `'failed'`, `'cancelled'`, `'timed_out'` and `'dropped'`.
 * @example
 * ```ts
 * const stuck = manager.getTaskInfo().filter((info) => isFinalStatus(info.status) && !info.done);
 * ```
 */
export function isFinalStatus(status: TaskStatus): status is FinalTaskStatus {
  return status !== 'pending' && status !== 'running';
}
