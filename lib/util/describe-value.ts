/** The longest text a described value may take in a message or a log line. */
const MAX_DESCRIPTION_LENGTH = 300;

import { boundedItems, boundedKeys, moreMarker, UNREADABLE } from './bounded-walk';

export { UNREADABLE } from './bounded-walk';

/**
 * Describes any value on one line, for error messages and log lines.
 *
 * It is total: it never throws, whatever the value does when read. Circular references, BigInts and huge
 * objects are described; an Error whose `name` or `message` throws shows `'[unreadable]'` there, and a value
 * whose getter, `toJSON()` or Proxy trap throws while it is written as JSON is shown as `[object <Class>]`
 * (or `'[unreadable]'` when even that cannot be read); control characters (C0, DEL, C1, the line and paragraph
 * separators and the bidirectional overrides) are escaped, so the text is one line that cannot drive a terminal,
 * and it is cut at {@link MAX_DESCRIPTION_LENGTH} characters.
 */
export function describeValue(value: unknown, maxLength = MAX_DESCRIPTION_LENGTH): string {
  try {
    return truncate(escapeControlCharacters(describeUntruncated(value)), maxLength);
  } catch {
    return UNREADABLE;
  }
}

/** Quotes a name (a task's, a node's) for a log line: one line, control characters escaped. */
export function quoteName(name: string): string {
  return `'${oneLine(name)}'`;
}

/**
 * Any text made safe for one log line: control characters escaped, then cut to 300 characters (299 and `…`
 * when longer). Only the first 301 characters are read, so a huge text costs no more than a short one.
 */
export function oneLine(text: string): string {
  const head = text.length > MAX_DESCRIPTION_LENGTH + 1 ? text.slice(0, MAX_DESCRIPTION_LENGTH + 1) : text;
  return truncate(escapeControlCharacters(head), MAX_DESCRIPTION_LENGTH);
}

/**
 * What a cancellation reason says in a message: an `Error`'s message, a string as is, anything else described.
 * Total, like {@link describeValue}.
 */
export function describeReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  try {
    if (reason instanceof Error) return readText(() => reason.message);
  } catch {
    return UNREADABLE;
  }
  return describeValue(reason);
}

/** `read()` as a string, or `'[unreadable]'` when it throws or is not a string. */
export function readText(read: () => unknown): string {
  try {
    const text = read();
    return typeof text === 'string' ? text : UNREADABLE;
  } catch {
    return UNREADABLE;
  }
}

function describeUntruncated(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > MAX_DESCRIPTION_LENGTH ? value.slice(0, MAX_DESCRIPTION_LENGTH) : value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return describeFunction(value);
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(value);
    default:
      return describeObject(value as object | null);
  }
}

function describeFunction(fn: Function): string {
  const name = readText(() => fn.name);
  return name !== '' && name !== UNREADABLE ? `[function ${name}]` : '[function]';
}

function describeObject(value: object | null): string {
  if (value === null) return 'null';
  if (isError(value)) return `${readText(() => value.name)}: ${readText(() => value.message)}`;
  if (isRegExp(value)) return readText(() => String(value));
  try {
    const json = JSON.stringify(value, safeReplacer());
    if (json !== undefined) return json;
  } catch {
    // a toJSON() or a getter threw: fall back to the constructor's name
  }
  return `[object ${readText(() => value.constructor?.name ?? 'Object')}]`;
}

/** `value instanceof Error`, false for a Proxy whose `getPrototypeOf` trap throws. */
function isError(value: object): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** `value instanceof RegExp`, false for a Proxy whose `getPrototypeOf` trap throws. */
function isRegExp(value: object): value is RegExp {
  try {
    return value instanceof RegExp;
  } catch {
    return false;
  }
}

/** A JSON replacer that turns BigInts into `123n` and cycles into `[Circular]`, and stops early on huge input. */
function safeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  let budget = MAX_DESCRIPTION_LENGTH * 4;
  return function replace(this: unknown, key: string, value: unknown): unknown {
    budget -= key.length + 1;
    if (budget < 0) return undefined;
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'string' && value.length > MAX_DESCRIPTION_LENGTH) {
      return `${value.slice(0, MAX_DESCRIPTION_LENGTH)}…`;
    }
    if (typeof value !== 'object' || value === null) return value;
    if (isError(value)) return `${readText(() => value.name)}: ${readText(() => value.message)}`;
    if (isRegExp(value)) return readText(() => String(value));
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    ancestors.push(value);
    return bounded(value);
  };
}

/** A huge array or object, cut to its first items (JSON.stringify would visit every one of them). */
function bounded(value: object): unknown {
  if (Array.isArray(value)) {
    const { items, more } = boundedItems(value);
    return more > 0 ? [...items, moreMarker(more)] : value;
  }
  const { keys, more } = boundedKeys(value);
  if (more === 0) return value;
  const copy: Record<string, unknown> = {};
  for (const key of keys) copy[key] = (value as Record<string, unknown>)[key];
  copy['…'] = moreMarker(more);
  return copy;
}

function truncate(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/**
 * What a log line must not carry raw: C0 controls (newlines, ESC...), DEL and C1 controls, the line and
 * paragraph separators, and the bidirectional marks, embeddings, overrides and isolates (which reorder what a
 * terminal or an editor shows).
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `text` with every control character written as a `\uXXXX` escape. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
