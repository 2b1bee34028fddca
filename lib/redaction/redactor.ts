import { boundedEntries, boundedItems, boundedKeys, defineValue, MAX_NODES_PER_WALK, moreMarker, TRUNCATED, UNREADABLE } from '../util/bounded-walk';
import { describeValue, oneLine } from '../util/describe-value';
import { formatBytes, truncatedMarker } from '../util/format-bytes';
import { KeyMatcher } from './internal/key-matcher';
import { TextRules } from './internal/text-rules';
import { REDACTED, resolveRedactionRules, type RedactOption } from './redaction-rules';

/** How deep a value is followed; anything deeper becomes `'[Truncated]'`. */
const MAX_DEPTH = 16;

/** The longest string written whole (64 KiB); a longer one is cut, and its end replaced by a marker. */
export const MAX_STRING_LENGTH = 64 * 1024;

/** What a reference back to an enclosing value becomes. */
const CIRCULAR = '[Circular]';

/**
 * An error as it leaves the process: its name, message, code and cause, redacted. Its other fields (an HTTP
 * client's request config with its headers, say) never leave.
 *
 * @example
 * ```ts
 * const wire: SerializedError = { name: 'TaskTimeoutError', message: "Background task 'x' timed out after 50 ms", code: 'TASK_TIMEOUT' };
 * ```
 */
export interface SerializedError {
  /** The error's `name`. */
  readonly name: string;
  /** The error's `message`, with the value rules applied. */
  readonly message: string;
  /** The error's `code`, when it is a string or a number. */
  readonly code?: string | number;
  /** The error's `cause`, redacted like any value. */
  readonly cause?: unknown;
}

/** The state of one walk: the values being walked (to find cycles), the nodes left to visit, the string bound. */
interface Walk {
  readonly ancestors: object[];
  nodesLeft: number;
  /** A string longer than this (in UTF-16 units) is replaced by `'[Truncated: <size>]'`, before any rule reads it. */
  readonly maxStringLength: number | undefined;
  /** How many more characters of text the rules may read in this walk (see {@link MAX_TEXT_PER_WALK}). */
  textLeft: number;
}

/**
 * The most text the rules read in one {@link Redactor.redact} call (1 Mi characters): past it, strings are
 * cut, then replaced by `'[Truncated]'`, so that one call costs milliseconds whatever a value holds (a thousand
 * strings of 63 KB would otherwise cost the rules 63 MB of text).
 */
const MAX_TEXT_PER_WALK = 1024 * 1024;

/**
 * Limits of one {@link Redactor.redact} call, for channels with a size budget (the server-sent-events frames).
 *
 * @example
 * ```ts
 * redactor.redact(event, { maxStringLength: 65_536 }); // a 5 MB string becomes '[Truncated: 5.0 MB]'
 * ```
 */
export interface RedactLimits {
  /** A string longer than this many characters is replaced by `'[Truncated: <its size>]'`. Default: none. */
  readonly maxStringLength?: number;
}

/**
 * Redacts what leaves the process: log lines and their fields, server-sent events, Redis stream entries, the
 * `remaining` lists of `waitForAll()` and `shutdown()`, `getTaskInfo({ redacted: true })`, publisher output.
 *
 * - **Key rules** ({@link DEFAULT_REDACT_KEYS}): the value of a secret key becomes `'[REDACTED]'`, whatever it
 *   is, at any depth: in objects, in class instances' own fields, in Map entries, in header pairs
 *   (`{ name: 'Authorization', value }`, `['Cookie', value]`).
 * - **Value rules** ({@link DEFAULT_REDACT_VALUE_RULES}): inside every string, credentials in URLs, secret
 *   `key=value` pairs, `Bearer …` tokens, JWTs, well-known API keys and PEM private keys are replaced.
 * - **Shapes**: an `Error` leaves as {@link SerializedError} (name, message, code, cause: never its other fields);
 *   Maps become `[key, value]` pairs and Sets arrays, as JSON has neither.
 * - **Limits** replace what lies beyond them: deeper than 16 levels, past 1,000 items of a container or 10,000
 *   values in all (`'[Truncated]'`, `'[… n more]'`), a string past 64 KiB (cut, with `'…[Truncated]'`).
 * - **Total**: a value whose reading throws (a getter, a Proxy trap, a `toJSON()`) becomes `'[unreadable]'`, a
 *   cycle `'[Circular]'`; it never throws.
 *
 * What it returns is plain JSON data (strings, finite numbers, booleans, null, arrays, plain objects), so
 * `JSON.stringify` of it never throws either.
 *
 * @example
 * ```ts
 * const redactor = new Redactor({ keys: [...DEFAULT_REDACT_KEYS, 'ssn'] });
 * redactor.redact({ user: 'ann', apiKey: 'k-123', db: 'postgres://ann:pw@db/app' });
 * // { user: 'ann', apiKey: '[REDACTED]', db: 'postgres://REDACTED:REDACTED@db/app' }
 * ```
 */
export class Redactor {
  /** A redactor without rules: it still makes values JSON-safe and bounded, and redacts nothing. */
  static readonly NONE = new Redactor(false);

  /** A redactor with the default rules, for code that is given no `redact` option. */
  static readonly DEFAULT = new Redactor();

  readonly #keys: KeyMatcher;
  readonly #text: TextRules;

  /**
   * @param rules - the rules (see {@link RedactOption}); default the default rules, `false` for none.
   * @throws {@link InvalidArgumentError} when a rule is not acceptable.
   */
  constructor(rules?: RedactOption) {
    const resolved = resolveRedactionRules('redact', rules);
    this.#keys = new KeyMatcher(resolved?.keys ?? []);
    this.#text = new TextRules(resolved?.values ?? [], (key) => this.#keys.isSecret(key));
  }

  /** Whether it has any rule. */
  get active(): boolean {
    return !this.#keys.empty || !this.#text.empty;
  }

  /**
   * Whether `key` is secret under the key rules.
   *
   * @param key - a property name, a Map key, a header name.
   * @returns `true` when its value is redacted.
   * @example
   * ```ts
   * new Redactor().isSecretKey('X-Api-Key'); // true
   * ```
   */
  isSecretKey(key: string): boolean {
    return this.#keys.isSecret(key);
  }

  /**
   * `text` with the value rules applied.
   *
   * @param text - any text.
   * @returns the text with every secret it holds replaced.
   * @example
   * ```ts
   * new Redactor().text('GET https://api.example.com/v1?access_token=abc123 failed');
   * // 'GET https://api.example.com/v1?access_token=[REDACTED] failed'
   * ```
   */
  text(text: string): string {
    try {
      // Cut first: no rule reads more than MAX_STRING_LENGTH characters of one text, however long it is.
      const cut = text.length > MAX_STRING_LENGTH ? `${text.slice(0, MAX_STRING_LENGTH)}…${TRUNCATED}` : text;
      return this.#text.apply(cut);
    } catch {
      return REDACTED;
    }
  }

  /**
   * `value` described on one line for a log message: redacted first (key and value rules, on the whole of every
   * string), then control characters escaped and the text cut to 300 characters. An `Error` reads
   * `Name: message`. Total: it never throws.
   *
   * @param value - anything.
   * @returns the line.
   * @example
   * ```ts
   * new Redactor().describe(new Error('login failed: password: hunter2')); // 'Error: login failed: password: [REDACTED]'
   * ```
   */
  describe(value: unknown): string {
    try {
      if (isErrorLike(value)) {
        const name = this.text(readString(() => value.name, 'Error'));
        const message = this.text(readString(() => value.message, ''));
        return oneLine(message === '' ? name : `${name}: ${message}`);
      }
      if (typeof value === 'string') return describeValue(this.text(value));
      // A number, a BigInt, a boolean, a symbol, a function: nothing in them to redact; described as they are.
      if (typeof value !== 'object' || value === null) return describeValue(value);
      return describeValue(this.redact(value));
    } catch {
      return UNREADABLE;
    }
  }

  /**
   * A redacted, JSON-safe copy of `value` (see the class documentation).
   *
   * @param value - anything.
   * @param limits - see {@link RedactLimits}; default none.
   * @returns plain JSON data; `undefined` for a value JSON leaves out (a function, a symbol, `undefined`).
   * @example
   * ```ts
   * new Redactor().redact(new Map([['token', 't-1']])); // [['token', '[REDACTED]']]
   * ```
   */
  redact(value: unknown, limits: RedactLimits = {}): unknown {
    try {
      return this.#walk(value, { ancestors: [], nodesLeft: MAX_NODES_PER_WALK, maxStringLength: limits.maxStringLength, textLeft: MAX_TEXT_PER_WALK }, 0);
    } catch {
      return UNREADABLE;
    }
  }

  /**
   * The redacted copies of `values`, the values of `owner`'s own fields in their order, exactly as
   * {@link redact}`(owner)` gives them (one walk: its limits shared, `owner` counted as an ancestor, every value one
   * level down): for a serialiser that writes an object's known fields itself and must match `redact`'s output.
   * Key rules are not applied here (the caller knows its field names). Total: it never throws.
   *
   * @param owner - the object the values belong to.
   * @param values - its field values, in its key order.
   * @returns each value's copy; `undefined` where JSON leaves the field out.
   * @example
   * ```ts
   * const event = { type: 'completed', name: 'send', context: { token: 't' } };
   * new Redactor().redactFields(event, [event.type, event.name, event.context]); // ['completed', 'send', { token: '[REDACTED]' }]
   * ```
   */
  redactFields(owner: object, values: readonly unknown[]): unknown[] {
    try {
      const walk: Walk = { ancestors: [owner], nodesLeft: MAX_NODES_PER_WALK - 1, maxStringLength: undefined, textLeft: MAX_TEXT_PER_WALK };
      return values.map((value) => this.#walk(value, walk, 1));
    } catch {
      return values.map(() => UNREADABLE);
    }
  }

  /**
   * A record redacted like {@link redact}: always a record (a value that is not one, or cannot be read, becomes
   * `{ '[unreadable]': true }`), for task contexts.
   *
   * @param record - a record, such as a task's context.
   * @returns its redacted copy.
   * @example
   * ```ts
   * new Redactor().record({ userId: 7, password: 'x' }); // { userId: 7, password: '[REDACTED]' }
   * ```
   */
  record(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const redacted = this.redact(record);
    return typeof redacted === 'object' && redacted !== null && !Array.isArray(redacted) ? (redacted as Record<string, unknown>) : { [UNREADABLE]: true };
  }

  /**
   * JSON text of {@link redact}'s copy: it never throws, and holds no raw line break.
   *
   * @param value - anything.
   * @returns the JSON text (`'null'` for what JSON leaves out).
   * @example
   * ```ts
   * new Redactor().stringify({ cookie: 'c=1', n: 1n }); // '{"cookie":"[REDACTED]","n":"1n"}'
   * ```
   */
  stringify(value: unknown): string {
    try {
      return JSON.stringify(this.redact(value)) ?? 'null';
    } catch {
      return JSON.stringify(UNREADABLE);
    }
  }

  #string(text: string, walk?: Walk): string {
    if (walk === undefined) return this.text(text);
    if (walk.maxStringLength !== undefined && text.length > walk.maxStringLength) return truncatedMarker(Buffer.byteLength(text));
    if (walk.textLeft <= 0) return TRUNCATED;
    const cut = text.length > walk.textLeft ? `${text.slice(0, walk.textLeft)}…${TRUNCATED}` : text;
    walk.textLeft -= cut.length;
    return this.text(cut);
  }

  #walk(value: unknown, walk: Walk, depth: number): unknown {
    if (walk.nodesLeft-- <= 0) return TRUNCATED;
    switch (typeof value) {
      case 'string':
        return this.#string(value, walk);
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
    if (walk.ancestors.includes(object)) return CIRCULAR;
    if (depth >= MAX_DEPTH) return TRUNCATED;
    walk.ancestors.push(object);
    try {
      if (isErrorLike(object)) return this.#error(object, walk, depth + 1);
      return this.#object(object, walk, depth + 1);
    } catch {
      return UNREADABLE;
    } finally {
      walk.ancestors.pop();
    }
  }

  #error(error: Error, walk: Walk, depth: number): SerializedError {
    const name = this.text(readString(() => error.name, 'Error'));
    const message = this.#string(readString(() => error.message, ''), walk);
    const code = read(() => (error as { code?: unknown }).code);
    const cause = read(() => (error as { cause?: unknown }).cause);
    const serialized: { name: string; message: string; code?: string | number; cause?: unknown } = { name, message };
    if (typeof code === 'string') serialized.code = this.text(code);
    else if (typeof code === 'number') serialized.code = code;
    if (cause !== undefined) serialized.cause = this.#walk(cause, walk, depth);
    return serialized;
  }

  #object(object: object, walk: Walk, depth: number): unknown {
    // Bytes are not text the rules can read (a key file, a token in a Buffer): they never leave, their size does.
    if (ArrayBuffer.isView(object)) return `[Binary: ${formatBytes(object.byteLength)}]`;
    if (object instanceof ArrayBuffer || object instanceof SharedArrayBuffer) return `[Binary: ${formatBytes(object.byteLength)}]`;
    // A boxed primitive is its value (`new String('token=x')` is the text `token=x`).
    if (object instanceof String || object instanceof Number || object instanceof Boolean) return this.#walk(object.valueOf(), walk, depth);
    if (object instanceof RegExp) return this.#string(String(object), walk);
    // Headers and query parameters are pairs, as a Map's entries are.
    if (object instanceof URLSearchParams || object instanceof Headers) {
      const { entries, more } = boundedEntries(object as Iterable<[string, string]>, 0);
      const result: unknown[] = entries.map(([key, item]) => this.#pair(key, item, walk, depth));
      if (more > 0) result.push(moreMarker(more));
      return result;
    }
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.#walk(toJSON.call(object), walk, depth);
    if (Array.isArray(object)) return this.#array(object, walk, depth);
    if (object instanceof Map) {
      const { entries, more } = boundedEntries(object, object.size);
      const result: unknown[] = entries.map(([key, item]) => this.#pair(key, item, walk, depth));
      if (more > 0) result.push(moreMarker(more));
      return result;
    }
    if (object instanceof Set) {
      const { entries, more } = boundedEntries(object, object.size);
      const result: unknown[] = entries.map((item) => this.#walk(item, walk, depth) ?? null);
      if (more > 0) result.push(moreMarker(more));
      return result;
    }
    return this.#record(object as Record<string, unknown>, walk, depth);
  }

  /**
   * An array. Header shapes have their secret values redacted: a `[name, value]` tuple whose value is a string,
   * a number or a list of strings (`['set-cookie', ['sid=…']]`), and a flat list of names and values (Node's
   * `rawHeaders`: an even number of strings).
   */
  #array(array: readonly unknown[], walk: Walk, depth: number): unknown[] {
    const { items, more } = boundedItems(array);
    if (items.length === 2 && more === 0 && typeof items[0] === 'string' && isHeaderValue(items[1])) return this.#pair(items[0], items[1], walk, depth);
    if (more === 0 && items.length >= 4 && items.length % 2 === 0 && items.every((item) => typeof item === 'string')) {
      return items.map((item, index) => (index % 2 === 1 && this.#keys.isSecret(items[index - 1] as string) ? REDACTED : this.#walk(item, walk, depth)));
    }
    const result = items.map((item) => this.#walk(item, walk, depth) ?? null);
    if (more > 0) result.push(moreMarker(more));
    return result;
  }

  /** A `[key, value]` pair (a Map entry, a header tuple): the value of a secret key is redacted. */
  #pair(key: unknown, item: unknown, walk: Walk, depth: number): unknown[] {
    const secret = typeof key === 'string' && this.#keys.isSecret(key);
    return [this.#walk(key, walk, depth) ?? null, secret ? REDACTED : (this.#walk(item, walk, depth) ?? null)];
  }

  /**
   * An object's own enumerable fields, each read once (an unreadable one is `'[unreadable]'`). A field with a
   * secret key is redacted; so is the `value` of a header pair (`{ name: 'Authorization', value }`).
   */
  #record(object: Record<string, unknown>, walk: Walk, depth: number): Record<string, unknown> {
    const { keys, more } = boundedKeys(object);
    const values: unknown[] = new Array(keys.length);
    let label: unknown;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      try {
        values[index] = object[key];
      } catch {
        values[index] = UNREADABLE;
      }
      if (LABEL_KEYS.has(key.toLowerCase())) label ??= values[index];
    }
    // A name/value pair is small: `{ name, value }` (any casing, `key`/`header`/`ParameterKey` for the name,
    // `val`/`ParameterValue` for the value), with a few more fields at most (a type, a version, flags).
    const valueKey = keys.find((key) => VALUE_KEYS.has(key.toLowerCase()));
    const secretValue = keys.length <= MAX_PAIR_FIELDS && typeof label === 'string' && valueKey !== undefined && this.#keys.isSecret(label);
    const result: Record<string, unknown> = {};
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      const secret = this.#keys.isSecret(key) || (secretValue && key === valueKey);
      const converted = secret ? REDACTED : this.#walk(values[index], walk, depth);
      if (converted !== undefined) defineValue(result, key, converted);
    }
    if (more > 0) result['…'] = moreMarker(more);
    return result;
  }
}

/** The keys that name a header pair's header, and those that hold its value (compared in lower case). */
const LABEL_KEYS: ReadonlySet<string> = new Set(['name', 'key', 'header', 'parameterkey', 'parametername', 'variable']);
const VALUE_KEYS: ReadonlySet<string> = new Set(['value', 'val', 'parametervalue']);

/**
 * The most fields a name/value pair may have: a header has two or three (HAR's comment); a cloud parameter or CI
 * variable (AWS SSM, GitLab, Vercel, a form field) up to seven. A task event has a `name` and a `value` too, and
 * eight fields or more: its value is the task's result, not a parameter's.
 */
const MAX_PAIR_FIELDS = 7;

/** What a header's value is: a string, a number, or a list of strings (a pair whose second item is an object is not a header). */
function isHeaderValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
}

/**
 * Whether `value` is an error: an `Error`, or one from another realm (a `vm` context, a test environment),
 * which `instanceof Error` misses but `Object.prototype.toString` names.
 */
function isErrorLike(value: unknown): value is Error {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
}

function read(get: () => unknown): unknown {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function readString(get: () => unknown, fallback: string): string {
  const value = read(get);
  return typeof value === 'string' ? value : fallback;
}
