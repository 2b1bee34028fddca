import { Redactor } from '../redaction/redactor';
import { UNREADABLE } from '../util/bounded-walk';
import { escapeControlCharacters, readText } from '../util/describe-value';
import { noop } from '../util/noop';
import { followPromise, isInstanceOf } from '../util/promises';
import type { AgentflowLogger } from './agentflow-logger';
import { getDefaultLogger } from './default-logger';

/** The level names the library logs at, from the most to the least verbose. */
export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields of a log line, for the loggers that take them (see {@link AgentflowLogger}). */
export type LogFields = Readonly<Record<string, unknown>>;

/** loglevel's numeric levels: a level is enabled when `getLevel()` is at or below it. */
const LOGLEVEL_LEVELS: Readonly<Record<LogLevelName, number>> = { debug: 1, info: 2, warn: 3, error: 4 };

/** The longest stack written (16 KiB): the frames that matter come first. */
const MAX_STACK_LENGTH = 16 * 1024;

/** How a logger wants its arguments: see {@link AgentflowLogger}. */
type LoggerStyle = 'text' | 'pino' | 'winston';

/** Where the library's own code logs. None of it throws. */
export interface LogSink {
  /** Whether a line at `level` would be written (so that its text is only built when it will be). */
  isEnabled(level: LogLevelName): boolean;
  /** Whether the logger takes structured fields (pino, winston): only then are they worth building. */
  readonly structured: boolean;
  /**
   * Writes one line, with its fields and an error where the logger takes them. `stack: false` leaves the error's
   * stack out (an operational failure, such as a publisher whose broker is down, is its message alone).
   */
  log(level: LogLevelName, message: string, fields?: LogFields, error?: unknown, stack?: boolean): void;
  /**
   * A user value (an error, a reason) described for a message: redacted first, on the whole of every string,
   * then escaped and cut to one line (see `Redactor.describe`). Escaping first would hide secrets from the rules.
   */
  describe(value: unknown): string;
  debug(message: string, error?: unknown): void;
  info(message: string, error?: unknown): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

/**
 * A user's logger behind a guard, speaking its dialect (see {@link AgentflowLogger}): a logger that throws (a
 * stream closed during shutdown: "write after end"), or whose methods return a promise that rejects, never
 * changes an outcome. What it throws or rejects with is swallowed and counted in {@link failures}; a level check
 * that throws counts as the level disabled.
 *
 * An error is never handed to the logger as the object itself (whose getters the logger would run): a text
 * logger gets the message (one line) and, as a second argument, the stack's frames on lines of their own (the
 * stack's first line, the error's name and message, is already in the message: it is not repeated); a
 * structured one gets `exception.type`, `exception.message` and `exception.stacktrace`, read safely.
 *
 * It is the one way out of the process for log lines: every message has the redactor's value rules applied,
 * every field is redacted (key and value rules), and so is an error's text; a stack's lines have their control
 * characters escaped (its line breaks stay), so one log call cannot forge another line.
 */
export class GuardedLogger implements LogSink {
  readonly #logger: AgentflowLogger;
  readonly #style: LoggerStyle;
  readonly #redactor: Redactor;
  #failures = 0;

  /**
   * @param logger - the logger; default the library's loglevel logger (`agentflow.utils`).
   * @param redactor - what keeps secrets out of the lines; default the default rules.
   */
  constructor(logger: AgentflowLogger = getDefaultLogger(), redactor: Redactor = Redactor.DEFAULT) {
    this.#logger = logger;
    this.#style = styleOf(logger);
    this.#redactor = redactor;
  }

  /** How many calls to the logger threw or rejected. */
  get failures(): number {
    return this.#failures;
  }

  get structured(): boolean {
    return this.#style !== 'text';
  }

  isEnabled(level: LogLevelName): boolean {
    const logger = this.#logger as { getLevel?: unknown; isLevelEnabled?: unknown };
    try {
      if (typeof logger.getLevel === 'function') return (logger.getLevel as () => number)() <= LOGLEVEL_LEVELS[level];
      if (typeof logger.isLevelEnabled === 'function') return (logger.isLevelEnabled as (level: string) => boolean)(level) === true;
      return true;
    } catch {
      this.#failures++;
      return false;
    }
  }

  log(level: LogLevelName, message: string, fields?: LogFields, error?: unknown, stack = true): void {
    const text = this.#redactor.text(message);
    switch (this.#style) {
      case 'pino':
        this.#call(level, [this.#fields(fields, error, stack), text]);
        return;
      case 'winston':
        this.#call(level, [text, this.#fields(fields, error, stack)]);
        return;
      case 'text': {
        // The message stays one line; the stack's frames are a second argument, starting on a line of their own.
        // A console-style logger reads its first argument as a format when more follow: its `%` are doubled.
        const frames = error === undefined || !stack ? undefined : framesOf(error);
        if (frames === undefined) this.#call(level, [text]);
        else this.#call(level, [text.replaceAll('%', '%%'), `\n${indented(this.#stackText(frames))}`]);
      }
    }
  }

  describe(value: unknown): string {
    return this.#redactor.describe(value);
  }

  /** The fields of a structured line, redacted, with the error's exception fields. */
  #fields(fields: LogFields | undefined, error: unknown, stack: boolean): LogFields {
    const redacted = fields === undefined ? {} : this.#redactor.record(fields);
    if (error === undefined) return redacted;
    if (!isInstanceOf(error, Error)) {
      // Not an Error (a thrown object, an array, a string): described from its redacted copy, never `String()`-ed.
      redacted['exception.message'] = this.#redactor.describe(error);
      return redacted;
    }
    const exception = exceptionFields(error, stack);
    for (const key of Object.keys(exception)) {
      const value = exception[key];
      redacted[key] = typeof value === 'string' ? (key === 'exception.stacktrace' ? this.#stackText(value) : this.#redactor.text(value)) : value;
    }
    return redacted;
  }

  /**
   * A stack (or its frames) for a log line: secrets redacted first (escaping would hide the word boundaries the
   * rules look for), then each line's control characters escaped; its own line breaks stay.
   */
  #stackText(stack: string): string {
    return this.#redactor
      .text(stack.slice(0, MAX_STACK_LENGTH))
      .split('\n')
      .map((line) => escapeControlCharacters(line))
      .join('\n');
  }

  debug(message: string, error?: unknown): void {
    this.log('debug', message, undefined, error);
  }

  info(message: string, error?: unknown): void {
    this.log('info', message, undefined, error);
  }

  warn(message: string, error?: unknown): void {
    this.log('warn', message, undefined, error);
  }

  error(message: string, error?: unknown): void {
    this.log('error', message, undefined, error);
  }

  #call(level: LogLevelName, args: unknown[]): void {
    let result: unknown;
    try {
      result = (this.#logger[level] as (...args: unknown[]) => unknown).apply(this.#logger, args);
    } catch {
      this.#failures++;
      return;
    }
    // A logger whose methods are async: a rejection is a failure too, never an unhandled one.
    if (result !== undefined && result !== null && (typeof result === 'object' || typeof result === 'function')) {
      followPromise(result, noop, this.#failed);
    }
  }

  readonly #failed = (): void => {
    this.#failures++;
  };
}

/** Which dialect a logger speaks, from the methods it has (read safely: a logger is user code too). */
function styleOf(logger: AgentflowLogger): LoggerStyle {
  const candidate = logger as { bindings?: unknown; isLevelEnabled?: unknown; log?: unknown };
  try {
    if (typeof candidate.bindings === 'function') return 'pino';
    if (typeof candidate.isLevelEnabled === 'function' && typeof candidate.log === 'function') return 'winston';
  } catch {
    // a logger whose properties throw: plain text, and its failures are counted when it is called
  }
  return 'text';
}

/** An error's stack, when it is an `Error` whose stack can be read as a string. */
function stackOf(error: unknown): string | undefined {
  if (!isInstanceOf(error, Error)) return undefined;
  const stack = readText(() => error.stack);
  return stack === UNREADABLE ? undefined : stack;
}

/**
 * An error's stack without its first line when that line is the error's `name: message` (as V8 writes it), which
 * the log line already says; the whole stack otherwise (a stack someone wrote by hand). `undefined` when there
 * is no stack, or nothing after its header.
 */
export function framesOf(error: unknown): string | undefined {
  const stack = stackOf(error);
  if (stack === undefined) return undefined;
  const name = readText(() => (error as Error).name);
  const message = readText(() => (error as Error).message);
  const header = message === '' ? name : `${name}: ${message}`;
  if (header === UNREADABLE || !stack.startsWith(header)) return stack;
  const frames = stack.slice(header.length).replace(/^\r?\n/, '');
  return frames === '' ? undefined : frames;
}

/**
 * Frames for a text log line, each starting with white space: only the message starts a line at column 0, so a
 * stack set by hand (or a frame's file name) cannot pass for another log line.
 */
function indented(frames: string): string {
  return frames
    .split('\n')
    .map((line) => (/^\s/.test(line) ? line : `    ${line}`))
    .join('\n');
}

/** OpenTelemetry's exception attributes of an error, read safely (`exception.stacktrace` only when `stack`). */
function exceptionFields(error: unknown, stack: boolean): LogFields {
  if (!isInstanceOf(error, Error)) return { 'exception.message': readText(() => String(error)) };
  const stacktrace = stack ? stackOf(error) : undefined;
  return {
    'exception.type': readText(() => error.name),
    'exception.message': readText(() => error.message),
    ...(stacktrace === undefined ? {} : { 'exception.stacktrace': stacktrace }),
  };
}

let defaultGuardedLogger: GuardedLogger | undefined;

/** The library's default logger behind a guard (one shared instance), for code that is not given a logger. */
export function defaultLog(): GuardedLogger {
  defaultGuardedLogger ??= new GuardedLogger(getDefaultLogger());
  return defaultGuardedLogger;
}
