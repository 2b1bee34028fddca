import { InvalidArgumentError } from '../errors/invalid-argument-error';

/** Throws unless `value` is an integer >= 1 (or `undefined`). `validate.ts` has no such check. */
export function checkPositiveInteger(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, 'an integer >= 1', value);
  }
}
