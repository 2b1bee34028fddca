import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { checkBoolean, checkOneOf, checkPlainObject, checkString, readOwn } from '../util/validate';
import { EVENT_KINDS, EVENT_TYPES, type EventKind, type EventModel, type EventType } from './event-model';

/**
 * The fields of a new {@link EventModel}: `event` and `eventType` are required, every other one has a default.
 *
 * @example
 * ```ts
 * const init: EventModelInit = { event: 'tool_execution', eventType: 'result', nodeName: 'search', data: { hits: 3 } };
 * ```
 */
export interface EventModelInit {
  /** What the event is about. */
  readonly event: EventKind;
  /** Which step it reports. */
  readonly eventType: EventType;
  /** Default `''`. */
  readonly content?: string;
  /** Default `{}`. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Default `'text'`. */
  readonly contentType?: string;
  /** Default `undefined`. */
  readonly nodeName?: string;
  /** Default `undefined`. */
  readonly runId?: string;
  /** Default `undefined`. */
  readonly threadId?: string;
  /** Default `undefined`. */
  readonly userId?: string;
  /** Default `Date.now()`. */
  readonly timestamp?: number;
  /** Default: `eventType === 'error'`. */
  readonly isError?: boolean;
  /** Default `{}`. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * The fields of an event whose `event` (and, for node events, `nodeName`) a helper sets.
 *
 * @example
 * ```ts
 * const fields: EventFields = { runId: config.runId, threadId: config.threadId, content: 'done' };
 * ```
 */
export type EventFields = Omit<EventModelInit, 'event' | 'eventType'>;

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** The fields an event is made from (what `createEvent()` reads of its `init`). */
export const EVENT_MODEL_KEYS: readonly (keyof EventModelInit & string)[] = [
  'event',
  'eventType',
  'content',
  'data',
  'contentType',
  'nodeName',
  'runId',
  'threadId',
  'userId',
  'timestamp',
  'isError',
  'metadata',
];

/**
 * Builds a frozen {@link EventModel}, filling in the defaults.
 *
 * @param given - `event` and `eventType`, and any other field.
 * @returns the event.
 * @throws {@link InvalidArgumentError} when a field has the wrong type or `event`/`eventType` is unknown.
 * @example
 * ```ts
 * publishEvent(createEvent({ event: 'streaming', eventType: 'progress', content: chunk, threadId: config.threadId }));
 * ```
 */
export function createEvent(given: EventModelInit): EventModel {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new InvalidArgumentError('init', 'a plain object', given);
  }
  // Each field read once, own properties only (an inherited `runId` or `data` is not the caller's).
  const init = readOwn('init', given, EVENT_MODEL_KEYS) as EventModelInit;
  checkOneOf('event', init.event, EVENT_KINDS);
  checkOneOf('eventType', init.eventType, EVENT_TYPES);
  if (init.event === undefined) throw new InvalidArgumentError('event', `one of ${EVENT_KINDS.join(', ')}`, init.event);
  if (init.eventType === undefined) {
    throw new InvalidArgumentError('eventType', `one of ${EVENT_TYPES.join(', ')}`, init.eventType);
  }
  for (const key of ['content', 'contentType', 'nodeName', 'runId', 'threadId', 'userId'] as const) checkString(key, init[key]);
  checkPlainObject('data', init.data);
  checkPlainObject('metadata', init.metadata);
  checkBoolean('isError', init.isError);
  if (init.timestamp !== undefined && !Number.isFinite(init.timestamp)) {
    throw new InvalidArgumentError('timestamp', 'a finite number (milliseconds since the epoch)', init.timestamp);
  }
  return Object.freeze({
    event: init.event,
    eventType: init.eventType,
    content: init.content ?? '',
    data: init.data ?? EMPTY,
    contentType: init.contentType ?? 'text',
    nodeName: init.nodeName,
    runId: init.runId,
    threadId: init.threadId,
    userId: init.userId,
    timestamp: init.timestamp ?? Date.now(),
    isError: init.isError ?? init.eventType === 'error',
    metadata: init.metadata ?? EMPTY,
  });
}

/**
 * Builds a `graph_execution` event (a whole run started, ended, failed or was interrupted).
 *
 * @param eventType - which step of the run.
 * @param fields - any other field.
 * @returns the event.
 * @throws {@link InvalidArgumentError} as {@link createEvent} does.
 * @example
 * ```ts
 * publishEvent(createGraphExecutionEvent('start', { runId: config.runId, threadId: config.threadId }));
 * ```
 */
export function createGraphExecutionEvent(eventType: EventType, fields: EventFields = {}): EventModel {
  return createEvent({ ...fields, event: 'graph_execution', eventType });
}

/**
 * Builds a `node_execution` event about one node.
 *
 * @param nodeName - the node.
 * @param eventType - which step of the node.
 * @param fields - any other field.
 * @returns the event.
 * @throws {@link InvalidArgumentError} as {@link createEvent} does.
 * @example
 * ```ts
 * publishEvent(createNodeExecutionEvent('fetch', 'progress', { content: '3 of 10 pages', threadId: config.threadId }));
 * ```
 */
export function createNodeExecutionEvent(nodeName: string, eventType: EventType, fields: EventFields = {}): EventModel {
  return createEvent({ ...fields, event: 'node_execution', eventType, nodeName });
}
