import type { TaskDroppedError } from '../errors/task-dropped-error';
import type { TaskTimeoutError } from '../errors/task-timeout-error';
import type { TaskContext } from './task-context';
import type { TaskTags } from './task-tags';

/**
 * The fields every task event carries.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((event: TaskEventBase) => console.log(event.seq, event.type, event.name));
 * ```
 */
export interface TaskEventBase {
  /** Position in the manager's event order; strictly increasing. */
  readonly seq: number;
  /** When it happened (milliseconds since the epoch). */
  readonly timestamp: number;
  /** The task's id. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** The task's context metadata. */
  readonly context: TaskContext;
  /** The run the task was created in (see {@link TaskTags}); `undefined` (or absent) outside a run. */
  readonly runId?: string | undefined;
  /** The thread of that run; `undefined` (or absent) when none. */
  readonly threadId?: string | undefined;
  /** The node of that run that created the task; `undefined` (or absent) when none. */
  readonly nodeName?: string | undefined;
}

/**
 * A task was accepted.
 *
 * @example
 * ```ts
 * manager.events$.pipe(filter((e): e is TaskCreatedEvent => e.type === 'created')).subscribe(console.log);
 * ```
 */
export interface TaskCreatedEvent extends TaskEventBase {
  /** Discriminant: `'created'`. */
  readonly type: 'created';
  /** The task's timeout, or `undefined`. */
  readonly timeoutMs: number | undefined;
}

/**
 * A task's work started.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((e) => { if (e.type === 'started') console.log(`${e.name} started`); });
 * ```
 */
export interface TaskStartedEvent extends TaskEventBase {
  /** Discriminant: `'started'`. */
  readonly type: 'started';
}

/**
 * A task's work finished.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((e) => { if (e.type === 'completed') console.log(`${e.name} took ${e.durationMs} ms`); });
 * ```
 */
export interface TaskCompletedEvent extends TaskEventBase {
  /** Discriminant: `'completed'`. */
  readonly type: 'completed';
  /** Milliseconds from creation. */
  readonly durationMs: number;
}

/**
 * A task's work threw or rejected.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((e) => { if (e.type === 'failed') report(e.error); });
 * ```
 */
export interface TaskFailedEvent extends TaskEventBase {
  /** Discriminant: `'failed'`. */
  readonly type: 'failed';
  /** What the work threw or rejected with. */
  readonly error: unknown;
  /** Milliseconds from creation. */
  readonly durationMs: number;
}

/**
 * A task was cancelled.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((e) => { if (e.type === 'cancelled') console.log(e.reason); });
 * ```
 */
export interface TaskCancelledEvent extends TaskEventBase {
  /** Discriminant: `'cancelled'`. */
  readonly type: 'cancelled';
  /** Its signal's reason: a `TaskCancelledError`, a `TaskDroppedError` (`'drop-oldest'`) or the caller's reason. */
  readonly reason: unknown;
  /** Milliseconds from creation. */
  readonly durationMs: number;
}

/**
 * A task reached its timeout.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((e) => { if (e.type === 'timed_out') console.warn(e.reason.message); });
 * ```
 */
export interface TaskTimedOutEvent extends TaskEventBase {
  /** Discriminant: `'timed_out'`. */
  readonly type: 'timed_out';
  /** The timeout error its signal was aborted with. */
  readonly reason: TaskTimeoutError;
  /** Milliseconds from creation. */
  readonly durationMs: number;
}

/**
 * A task was refused (`'drop-newest'`, `'reject'`, or after shutdown): its work never ran.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((e) => { if (e.type === 'dropped') console.warn(`${e.name} dropped: ${e.reason.dropReason}`); });
 * ```
 */
export interface TaskDroppedEvent extends TaskEventBase {
  /** Discriminant: `'dropped'`. */
  readonly type: 'dropped';
  /** Why it was refused. */
  readonly reason: TaskDroppedError;
  /** Always 0: the work never ran. */
  readonly durationMs: number;
}

/**
 * One step of a task's lifecycle, as `events$` and `handle.events$` emit it: a union on `type`.
 *
 * Every accepted task emits `'created'`, then `'started'` unless it was cancelled first, then exactly one of
 * `'completed'`, `'failed'`, `'cancelled'`, `'timed_out'`. A refused task emits only `'dropped'`.
 *
 * @example
 * ```ts
 * manager.events$.subscribe((event) => {
 *   switch (event.type) {
 *     case 'failed': console.error(event.name, event.error); break;
 *     case 'timed_out': console.warn(event.reason.message); break;
 *   }
 * });
 * ```
 */
export type TaskEvent =
  | TaskCreatedEvent
  | TaskStartedEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TaskCancelledEvent
  | TaskTimedOutEvent
  | TaskDroppedEvent;

/**
 * The `type` of a {@link TaskEvent}.
 *
 * @example
 * ```ts
 * const finalTypes: TaskEventType[] = ['completed', 'failed', 'cancelled', 'timed_out', 'dropped'];
 * ```
 */
export type TaskEventType = TaskEvent['type'];
