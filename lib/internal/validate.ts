import { isObservable } from 'rxjs';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { isPromiseLike } from './task-work-observable';

/** The longest delay `setTimeout` honours; a longer one would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Throws unless `value` is a number of milliseconds > 0 that a timer can wait (or `undefined`). */
export function checkTimeout(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMER_MS) {
    throw new InvalidArgumentError(argument, `a finite number > 0 and <= ${MAX_TIMER_MS}`, value);
  }
}

/** Throws unless `value` is a number of milliseconds >= 0 that a timer can wait (or `undefined`). */
export function checkDelay(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_TIMER_MS) {
    throw new InvalidArgumentError(argument, `a finite number >= 0 and <= ${MAX_TIMER_MS}`, value);
  }
}

/** Throws unless `value` is an integer >= 0 (or `undefined`). */
export function checkNonNegativeInteger(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(argument, 'an integer >= 0', value);
  }
}

/** Throws unless `value` is one of `allowed` (or `undefined`). */
export function checkOneOf(argument: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined || allowed.includes(value as string)) return;
  throw new InvalidArgumentError(argument, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
}

/** Throws unless `value` is a string (or `undefined`). */
export function checkString(argument: string, value: unknown): void {
  if (value === undefined || typeof value === 'string') return;
  throw new InvalidArgumentError(argument, 'a string', value);
}

/** Throws unless `value` is an array of strings (or `undefined`). */
export function checkStringArray(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new InvalidArgumentError(argument, 'an array of strings', value);
  }
}

/** Throws unless `value` is a boolean (or `undefined`). */
export function checkBoolean(argument: string, value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  throw new InvalidArgumentError(argument, 'a boolean', value);
}

/** Throws unless `value` is a non-array object (or `undefined`). */
export function checkPlainObject(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, 'a plain object', value);
  }
}

/** Throws unless `value` is an `AbortSignal` (or `undefined`). */
export function checkAbortSignal(argument: string, value: unknown): void {
  if (value === undefined || value instanceof AbortSignal) return;
  throw new InvalidArgumentError(argument, 'an AbortSignal', value);
}

/** Throws unless `work` is a function, an Observable or a promise. */
export function checkWork(work: unknown): void {
  if (typeof work === 'function' || isObservable(work) || isPromiseLike(work)) return;
  throw new InvalidArgumentError('work', 'a function, an Observable or a Promise', work);
}

/** Throws unless `logger` has the loglevel methods the manager calls. */
export function checkLogger(argument: string, logger: unknown): void {
  if (logger === undefined) return;
  const methods = ['trace', 'debug', 'info', 'warn', 'error', 'getLevel'] as const;
  const candidate = logger as Record<string, unknown> | null;
  if (typeof candidate === 'object' && candidate !== null && methods.every((m) => typeof candidate[m] === 'function')) {
    return;
  }
  throw new InvalidArgumentError(argument, 'a loglevel Logger (trace, debug, info, warn, error, getLevel)', logger);
}
