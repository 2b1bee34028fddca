import { types } from 'node:util';
import { InvalidArgumentError } from '../errors/invalid-argument-error';

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

/** Throws unless `value` is an integer >= 1 (or `undefined`). */
export function checkPositiveInteger(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, 'an integer >= 1', value);
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

/** Throws unless `value` is a non-empty string (or `undefined`). */
export function checkNonEmptyString(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === 'string' && value.length > 0) return;
  throw new InvalidArgumentError(argument, 'a non-empty string', value);
}

/** Throws unless `value` is a boolean (or `undefined`). */
export function checkBoolean(argument: string, value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  throw new InvalidArgumentError(argument, 'a boolean', value);
}

/** Throws unless `value` is a non-array object (or `undefined`). */
export function checkPlainObject(argument: string, value: unknown): void {
  if (value === undefined) return;
  let isArray = false;
  try {
    isArray = Array.isArray(value);
  } catch {
    throw new InvalidArgumentError(argument, 'an object whose properties can be read', value); // a revoked Proxy
  }
  if (typeof value !== 'object' || value === null || isArray) {
    throw new InvalidArgumentError(argument, 'a plain object', value);
  }
}

/**
 * Throws unless `value` is a plain object literal (its prototype `Object.prototype` or `null`), or `undefined`: for
 * options where a `Map`, a `Date` or a class instance is surely a mistake (a filter that would match every task).
 */
export function checkObjectLiteral(argument: string, value: unknown): void {
  if (value === undefined) return;
  checkPlainObject(argument, value);
  // a Proxy can answer reads for keys it does not list as its own: read as options, it would be an empty filter
  if (!isObjectLiteral(value) || types.isProxy(value)) throw new InvalidArgumentError(argument, 'a plain object literal (not a Proxy)', value);
}

/** Whether `value` is an object literal (`{}` or `Object.create(null)`); false for one that cannot be inspected. */
export function isObjectLiteral(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  try {
    const prototype: unknown = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
  } catch {
    return false; // a revoked Proxy
  }
}

/** Throws unless `value` is an `AbortSignal` (or `undefined`). */
export function checkAbortSignal(argument: string, value: unknown): void {
  if (value === undefined || value instanceof AbortSignal) return;
  throw new InvalidArgumentError(argument, 'an AbortSignal', value);
}

/** Throws unless `logger` has the level methods the library calls (loglevel, console, pino, winston...). */
export function checkLogger(argument: string, logger: unknown): void {
  if (logger === undefined) return;
  const methods = ['debug', 'info', 'warn', 'error'] as const;
  const candidate = logger as Record<string, unknown> | null;
  try {
    if ((typeof candidate === 'object' || typeof candidate === 'function') && candidate !== null && methods.every((m) => typeof candidate[m] === 'function')) {
      return;
    }
  } catch {
    // a logger whose properties throw: refused below
  }
  throw new InvalidArgumentError(argument, 'a logger: loglevel, console, pino, winston, or any object with debug, info, warn and error methods', logger);
}

/**
 * Reads the options an API accepts, once each, into a plain object: the checks and the defaults then work on
 * values that cannot change under them (a getter that answers differently the second time). An options object
 * whose properties cannot be read is refused, and so is an unknown key: a misspelt option (p-queue's `timeout`
 * for `timeoutMs`) would otherwise be ignored silently.
 *
 * @throws {@link InvalidArgumentError} naming the unknown key (with the closest known one as a hint), or the
 * options object when it cannot be read.
 */
export function readOptions<T extends object>(
  argument: string,
  options: T,
  known: readonly (keyof T & string)[],
  elsewhere: Readonly<Record<string, string>> = {},
): Partial<T> {
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch {
    throw new InvalidArgumentError(argument, 'an object whose properties can be read', options);
  }
  for (const key of keys) {
    if (!(known as readonly string[]).includes(key)) throw unknownOption(key, options, known, Object.hasOwn(elsewhere, key) ? elsewhere[key] : undefined);
  }
  return readOwn(argument, options, known);
}

/**
 * The own properties of `object` among `keys` that are not `undefined`, each read once, in an object without a
 * prototype: a key left out reads as `undefined` even when `Object.prototype` was polluted (`redact: false` set
 * there must not turn redaction off for every caller that left `redact` out), and an inherited key is not read.
 *
 * @throws {@link InvalidArgumentError} naming `argument` when a property cannot be read (a throwing getter, a Proxy).
 */
export function readOwn<T extends object>(argument: string, object: T, keys: readonly (keyof T & string)[]): Partial<T> {
  const read = Object.create(null) as Partial<T>;
  try {
    for (const key of keys) {
      if (!Object.hasOwn(object, key)) continue;
      const value = object[key];
      if (value !== undefined) read[key] = value;
    }
  } catch {
    throw new InvalidArgumentError(argument, 'an object whose properties can be read', object);
  }
  return read;
}

/** The error for an option nobody reads, with a hint when a known option is spelt alike. */
export function unknownOption(key: string, options: object, known: readonly string[], elsewhere?: string): InvalidArgumentError {
  const hint = elsewhere === undefined ? closestName(key, known) : undefined;
  let value: unknown;
  try {
    value = (options as Record<string, unknown>)[key];
  } catch {
    value = undefined;
  }
  const message =
    `Unknown option \`${key}\`${hint === undefined ? '' : ` (did you mean \`${hint}\`?)`}${elsewhere === undefined ? '' : ` (${elsewhere})`}; ` +
    `the options are ${known.map((name) => `\`${name}\``).join(', ')}`;
  return new InvalidArgumentError(key, 'a known option', value, message);
}

/** The known name closest to `name` (case and `_`/`-` ignored, a prefix counts), when one is close enough. */
function closestName(name: string, known: readonly string[]): string | undefined {
  const normalise = (text: string): string => text.toLowerCase().replace(/[-_\s]/g, '');
  const wanted = normalise(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const normalised = normalise(candidate);
    const distance = normalised.startsWith(wanted) || wanted.startsWith(normalised) ? 1 : editDistance(wanted, normalised);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(wanted.length / 3)) ? best : undefined;
}

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
