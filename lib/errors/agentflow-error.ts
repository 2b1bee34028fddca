import type { ErrorCode } from './error-code';

/**
 * Marks the library's errors that cannot derive from `AgentflowError` (`InvalidArgumentError` derives from
 * `TypeError`, as a built-in's argument check would) so that `instanceof AgentflowError` still recognises them.
 */
export const AGENTFLOW_ERROR_BRAND: unique symbol = Symbol.for('agentflow-rx.error');

/**
 * Base class of the errors this library creates, each with a stable {@link ErrorCode}.
 *
 * `error instanceof AgentflowError` is `true` for every error of the library, `InvalidArgumentError` included,
 * although that one derives from `TypeError` (so that `instanceof TypeError` holds for it too):
 * `AgentflowError`'s `Symbol.hasInstance` recognises it.
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
   * @param message - what went wrong and, where it helps, how to fix it (`undefined` when a subclass builds it on
   * first read).
   * @param options - `cause`: the underlying error or reason.
   */
  constructor(code: ErrorCode, message: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentflowError';
    this.code = code;
  }

  /**
   * `instanceof` as usual, and for `AgentflowError` itself also the library's errors that derive from another
   * built-in error (they carry the brand `Symbol.for('agentflow-rx.error')`).
   *
   * @param value - the value on the left of `instanceof`.
   * @returns whether it is an instance.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (this !== AgentflowError || typeof value !== 'object' || value === null) return false;
    try {
      return (value as { [AGENTFLOW_ERROR_BRAND]?: unknown })[AGENTFLOW_ERROR_BRAND] === true;
    } catch {
      return false;
    }
  }
}
