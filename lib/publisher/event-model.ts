/**
 * What an event is about: a whole graph run, one node, a tool call, or a piece of streamed output.
 *
 * @example
 * ```ts
 * const kind: EventKind = 'node_execution';
 * ```
 */
export type EventKind = 'graph_execution' | 'node_execution' | 'tool_execution' | 'streaming';

/** Every {@link EventKind}, for validation and for UIs that filter on it. */
export const EVENT_KINDS: readonly EventKind[] = ['graph_execution', 'node_execution', 'tool_execution', 'streaming'];

/**
 * Which step of its subject an event reports.
 *
 * @example
 * ```ts
 * const failed = (event: EventModel) => event.eventType === 'error';
 * ```
 */
export type EventType = 'start' | 'progress' | 'result' | 'end' | 'update' | 'error' | 'interrupted';

/** Every {@link EventType}, for validation and for UIs that filter on it. */
export const EVENT_TYPES: readonly EventType[] = ['start', 'progress', 'result', 'end', 'update', 'error', 'interrupted'];

/**
 * One event for publishers: what a graph run, a node or a tool did, as `publishEvent()` hands it to a
 * {@link BasePublisher}. Build one with {@link createEvent} (or its helpers), which fills in the defaults.
 *
 * @example
 * ```ts
 * const event: EventModel = createNodeExecutionEvent('summarize', 'end', {
 *   runId: config.runId,
 *   threadId: config.threadId,
 *   data: { update },
 * });
 * ```
 */
export interface EventModel {
  /** What the event is about. */
  readonly event: EventKind;
  /** Which step it reports. */
  readonly eventType: EventType;
  /** Human-readable content: a message, a chunk of streamed text, an error message. Default `''`. */
  readonly content: string;
  /** Structured payload: a state, a state update, a tool's arguments or result. Default `{}`. */
  readonly data: Readonly<Record<string, unknown>>;
  /** What `content`/`data` hold, e.g. `'text'`, `'state'`, `'update'`, `'error'`. Default `'text'`. */
  readonly contentType: string;
  /** The node concerned, for node and tool events. */
  readonly nodeName: string | undefined;
  /** The graph run it belongs to. */
  readonly runId: string | undefined;
  /** The conversation thread it belongs to (the run config's `threadId`). */
  readonly threadId: string | undefined;
  /** The user it belongs to (the run config's `userId`). */
  readonly userId: string | undefined;
  /** When it happened, in milliseconds since the epoch. */
  readonly timestamp: number;
  /** Whether it reports a failure. Default: `true` exactly when `eventType` is `'error'`. */
  readonly isError: boolean;
  /** Anything else worth keeping with it (step number, durations...). Default `{}`. */
  readonly metadata: Readonly<Record<string, unknown>>;
}
