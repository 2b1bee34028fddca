import { InvalidArgumentError } from '../../errors/invalid-argument-error';
import { checkNonEmptyString } from '../../util/validate';
import { MAX_WORKER_ID_LENGTH } from './stream-entry-codec';

/**
 * Validation helpers of the Redis Streams options, next to the general ones in `validate.ts` (which this area
 * does not own); same conventions: `undefined` passes unless the helper says it is required.
 */

/** Throws unless `value` is a non-empty string. */
export function checkRequiredString(argument: string, value: unknown): asserts value is string {
  if (typeof value === 'string' && value.length > 0) return;
  throw new InvalidArgumentError(argument, 'a non-empty string', value);
}

/** Throws unless `value` is a `redis://` or `rediss://` URL (or `undefined`). */
export function checkRedisUrl(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === 'string') {
    try {
      const protocol = new URL(value).protocol;
      if (protocol === 'redis:' || protocol === 'rediss:') return;
    } catch {
      // reported below
    }
  }
  throw new InvalidArgumentError(argument, 'a redis:// or rediss:// URL, e.g. "redis://127.0.0.1:6379"', value);
}

/** Throws unless `value` looks like a node-redis 5 or 6 client (or `undefined`). */
export function checkRedisClient(argument: string, value: unknown): void {
  if (value === undefined) return;
  const candidate = value as Record<string, unknown> | null;
  const methods = ['sendCommand', 'duplicate', 'on', 'off'] as const;
  if (typeof candidate === 'object' && candidate !== null && methods.every((m) => typeof candidate[m] === 'function')) return;
  throw new InvalidArgumentError(argument, "a node-redis 5 or 6 client (createClient() from 'redis')", value);
}

/** Throws when both `url` and `client` are given: one connection source only. */
export function checkUrlOrClient(url: unknown, client: unknown): void {
  if (url === undefined || client === undefined) return;
  throw new InvalidArgumentError('url', 'left out when `client` is given (the client already says where Redis is)', url);
}

/** Throws unless `value` is a stream id a group can start at: `'$'`, or `<ms>` / `<ms>-<seq>` (or `undefined`). */
export function checkStreamId(argument: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === 'string' && (value === '$' || /^\d+(-\d+)?$/.test(value))) return;
  throw new InvalidArgumentError(argument, "a stream id: '$' (new entries only), '0' (the whole stream) or '<ms>-<seq>'", value);
}

/**
 * Throws unless `value` is a `workerId` viewers accept: a non-empty string of at most 1,024 characters, not `'*'`
 * (which addresses every worker in a command), or `undefined`.
 */
export function checkWorkerId(argument: string, value: unknown): void {
  checkNonEmptyString(argument, value);
  if (typeof value === 'string' && value.length > MAX_WORKER_ID_LENGTH) {
    throw new InvalidArgumentError(argument, `a string of at most ${MAX_WORKER_ID_LENGTH} characters`, value);
  }
  if (value === '*') throw new InvalidArgumentError(argument, "a worker's id ('*' is reserved: it addresses every worker)", value);
}

/** {@link checkWorkerId}, for an argument that must be given. */
export function checkRequiredWorkerId(argument: string, value: unknown): asserts value is string {
  checkRequiredString(argument, value);
  checkWorkerId(argument, value);
}
