import { AgentflowError } from './agentflow-error';

/**
 * The reason a task's signal is aborted with when its `timeoutMs` elapses, and the error `result()` rejects with.
 *
 * @example
 * ```ts
 * const handle = manager.createTask((signal) => fetch(url, { signal }), { name: 'fetch', timeoutMs: 5_000 });
 * const outcome = await handle.done;
 * if (outcome.status === 'timed_out') console.log(outcome.reason.timeoutMs); // 5000
 * ```
 */
export class TaskTimeoutError extends AgentflowError {
  /** The name of the task that timed out. */
  readonly taskName: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param taskName - the task's name.
   * @param timeoutMs - the timeout that elapsed.
   */
  constructor(taskName: string, timeoutMs: number) {
    super('TASK_TIMEOUT', `Background task '${taskName}' timed out after ${timeoutMs} ms`);
    this.name = 'TaskTimeoutError';
    this.taskName = taskName;
    this.timeoutMs = timeoutMs;
  }
}
