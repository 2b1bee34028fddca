/** How deep a value is followed; anything deeper becomes `'[Object]'` or `'[Array]'`. */
const MAX_DEPTH = 16;

/** An error as it travels over the wire: never the `Error` object itself, whose fields JSON would drop. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | number;
}

/**
 * JSON text for any value, for a stream that must not break because of what a task put in its context.
 *
 * It never throws: `Error`s (at any depth) become {@link SerializedError}s, BigInts become `'123n'`,
 * cycles become `'[Circular]'`, getters and `toJSON()` methods that throw become `'[Unserializable]'`,
 * functions and symbols are left out as `JSON.stringify` leaves them out, and nesting is cut at
 * {@link MAX_DEPTH}. A value seen twice without a cycle (a shared object) is written twice.
 */
export function safeJsonStringify(value: unknown): string {
  try {
    return JSON.stringify(toJsonValue(value, [], 0)) ?? 'null';
  } catch {
    // Only reachable through exotic objects (a revoked Proxy inside a Map key, say): keep the stream going.
    return '"[Unserializable]"';
  }
}

/** `error` as `{ name, message, code? }`; a `code` is kept when it is a string or a number. */
export function serializeError(error: Error): SerializedError {
  const name = readString(() => error.name, 'Error');
  const message = readString(() => error.message, '');
  let code: unknown;
  try {
    code = (error as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  return typeof code === 'string' || typeof code === 'number' ? { name, message, code } : { name, message };
}

function toJsonValue(value: unknown, ancestors: object[], depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return `${value}n`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Error) return serializeError(object);
  if (ancestors.includes(object)) return '[Circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[Array]' : '[Object]';
  ancestors.push(object);
  try {
    return objectToJsonValue(object, ancestors, depth + 1);
  } catch {
    return '[Unserializable]';
  } finally {
    ancestors.pop();
  }
}

function objectToJsonValue(object: object, ancestors: object[], depth: number): unknown {
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return toJsonValue(toJSON.call(object), ancestors, depth);
  if (Array.isArray(object)) return object.map((item) => toJsonValue(item, ancestors, depth) ?? null);
  if (object instanceof Map) {
    return Array.from(object, ([key, item]) => [
      toJsonValue(key, ancestors, depth) ?? null,
      toJsonValue(item, ancestors, depth) ?? null,
    ]);
  }
  if (object instanceof Set) return Array.from(object, (item) => toJsonValue(item, ancestors, depth) ?? null);
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    let item: unknown;
    try {
      item = (object as Record<string, unknown>)[key];
    } catch {
      item = '[Unserializable]';
    }
    const converted = toJsonValue(item, ancestors, depth);
    if (converted !== undefined) result[key] = converted;
  }
  return result;
}

function readString(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return typeof value === 'string' ? value : fallback;
  } catch {
    return fallback;
  }
}
