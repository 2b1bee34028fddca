import { AgentflowError } from './agentflow-error';

/**
 * Why a task was shed: `'overflow'` (the manager was at `maxPendingTasks`), `'shutdown'` (it no longer accepts
 * work) or `'scope_closed'` (it was created in a closed `TaskScope`).
 */
export type DropReason = 'overflow' | 'shutdown' | 'scope_closed';

/**
 * The error of a task the manager refused or shed, so its work never ran (or was cut short by `'drop-oldest'`).
 *
 * @example
 * ```ts
 * const handle = manager.createTask(work); // after shutdown()
 * await handle.result().catch((error: TaskDroppedError) => console.log(error.dropReason)); // 'shutdown'
 * ```
 */
export class TaskDroppedError extends AgentflowError {
  /** The name of the task that was dropped. */
  readonly taskName: string;
  /** Why it was dropped. */
  readonly dropReason: DropReason;

  /**
   * @param taskName - the task's name.
   * @param dropReason - why it was dropped.
   */
  constructor(taskName: string, dropReason: DropReason) {
    const why =
      dropReason === 'shutdown'
        ? 'the manager is shut down and accepts no new tasks'
        : dropReason === 'scope_closed'
          ? 'its task scope is closed and accepts no new tasks'
          : 'the manager reached maxPendingTasks';
    super('TASK_DROPPED', `Background task '${taskName}' was dropped: ${why}`);
    this.name = 'TaskDroppedError';
    this.taskName = taskName;
    this.dropReason = dropReason;
  }
}
