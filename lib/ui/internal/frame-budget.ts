import { defineValue } from '../../util/bounded-walk';
import { truncatedMarker } from '../../util/format-bytes';

/** How many times `maxFieldBytes` a top-level field of a frame (a whole context, an event's `data`) may take. */
export const TOP_LEVEL_FACTOR = 16;

interface Fitted {
  readonly value: unknown;
  /** The bytes of its JSON (UTF-8, escapes included). */
  readonly size: number;
}

/**
 * The bytes of a string's JSON text: quotes, escapes and UTF-8 included (`'中'` takes 5 bytes, a control
 * character 8).
 */
function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text));
}

/**
 * A record (an event, one task of a snapshot) with every value too large for a frame replaced by
 * {@link truncatedMarker}: below the top level, any value whose JSON takes more than `maxFieldBytes`; at the
 * top level, a field over {@link TOP_LEVEL_FACTOR} times that. The record must be JSON data (what
 * `Redactor.redact()` returns): sizes are measured bottom-up in one pass, so the cost is linear in its size.
 */
export function fitRecord(record: unknown, maxFieldBytes: number): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return fit(record, maxFieldBytes * TOP_LEVEL_FACTOR).value;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const fitted = fitChildren(value, maxFieldBytes);
    defineValue(result, key, fitted.size > maxFieldBytes * TOP_LEVEL_FACTOR ? truncatedMarker(fitted.size) : fitted.value);
  }
  return result;
}

/** `value` if its JSON fits `maxBytes`, else the marker. */
function fit(value: unknown, maxBytes: number): Fitted {
  const fitted = fitChildren(value, maxBytes);
  if (fitted.size <= maxBytes) return fitted;
  const marker = truncatedMarker(fitted.size);
  return { value: marker, size: marker.length + 2 };
}

/** `value` with each of its children fitted to `maxBytes` (the value itself is not replaced). */
function fitChildren(value: unknown, maxBytes: number): Fitted {
  if (typeof value === 'string') return { value, size: jsonBytes(value) };
  if (typeof value !== 'object' || value === null) return { value, size: String(value).length };
  if (Array.isArray(value)) {
    let size = 2;
    const items = value.map((item) => {
      const fitted = fit(item, maxBytes);
      size += fitted.size + 1;
      return fitted.value;
    });
    return { value: items, size };
  }
  let size = 2;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const fitted = fit(item, maxBytes);
    size += jsonBytes(key) + 2 + fitted.size;
    defineValue(result, key, fitted.value);
  }
  return { value: result, size };
}
