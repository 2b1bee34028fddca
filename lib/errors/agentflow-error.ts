import type { ErrorCode } from './error-code';

/**
 * Base class of the errors this library creates, each with a stable {@link ErrorCode}.
 *
 * @example
 * ```ts
 * const outcome = await handle.done;
 * if (outcome.status === 'timed_out') console.log(outcome.reason.code); // 'TASK_TIMEOUT'
 * ```
 */
export class AgentflowError extends Error {
  /** What went wrong, as a stable code to branch on. */
  readonly code: ErrorCode;

  /**
   * @param code - the stable code of this error.
   * @param message - what went wrong and, where it helps, how to fix it.
   * @param options - `cause`: the underlying error or reason.
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentflowError';
    this.code = code;
  }
}
