import type { EventModel } from '../publisher/event-model';
import type { TaskEvent } from '../tasks/task-event';
import { safeJsonStringify } from './safe-json';

/**
 * The layout of an agentflow stream entry, version 1. Every entry has these fields:
 *
 * - `v`: `'1'`, the layout version;
 * - `kind`: `'event'` (an {@link EventModel}) or `'task'` (a task lifecycle event);
 * - `type`: `'<event>.<eventType>'` for an event (e.g. `'node_execution.end'`), the task event's `type` otherwise
 *   (e.g. `'completed'`);
 * - `workerId`: who wrote it;
 * - `json`: the whole event as JSON (never-throwing conversion: `Error`s become `{ name, message, code? }`);
 *
 * and, when the event has them, `runId` and `threadId`, so that `redis-cli XRANGE` and other readers can filter
 * without parsing the JSON.
 */
export const STREAM_ENTRY_VERSION = '1';

/** The field/value list of the entry of a published event. */
export function encodeEventEntry(event: EventModel, workerId: string): string[] {
  const fields = ['v', STREAM_ENTRY_VERSION, 'kind', 'event', 'type', `${event.event}.${event.eventType}`, 'workerId', workerId];
  if (typeof event.runId === 'string') fields.push('runId', event.runId);
  if (typeof event.threadId === 'string') fields.push('threadId', event.threadId);
  fields.push('json', safeJsonStringify(event));
  return fields;
}

/** The field/value list of the entry of a mirrored task event. */
export function encodeTaskEventEntry(event: TaskEvent, workerId: string): string[] {
  const fields = ['v', STREAM_ENTRY_VERSION, 'kind', 'task', 'type', event.type, 'workerId', workerId];
  const runId = event.context.runId;
  const threadId = event.context.threadId;
  if (typeof runId === 'string') fields.push('runId', runId);
  if (typeof threadId === 'string') fields.push('threadId', threadId);
  fields.push('json', safeJsonStringify(event));
  return fields;
}
