import { AgentflowError } from './agentflow-error';

/**
 * The rejection of `RedisStreamsSubscriber.cancelTask()`/`cancelTasks()` for a command the viewer will not send:
 * its view knows the worker is lost or stopped, or that its mirror does not read commands (it was started without
 * `control: true`), or the subscriber is closed. Nothing was appended.
 *
 * @example
 * ```ts
 * await subscriber.cancelTask('billing-1', 42).catch((error) => {
 *   if (error instanceof CommandRefusedError) console.warn(error.message);
 * });
 * ```
 */
export class CommandRefusedError extends AgentflowError {
  /** The worker the command was for (`undefined`: every worker). */
  readonly workerId: string | undefined;

  /**
   * @param workerId - the worker the command was for.
   * @param why - why it was not sent.
   */
  constructor(workerId: string | undefined, why: string) {
    super('COMMAND_REFUSED', `The command was not sent${workerId === undefined ? '' : ` to worker '${workerId}'`}: ${why}`);
    this.name = 'CommandRefusedError';
    this.workerId = workerId;
  }
}
