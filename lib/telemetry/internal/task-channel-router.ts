import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { TASK_CHANNELS, type TaskChannelMessage, type TaskSettledMessage } from '../../tasks/task-channels';

/** What an instrumentation of one manager hears of its tasks. */
export interface TaskChannelListener {
  settled(message: TaskSettledMessage): void;
  workStopped(message: TaskChannelMessage): void;
}

/**
 * One subscription per lifecycle channel for every instrumentation of the process, routing each message to the
 * instrumentation of its manager: a task costs one map lookup however many managers are instrumented (a
 * subscription each would call every instrumentation for every task of every manager).
 */
const listeners = new Map<object, TaskChannelListener>();

const onSettled = (message: unknown): void => listeners.get((message as TaskSettledMessage).manager)?.settled(message as TaskSettledMessage);
const onWorkStopped = (message: unknown): void =>
  listeners.get((message as TaskChannelMessage).manager)?.workStopped(message as TaskChannelMessage);

/** Whether `manager` has an instrumentation listening already. */
export function isRouted(manager: object): boolean {
  return listeners.has(manager);
}

/**
 * Routes `manager`'s lifecycle messages to `listener` (the caller checked {@link isRouted}).
 *
 * @returns the function that stops it (idempotent); the channels are left once no manager is routed.
 */
export function routeTaskChannels(manager: object, listener: TaskChannelListener): () => void {
  if (listeners.size === 0) {
    subscribe(TASK_CHANNELS.settled, onSettled);
    subscribe(TASK_CHANNELS.workStopped, onWorkStopped);
  }
  listeners.set(manager, listener);
  return () => {
    if (listeners.get(manager) !== listener) return;
    listeners.delete(manager);
    if (listeners.size > 0) return;
    unsubscribe(TASK_CHANNELS.settled, onSettled);
    unsubscribe(TASK_CHANNELS.workStopped, onWorkStopped);
  };
}
