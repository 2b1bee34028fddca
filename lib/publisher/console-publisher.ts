import log, { type Logger } from 'loglevel';
import type { AgentflowLogger } from '../logging/agentflow-logger';
import type { RedactOption } from '../redaction/redaction-rules';
import { Redactor } from '../redaction/redactor';
import { describeValue, oneLine, quoteName } from '../util/describe-value';
import { checkLogger, checkOneOf, checkPlainObject, readOptions } from '../util/validate';
import { BasePublisher, type BasePublisherOptions } from './base-publisher';
import type { EventModel } from './event-model';

/** The name of the loglevel logger {@link ConsolePublisher} writes to unless given another. */
export const CONSOLE_PUBLISHER_LOGGER_NAME = 'agentflow.publisher';

/** The levels a line can be written at. */
const LEVELS: readonly ConsolePublisherLevel[] = ['debug', 'info', 'warn', 'error'];

/** The level of a {@link ConsolePublisher}'s lines. */
export type ConsolePublisherLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Options of the {@link ConsolePublisher} constructor.
 *
 * @example
 * ```ts
 * const publisher = new ConsolePublisher({ logger: log.getLogger('my-app.events'), level: 'debug' });
 * ```
 */
export interface ConsolePublisherOptions extends BasePublisherOptions {
  /**
   * Where to write. Default: loglevel's `agentflow.publisher` logger, set to level `info` when this publisher
   * creates it (a level you set on it before is kept).
   */
  readonly logger?: AgentflowLogger;
  /** The level of the line of each event; an event with `isError` is always written at `error`. Default `'info'`. */
  readonly level?: ConsolePublisherLevel;
  /**
   * What is kept out of the lines: see {@link RedactOption} and {@link Redactor}. Default: the default rules
   * ({@link DEFAULT_REDACT_KEYS}, {@link DEFAULT_REDACT_VALUE_RULES}); `false` writes events as they are.
   */
  readonly redact?: RedactOption;
}

/**
 * A publisher that writes one line per event through loglevel, for development and debugging.
 *
 * A line reads `graph_execution.start run=<runId> thread=<threadId>`, followed by `node='name'` for node events
 * and by the content and data when there are any; everything is on one line, control characters escaped, and
 * secrets redacted (the `redact` option: graph state included).
 *
 * @example
 * ```ts
 * const graph = new StateGraph<State>({ publisher: new ConsolePublisher() });
 * // node_execution.end node='summarize' run=1f0c... thread=t-1 data={"update":{"summary":"..."}}
 * ```
 */
export class ConsolePublisher extends BasePublisher {
  readonly #logger: AgentflowLogger;
  readonly #level: ConsolePublisherLevel;
  readonly #redactor: Redactor;

  /**
   * @param options - see {@link ConsolePublisherOptions}.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   */
  constructor(options: ConsolePublisherOptions = {}) {
    checkPlainObject('options', options);
    const settings = readOptions('options', options, ['logger', 'level', 'publishTimeoutMs', 'redact']);
    super(settings.publishTimeoutMs === undefined ? {} : { publishTimeoutMs: settings.publishTimeoutMs });
    checkLogger('logger', settings.logger);
    checkOneOf('level', settings.level, LEVELS);
    this.#logger = settings.logger ?? defaultConsoleLogger();
    this.#level = settings.level ?? 'info';
    this.#redactor = settings.redact === undefined ? Redactor.DEFAULT : new Redactor(settings.redact);
  }

  /**
   * Writes the event's line.
   *
   * @param event - the event.
   * @returns a resolved promise.
   * @example
   * ```ts
   * await new ConsolePublisher().publish(createGraphExecutionEvent('end', { runId: 'run-1' }));
   * ```
   */
  async publish(event: EventModel): Promise<void> {
    const level = event.isError ? 'error' : this.#level;
    (this.#logger[level] as (line: string) => unknown)(formatEventLine(asRecord(this.#redactor.redact(event))));
  }
}

/** The event (a redacted, JSON-safe copy: any field may be missing or a placeholder) on one line. */
function formatEventLine(event: Readonly<Record<string, unknown>>): string {
  const text = (value: unknown): string => oneLine(typeof value === 'string' ? value : '-');
  const parts = [`${text(event['event'])}.${text(event['eventType'])}`];
  if (typeof event['nodeName'] === 'string') parts.push(`node=${quoteName(event['nodeName'])}`);
  parts.push(`run=${text(event['runId'])}`, `thread=${text(event['threadId'])}`);
  if (typeof event['userId'] === 'string') parts.push(`user=${oneLine(event['userId'])}`);
  const { content, data } = event;
  if (content !== '' && content !== undefined) parts.push(describeValue(content));
  if (typeof data === 'object' && data !== null && Object.keys(data).length > 0) parts.push(`data=${describeValue(data)}`);
  return parts.join(' ');
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** loglevel's default level is `warn`, which would hide every line: the logger starts at `info` if we create it. */
function defaultConsoleLogger(): Logger {
  const existed = CONSOLE_PUBLISHER_LOGGER_NAME in log.getLoggers();
  const logger = log.getLogger(CONSOLE_PUBLISHER_LOGGER_NAME);
  if (!existed) logger.setDefaultLevel('info');
  return logger;
}
