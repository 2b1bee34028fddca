import type { EventModel } from '../publisher/event-model';
import type { TaskContext } from '../tasks/task-context';
import type { TaskEventType } from '../tasks/task-event';

/**
 * A task lifecycle event as it comes back from the stream: the fields of a {@link TaskEvent}, after a trip
 * through JSON.
 *
 * Values that JSON cannot carry are converted on the way out: an `Error` (a failed task's `error`, a
 * cancellation's or timeout's `reason`) arrives as `{ name, message, code? }`, a BigInt as `'123n'`, a cycle as
 * `'[Circular]'`; functions and `undefined` fields are left out.
 *
 * @example
 * ```ts
 * subscriber.events$.subscribe((entry) => {
 *   if (entry.kind === 'task' && entry.event.type === 'failed') console.log(entry.workerId, entry.event.error);
 * });
 * ```
 */
export interface MirroredTaskEvent {
  /** Which lifecycle step (see {@link TaskEvent}). */
  readonly type: TaskEventType;
  /** Position in the worker's manager's event order. */
  readonly seq: number;
  /** When it happened (milliseconds since the epoch). */
  readonly timestamp: number;
  /** The task's id, unique within its worker's manager. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** The task's context metadata, as JSON carried it. */
  readonly context: TaskContext;
  /** `'created'` only: the task's timeout, `undefined` when it has none. */
  readonly timeoutMs?: number;
  /** Final events only: milliseconds from creation. */
  readonly durationMs?: number;
  /** `'failed'` only: what the work threw, an `Error` arriving as `{ name, message, code? }`. */
  readonly error?: unknown;
  /** `'cancelled'`, `'timed_out'` and `'dropped'` only: why, an `Error` arriving as `{ name, message, code? }`. */
  readonly reason?: unknown;
}

/**
 * The fields every {@link StreamEntry} carries.
 *
 * @example
 * ```ts
 * subscriber.events$.subscribe((entry: StreamEntryBase) => console.log(entry.streamId, entry.workerId));
 * ```
 */
export interface StreamEntryBase {
  /** The entry's id in the stream, e.g. `'1718000000000-0'`. */
  readonly streamId: string;
  /** The worker that wrote it: the publisher's `workerId`, or the one given to `mirrorTaskEvents()`. */
  readonly workerId: string | undefined;
}

/**
 * An {@link EventModel} read back from the stream (written by {@link RedisStreamsPublisher.publish}).
 *
 * @example
 * ```ts
 * subscriber.events$.subscribe((entry) => {
 *   if (entry.kind === 'event') console.log(entry.event.event, entry.event.eventType, entry.event.runId);
 * });
 * ```
 */
export interface StreamEventEntry extends StreamEntryBase {
  /** Discriminant: `'event'`. */
  readonly kind: 'event';
  /** The event, rebuilt with {@link createEvent}; its `data` and `metadata` are what JSON carried. */
  readonly event: EventModel;
}

/**
 * A task lifecycle event read back from the stream (written by {@link mirrorTaskEvents}).
 *
 * @example
 * ```ts
 * subscriber.events$.subscribe((entry) => {
 *   if (entry.kind === 'task') console.log(`${entry.workerId}: task ${entry.event.id} ${entry.event.type}`);
 * });
 * ```
 */
export interface StreamTaskEntry extends StreamEntryBase {
  /** Discriminant: `'task'`. */
  readonly kind: 'task';
  /** The worker whose manager emitted it. */
  readonly workerId: string;
  /** The event. */
  readonly event: MirroredTaskEvent;
}

/**
 * One entry of an agentflow stream, decoded, as {@link RedisStreamsSubscriber.events$} emits it: a union on `kind`.
 *
 * @example
 * ```ts
 * subscriber.events$.subscribe((entry: StreamEntry) => {
 *   switch (entry.kind) {
 *     case 'event': console.log(entry.streamId, entry.event.event, entry.event.eventType); break;
 *     case 'task': console.log(entry.streamId, entry.workerId, entry.event.type, entry.event.name); break;
 *   }
 * });
 * ```
 */
export type StreamEntry = StreamEventEntry | StreamTaskEntry;
