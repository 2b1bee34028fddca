import type { ErrorCode } from './error-code';
import { describeValue } from '../internal/describe-value';

/**
 * Thrown synchronously when an argument or option is not acceptable; it names the argument and the value received.
 *
 * It derives from `TypeError`, as a built-in function's argument check would.
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
   */
  constructor(argument: string, expected: string, value: unknown) {
    super(`Expected \`${argument}\` to be ${expected}, got ${describeValue(value)}`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    this.value = value;
  }
}
