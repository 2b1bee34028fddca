/** The longest text a described value may take in a message or a log line. */
const MAX_DESCRIPTION_LENGTH = 300;

/**
 * Describes any value on one line, for error messages and log lines.
 *
 * It never throws: circular references, BigInts, getters that throw and huge objects are all described,
 * control characters are escaped, and the text is cut at {@link MAX_DESCRIPTION_LENGTH} characters.
 */
export function describeValue(value: unknown, maxLength = MAX_DESCRIPTION_LENGTH): string {
  return truncate(describeUntruncated(value), maxLength);
}

/** Quotes a name (a task's, a node's) for a log line: one line, control characters escaped. */
export function quoteName(name: string): string {
  return `'${oneLine(name)}'`;
}

/** Any text made safe for one log line: control characters escaped, cut to length. */
export function oneLine(text: string): string {
  return escapeControlCharacters(truncate(text, MAX_DESCRIPTION_LENGTH));
}

function describeUntruncated(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return escapeControlCharacters(value.toString());
    case 'function':
      return value.name ? `[function ${escapeControlCharacters(value.name)}]` : '[function]';
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(value);
    default:
      return describeObject(value as object | null);
  }
}

function describeObject(value: object | null): string {
  if (value === null) return 'null';
  if (value instanceof Error) return escapeControlCharacters(`${value.name}: ${value.message}`);
  try {
    return JSON.stringify(value, safeReplacer()) ?? String(value);
  } catch {
    return `[object ${value.constructor?.name ?? 'Object'}]`;
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
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    ancestors.push(value);
    return value;
  };
}

function truncate(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u2028\u2029]/g;

function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
