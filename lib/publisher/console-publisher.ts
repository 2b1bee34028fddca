import log from 'loglevel';
import { checkLogger, checkOneOf } from '../internal/validate';
import { describeValue, quoteName } from '../internal/describe-value';
import { BasePublisher, type BasePublisherOptions } from './base-publisher';
import type { EventModel } from './event-model';

/** The name of the loglevel logger {@link ConsolePublisher} writes to unless given another. */
export const CONSOLE_PUBLISHER_LOGGER_NAME = 'agentflow.publisher';

const LEVELS: readonly log.LogLevelNames[] = ['trace', 'debug', 'info', 'warn', 'error'];

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
  readonly logger?: log.Logger;
  /** The level of the line of each event; an event with `isError` is always written at `error`. Default `'info'`. */
  readonly level?: log.LogLevelNames;
}

/**
 * A publisher that writes one line per event through loglevel, for development and debugging.
 *
 * A line reads `graph_execution.start run=<runId> thread=<threadId>`, followed by `node='name'` for node events
 * and by the content and data when there are any; everything is on one line, control characters escaped.
 *
 * @example
 * ```ts
 * const graph = new StateGraph<State>({ publisher: new ConsolePublisher() });
 * // node_execution.end node='summarize' run=1f0c... thread=t-1 data={"update":{"summary":"..."}}
 * ```
 */
export class ConsolePublisher extends BasePublisher {
  readonly #logger: log.Logger;
  readonly #level: log.LogLevelNames;

  /**
   * @param options - see {@link ConsolePublisherOptions}.
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   */
  constructor(options: ConsolePublisherOptions = {}) {
    super(options);
    checkLogger('logger', options.logger);
    checkOneOf('level', options.level, LEVELS);
    this.#logger = options.logger ?? defaultConsoleLogger();
    this.#level = options.level ?? 'info';
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
    this.#logger[level](formatEventLine(event));
  }
}

/** The event on one line: kind and type, then the fields that are set. */
function formatEventLine(event: EventModel): string {
  const parts = [`${event.event}.${event.eventType}`];
  if (event.nodeName !== undefined) parts.push(`node=${quoteName(event.nodeName)}`);
  parts.push(`run=${event.runId ?? '-'}`, `thread=${event.threadId ?? '-'}`);
  if (event.userId !== undefined) parts.push(`user=${event.userId}`);
  if (event.content !== '') parts.push(describeValue(event.content));
  if (Object.keys(event.data).length > 0) parts.push(`data=${describeValue(event.data)}`);
  return parts.join(' ');
}

/** loglevel's default level is `warn`, which would hide every line: the logger starts at `info` if we create it. */
function defaultConsoleLogger(): log.Logger {
  const existed = CONSOLE_PUBLISHER_LOGGER_NAME in log.getLoggers();
  const logger = log.getLogger(CONSOLE_PUBLISHER_LOGGER_NAME);
  if (!existed) logger.setDefaultLevel('info');
  return logger;
}
