import { AgentflowError } from './agentflow-error';

/**
 * Thrown synchronously by `createTask` under the `'reject'` overflow policy when `maxPendingTasks` tasks are in flight.
 *
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager({ maxPendingTasks: 1, overflow: 'reject' });
 * manager.createTask(() => sleep(1_000));
 * try {
 *   manager.createTask(() => sleep(1_000));
 * } catch (error) {
 *   console.log((error as TaskRejectedError).pending); // 1
 * }
 * ```
 */
export class TaskRejectedError extends AgentflowError {
  /** The name of the refused task. */
  readonly taskName: string;
  /** How many tasks were in flight when it was refused. */
  readonly pending: number;

  /**
   * @param taskName - the refused task's name.
   * @param pending - the tasks in flight at that moment.
   */
  constructor(taskName: string, pending: number) {
    super(
      'TASK_REJECTED',
      `Background task '${taskName}' was rejected: ${pending} tasks are in flight (maxPendingTasks). ` +
        'Wait for some to settle, raise maxPendingTasks, or choose another overflow policy.',
    );
    this.name = 'TaskRejectedError';
    this.taskName = taskName;
    this.pending = pending;
  }
}
