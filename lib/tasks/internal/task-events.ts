import type { TaskEvent } from '../task-event';
import type { AnyTaskRun } from './task-run';

/** The `created` event of a task. */
export function createdEvent(run: AnyTaskRun, seq: number): TaskEvent {
  const { id, name, context, tags } = run;
  const { runId, threadId, nodeName } = tags;
  return { type: 'created', seq, timestamp: run.createdAt, id, name, context, runId, threadId, nodeName, timeoutMs: run.timeoutMs };
}

/** The `started` event of a task, stamped now. */
export function startedEvent(run: AnyTaskRun, seq: number): TaskEvent {
  const { id, name, context, tags } = run;
  const { runId, threadId, nodeName } = tags;
  return { type: 'started', seq, timestamp: Date.now(), id, name, context, runId, threadId, nodeName };
}

/**
 * The final event of a settled task, built from its outcome. Its timestamp is the wall-clock time of creation
 * plus the monotonic duration, so that a wall-clock step cannot reorder a task's own events.
 */
export function finalEvent(run: AnyTaskRun, seq: number): TaskEvent {
  const { id, name, context, outcome, tags } = run;
  const { runId, threadId, nodeName } = tags;
  if (outcome === undefined) throw new Error(`Task ${id} has no outcome yet`);
  const { durationMs } = outcome;
  const timestamp = Math.round(run.createdAt + durationMs);
  switch (outcome.status) {
    case 'completed':
      return { type: 'completed', seq, timestamp, id, name, context, runId, threadId, nodeName, durationMs };
    case 'failed':
      return { type: 'failed', seq, timestamp, id, name, context, runId, threadId, nodeName, error: outcome.error, durationMs };
    case 'cancelled':
      return { type: 'cancelled', seq, timestamp, id, name, context, runId, threadId, nodeName, reason: outcome.reason, durationMs };
    case 'timed_out':
      return { type: 'timed_out', seq, timestamp, id, name, context, runId, threadId, nodeName, reason: outcome.reason, durationMs };
    case 'dropped':
      return { type: 'dropped', seq, timestamp, id, name, context, runId, threadId, nodeName, reason: outcome.reason, durationMs };
  }
}
