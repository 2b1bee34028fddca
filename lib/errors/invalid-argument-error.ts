import { describeValue } from '../util/describe-value';
import { AGENTFLOW_ERROR_BRAND } from './agentflow-error';
import type { ErrorCode } from './error-code';

/**
 * Thrown synchronously when an argument or option is not acceptable; it names the argument and the value received.
 *
 * It derives from `TypeError`, as a built-in function's argument check would, and it is an `AgentflowError`
 * all the same (`error instanceof AgentflowError` is `true`, and it has a `code`), like every error of the library.
 *
 * @example
 * ```ts
 * try {
 *   manager.createTask(work, { timeoutMs: 0 });
 * } catch (error) {
 *   // InvalidArgumentError: Expected `timeoutMs` to be a finite number > 0, got 0
 *   console.log((error as InvalidArgumentError).argument); // 'timeoutMs'
 * }
 * ```
 */
export class InvalidArgumentError extends TypeError {
  /** Always `'INVALID_ARGUMENT'`. */
  readonly code: ErrorCode = 'INVALID_ARGUMENT';
  /** The name of the argument or option that was refused. */
  readonly argument: string;
  /** The value that was received. */
  readonly value: unknown;

  /**
   * @param argument - the argument or option name, e.g. `'timeoutMs'`.
   * @param expected - what was expected, e.g. `'a finite number > 0'`.
   * @param value - the value received.
   * @param message - the whole message, when the standard one does not fit (an unknown option, say).
   */
  constructor(argument: string, expected: string, value: unknown, message?: string) {
    super(message ?? `Expected \`${argument}\` to be ${expected}, got ${describeValue(value)}`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    this.value = value;
  }
}

Object.defineProperty(InvalidArgumentError.prototype, AGENTFLOW_ERROR_BRAND, { value: true });
