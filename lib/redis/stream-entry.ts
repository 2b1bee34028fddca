import type { EventModel } from '../publisher/event-model';
import type { ManagerState } from '../tasks/shutdown-stats';
import type { TaskContext } from '../tasks/task-context';
import type { TaskCounts } from '../tasks/task-counts';
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
 * One task in flight in a worker's heartbeat, as JSON carried it (its context redacted).
 *
 * @example
 * ```ts
 * if (entry.kind === 'heartbeat') for (const task of entry.heartbeat.tasks) console.log(task.id, task.name, task.status);
 * ```
 */
export interface MirroredTaskInfo {
  /** The task's id, unique within its worker's manager. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** `'pending'` or `'running'`. */
  readonly status: 'pending' | 'running';
  /** When it was created (milliseconds since the epoch, the worker's clock). */
  readonly createdAt: number;
  /** Its timeout, `undefined` when it has none. */
  readonly timeoutMs?: number;
  /** Its context metadata, redacted, as JSON carried it. */
  readonly context: TaskContext;
  /** The run it was created in (redacted), when it has one (see `TaskTags`). */
  readonly runId?: string;
  /** The thread of that run (redacted), when it has one. */
  readonly threadId?: string;
  /** The node of that run that created it, when it has one. */
  readonly nodeName?: string;
}

/**
 * What a worker says of itself every `heartbeatMs` (see {@link mirrorTaskEvents}): the truth at one moment, which
 * a viewer takes in place of what it derived from events, so that it converges after lost events.
 *
 * @example
 * ```ts
 * if (entry.kind === 'heartbeat') console.log(entry.workerId, entry.heartbeat.counts.active, entry.heartbeat.state);
 * ```
 */
export interface MirroredHeartbeat {
  /** When the worker took it (milliseconds since the epoch, the worker's clock). */
  readonly timestamp: number;
  /** How often the worker sends one, in milliseconds. */
  readonly heartbeatMs: number;
  /** A random id of the mirror that sent it: a worker restarted under the same `workerId` sends another one. */
  readonly instance: string;
  /** The `seq` of the last task event the worker emitted before it: task entries up to it are reflected here. */
  readonly seq: number;
  /** The worker's manager's state. */
  readonly state: ManagerState;
  /**
   * The counts of the tasks the worker mirrors (those `publishEvent()` creates left out unless
   * `includePublishTasks`), as a viewer counts them from its task events: tasks created and finished since the
   * mirror started, and `active`, its tasks in flight now.
   */
  readonly counts: TaskCounts;
  /** Its tasks in flight, oldest first, at most `maxHeartbeatTasks` (those `publishEvent()` creates left out unless mirrored). */
  readonly tasks: readonly MirroredTaskInfo[];
  /** Tasks in flight left out of `tasks` (beyond `maxHeartbeatTasks`). */
  readonly tasksOmitted: number;
  /** Whether the worker obeys commands from viewers (its mirror was started with `control: true`). */
  readonly control: boolean;
}

/**
 * A heartbeat read back from the stream (written by {@link mirrorTaskEvents} every `heartbeatMs`, and once when it starts).
 *
 * @example
 * ```ts
 * subscriber.events$.subscribe((entry) => {
 *   if (entry.kind === 'heartbeat') console.log(`${entry.workerId}: ${entry.heartbeat.counts.active} active`);
 * });
 * ```
 */
export interface StreamHeartbeatEntry extends StreamEntryBase {
  /** Discriminant: `'heartbeat'`. */
  readonly kind: 'heartbeat';
  /** The worker that sent it. */
  readonly workerId: string;
  /** What the worker said of itself. */
  readonly heartbeat: MirroredHeartbeat;
}

/**
 * The last entry of a worker's mirror (written by its `stop()`): the worker left on purpose.
 *
 * @example
 * ```ts
 * subscriber.events$.subscribe((entry) => {
 *   if (entry.kind === 'worker_stopped') console.log(`${entry.workerId} stopped`, entry.stopped.counts);
 * });
 * ```
 */
export interface StreamWorkerStoppedEntry extends StreamEntryBase {
  /** Discriminant: `'worker_stopped'`. */
  readonly kind: 'worker_stopped';
  /** The worker that stopped. */
  readonly workerId: string;
  /** When it stopped, and how it stood then. */
  readonly stopped: {
    /** When it stopped (milliseconds since the epoch, the worker's clock). */
    readonly timestamp: number;
    /** The mirror's instance (see {@link MirroredHeartbeat.instance}). */
    readonly instance: string;
    /** The `seq` of the last task event the worker emitted before it stopped. */
    readonly seq: number;
    /** Its manager's state then. */
    readonly state: ManagerState;
    /** Its counts then (as in {@link MirroredHeartbeat.counts}). */
    readonly counts: TaskCounts;
  };
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
 *     case 'heartbeat': console.log(entry.streamId, entry.workerId, entry.heartbeat.counts); break;
 *     case 'worker_stopped': console.log(entry.streamId, entry.workerId, 'stopped'); break;
 *   }
 * });
 * ```
 */
export type StreamEntry = StreamEventEntry | StreamTaskEntry | StreamHeartbeatEntry | StreamWorkerStoppedEntry;
