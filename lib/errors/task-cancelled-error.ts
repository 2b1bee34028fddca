import { AgentflowError } from './agentflow-error';

/**
 * The reason a task's signal is aborted with when it is cancelled, and the error `result()` rejects with.
 *
 * `cause` holds the reason given to `cancel(reason)` or `cancelAll(reason)`, or the caller's signal's reason.
 *
 * @example
 * ```ts
 * handle.cancel('user left');
 * await handle.result().catch((error: TaskCancelledError) => console.log(error.cause)); // 'user left'
 * ```
 */
export class TaskCancelledError extends AgentflowError {
  /** The name of the task that was cancelled. */
  readonly taskName: string;

  /**
   * @param taskName - the task's name.
   * @param cause - why it was cancelled, if known.
   */
  constructor(taskName: string, cause?: unknown) {
    const why = cause === undefined ? '' : `: ${cause instanceof Error ? cause.message : String(cause)}`;
    super('TASK_CANCELLED', `Background task '${taskName}' was cancelled${why}`, { cause });
    this.name = 'TaskCancelledError';
    this.taskName = taskName;
  }
}
