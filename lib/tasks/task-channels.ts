import type { BackgroundTaskManager } from './background-task-manager';
import { TASK_CHANNEL_NAMES } from './internal/task-diagnostics';
import type { TaskHandle } from './task-handle';
import type { TaskOutcome } from './task-outcome';

/**
 * The names of the `node:diagnostics_channel` channels on which every manager publishes its tasks' lifecycle, as
 * undici and Node's own `http` publish theirs: an APM or a test subscribes without the library knowing it.
 * Publishing costs nothing while a channel has no subscriber (`channel.hasSubscribers` is checked first).
 *
 * - `created`: a task was accepted ({@link TaskChannelMessage}), published inside `createTask()`, in the caller's
 *   async context, after the manager booked it;
 * - `started`: its work was called;
 * - `settled`: it reached its final status ({@link TaskSettledMessage}), after the books (status, counts, `done`,
 *   waiters) and before the log line; a task refused at `createTask()` (dropped) is published here only;
 * - `workStopped`: work that outlived its task (detached: it ignored its signal) stopped.
 *
 * A subscriber that throws is Node's business: `diagnostics_channel` reports it as an uncaught exception on the
 * next tick, as it does for every channel; the task's outcome is settled before and never changes.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(TASK_CHANNELS.settled, (message) => {
 *   const { task, outcome } = message as TaskSettledMessage;
 *   if (outcome.status === 'failed') console.error(`${task.name} failed`);
 * });
 * ```
 */
export const TASK_CHANNELS: TaskChannelNames = TASK_CHANNEL_NAMES;

/**
 * The names in {@link TASK_CHANNELS}.
 *
 * @example
 * ```ts
 * const name: TaskChannelNames['settled'] = 'agentflow:task:settled';
 * ```
 */
export interface TaskChannelNames {
  /** A task was accepted: {@link TaskChannelMessage}, in the caller's async context. */
  readonly created: 'agentflow:task:created';
  /** A task's work was called: {@link TaskChannelMessage}. */
  readonly started: 'agentflow:task:started';
  /** A task reached its final status: {@link TaskSettledMessage}. */
  readonly settled: 'agentflow:task:settled';
  /** Work that outlived its task stopped: {@link TaskChannelMessage}. */
  readonly workStopped: 'agentflow:task:work_stopped';
}

/**
 * What the `created`, `started` and `workStopped` channels of {@link TASK_CHANNELS} publish.
 *
 * @example
 * ```ts
 * subscribe(TASK_CHANNELS.created, (message) => console.log((message as TaskChannelMessage).task.name));
 * ```
 */
export interface TaskChannelMessage {
  /** The task's manager. */
  readonly manager: BackgroundTaskManager;
  /** The task (its id, name, context, status...): the same handle `createTask()` returned. */
  readonly task: TaskHandle<unknown>;
}

/**
 * What the `settled` channel of {@link TASK_CHANNELS} publishes.
 *
 * @example
 * ```ts
 * subscribe(TASK_CHANNELS.settled, (message) => {
 *   const { outcome, detached } = message as TaskSettledMessage;
 *   console.log(outcome.status, outcome.durationMs, detached);
 * });
 * ```
 */
export interface TaskSettledMessage extends TaskChannelMessage {
  /** How it ended (the value `done` resolved with). */
  readonly outcome: TaskOutcome<unknown>;
  /** Whether its work is still running (it ignored its signal): `workStopped` follows when it stops. */
  readonly detached: boolean;
}
