/**
 * Telling Redis' own error replies from connection trouble, by the classes of node-redis 5 and 6 (`ErrorReply`
 * and its subclasses `SimpleError`, `BlobError`), found by name along the prototype chain so that no class of
 * the optional peer dependency has to be imported.
 */

/** The error codes of replies that say "not now" rather than "never" (the server is loading, busy, failing over...). */
const TRANSIENT_REPLY_CODES: ReadonlySet<string> = new Set([
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'READONLY',
  'NOREPLICAS',
  'OOM',
]);

/** Whether `error` is an error reply of Redis (not a connection error, a timeout or an abort). */
export function isErrorReply(error: unknown): boolean {
  try {
    for (let proto: unknown = Object.getPrototypeOf(error); proto !== null && proto !== undefined; proto = Object.getPrototypeOf(proto)) {
      const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
      if (name === 'ErrorReply') return true;
    }
  } catch {
    // a Proxy or an exotic value: not one of node-redis' replies
  }
  return false;
}

/** Whether an error reply's code (its first word) says the same command may succeed later. */
export function isTransientReply(error: unknown): boolean {
  try {
    const message = (error as { message?: unknown }).message;
    return typeof message === 'string' && TRANSIENT_REPLY_CODES.has(message.split(' ', 1)[0] ?? '');
  } catch {
    return false;
  }
}
