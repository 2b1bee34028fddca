import { describeReason } from '../util/describe-value';
import { AgentflowError } from './agentflow-error';

/**
 * The reason a task's signal is aborted with when it is cancelled, and the error `result()` rejects with.
 *
 * `cause` holds the reason given to `cancel(reason)`, `cancelAll(reason)` or `'shutdown'`.
 *
 * `handle.cancel()` gives its task an error of its own, naming it. `cancelAll()` and `shutdown()` abort every
 * task they cancel with *one* shared error, as one aborted `AbortSignal` gives all its listeners one reason: its
 * `taskName` is `undefined` (the handle, the event and the log line name each task). One error per call, not per
 * task, is what keeps `shutdown()` of 100,000 tasks within 1.5x of aborting as many bare `AbortController`s
 * (benchmark 4): an error per task measured 0.45x of that budget.
 *
 * @example
 * ```ts
 * handle.cancel('user left');
 * await handle.result().catch((error: TaskCancelledError) => console.log(error.cause)); // 'user left'
 * ```
 */
export class TaskCancelledError extends AgentflowError {
  /** The name of the task that was cancelled; `undefined` for the one error of a `cancelAll()` or `shutdown()`. */
  readonly taskName: string | undefined;

  /**
   * @param taskName - the task's name; `undefined` for an error shared by every task cancelled at once.
   * @param cause - why it was cancelled, if known.
   */
  constructor(taskName: string | undefined, cause?: unknown) {
    // The message describes the reason, which may be any value (its getters, its toJSON): it is built on first
    // read, not here, so that cancelling a task runs no user code before the task's books are settled.
    super('TASK_CANCELLED', undefined, { cause });
    this.name = 'TaskCancelledError';
    this.taskName = taskName;
  }
}

// `message`, built on first read from the task's name and the reason, then kept as an own property (as an
// Error's message is); assigning it replaces it, as on any Error.
Object.defineProperty(TaskCancelledError.prototype, 'message', {
  configurable: true,
  get(this: TaskCancelledError): string {
    const what = this.taskName === undefined ? 'Background tasks were cancelled' : `Background task '${this.taskName}' was cancelled`;
    const cause: unknown = this.cause;
    const message = cause === undefined ? what : `${what}: ${describeReason(cause)}`;
    ownMessage(this, message);
    return message;
  },
  set(this: TaskCancelledError, message: string) {
    ownMessage(this, message);
  },
});

function ownMessage(error: TaskCancelledError, message: string): void {
  Object.defineProperty(error, 'message', { value: message, writable: true, enumerable: false, configurable: true });
}
