import { channel } from 'node:diagnostics_channel';
import type { TaskOutcome } from '../task-outcome';
import type { AnyTaskRun } from './task-run';

/** The channel names (documented, and exported, as `TASK_CHANNELS` in `task-channels.ts`). */
export const TASK_CHANNEL_NAMES = Object.freeze({
  created: 'agentflow:task:created',
  started: 'agentflow:task:started',
  settled: 'agentflow:task:settled',
  workStopped: 'agentflow:task:work_stopped',
} as const);

/** The lifecycle channels, made once (a channel object lives as long as it has subscribers, or is held). */
export const taskChannels = {
  created: channel(TASK_CHANNEL_NAMES.created),
  started: channel(TASK_CHANNEL_NAMES.started),
  settled: channel(TASK_CHANNEL_NAMES.settled),
  workStopped: channel(TASK_CHANNEL_NAMES.workStopped),
};

/** Publishes `created`, `started` or `workStopped` for `run`; the caller checked `hasSubscribers`. */
export function publishTask(which: 'created' | 'started' | 'workStopped', manager: object, run: AnyTaskRun): void {
  taskChannels[which].publish({ manager, task: run });
}

/** Publishes `settled` for `run`, which has its outcome; the caller checked `hasSubscribers`. */
export function publishSettled(manager: object, run: AnyTaskRun, outcome: TaskOutcome<unknown>): void {
  taskChannels.settled.publish({ manager, task: run, outcome, detached: run.workRunning });
}
