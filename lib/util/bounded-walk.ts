/** What a value (or a part of one) that cannot be read is written as. */
export const UNREADABLE = '[unreadable]';

/**
 * The most items (array elements, keys, Map or Set entries) a walk over a user value reads from one container;
 * the rest is summed up by {@link moreMarker}. A context holding `new Array(1e8)`, or a Proxy whose `length` says
 * `Infinity`, would otherwise keep the event loop busy for minutes and build a frame of hundreds of megabytes.
 */
export const MAX_ITEMS_PER_CONTAINER = 1_000;

/** The most values one walk visits in all (a serialisation, a redaction); past it values become `'[Truncated]'`. */
export const MAX_NODES_PER_WALK = 10_000;

/** What a value beyond a walk's limits becomes. */
export const TRUNCATED = '[Truncated]';

/** The marker that stands for the items of a container a walk did not read: `'[… 99,999,000 more]'`. */
export function moreMarker(more: number): string {
  return `[… ${Number.isFinite(more) ? more.toLocaleString('en-US') : 'many'} more]`;
}

/** An array's first items, read once each (an unreadable one is `'[unreadable]'`), and how many were left out. */
export function boundedItems(array: readonly unknown[]): { readonly items: unknown[]; readonly more: number } {
  let length: number;
  try {
    length = array.length;
  } catch {
    return { items: [UNREADABLE], more: 0 };
  }
  if (!(length >= 0)) length = 0;
  const count = Math.min(length, MAX_ITEMS_PER_CONTAINER);
  const items: unknown[] = new Array(count);
  for (let index = 0; index < count; index++) {
    try {
      items[index] = array[index];
    } catch {
      items[index] = UNREADABLE;
    }
  }
  return { items, more: length - count };
}

/** An object's first own enumerable string keys, and how many were left out. Throws when they cannot be listed. */
export function boundedKeys(object: object): { readonly keys: string[]; readonly more: number } {
  const keys = Object.keys(object);
  if (keys.length <= MAX_ITEMS_PER_CONTAINER) return { keys, more: 0 };
  return { keys: keys.slice(0, MAX_ITEMS_PER_CONTAINER), more: keys.length - MAX_ITEMS_PER_CONTAINER };
}

/** An iterable's first entries (a Map's, a Set's), and whether there were more. Throws when it cannot be iterated. */
export function boundedEntries<T>(iterable: Iterable<T>, size: number): { readonly entries: T[]; readonly more: number } {
  const entries: T[] = [];
  for (const entry of iterable) {
    if (entries.length === MAX_ITEMS_PER_CONTAINER) break;
    entries.push(entry);
  }
  return { entries, more: Math.max(0, size - entries.length) };
}

/** `object[key] = value` as an own data property, also for the key `'__proto__'` (which would set the prototype). */
export function defineValue(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}
