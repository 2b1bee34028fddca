/*
 * The one codec of agentflow stream entries: how an event is written to a Redis stream (encode) and read back
 * (decode). Both directions live here so that the layout cannot drift apart.
 */
import { createEvent, EVENT_MODEL_KEYS, type EventModelInit } from '../../publisher/create-event';
import type { EventModel } from '../../publisher/event-model';
import type { ManagerState } from '../../tasks/shutdown-stats';
import type { TaskCounts } from '../../tasks/task-counts';
import type { TaskEvent, TaskEventType } from '../../tasks/task-event';
import type { Redactor } from '../../redaction/redactor';
import { describeValue } from '../../util/describe-value';
import { ownFields } from '../../util/own-fields';
import { taskEventJson } from './task-event-json';
import type { MirroredHeartbeat, MirroredTaskEvent, MirroredTaskInfo, StreamEntry } from '../stream-entry';
import type { RawStreamEntry } from './redis-stream-replies';

/**
 * The layout of an agentflow stream entry, version 1. Every entry has these fields:
 *
 * - `v`: `'1'`, the layout version;
 * - `kind`: `'event'` (an {@link EventModel}), `'task'` (a task lifecycle event), `'heartbeat'` (a worker's
 *   counts, state and tasks in flight) or `'worker_stopped'` (a worker's last entry);
 * - `type`: `'<event>.<eventType>'` for an event (e.g. `'node_execution.end'`), the task event's `type` for a task
 *   event (e.g. `'completed'`), the `kind` otherwise;
 * - `workerId`: who wrote it;
 * - `json`: the whole event as JSON, redacted (see `Redactor`: secrets replaced, `Error`s become
 *   `{ name, message, code?, cause? }`, never throwing);
 *
 * and, when the event has them, `runId` and `threadId` (redacted like any text), so that `redis-cli XRANGE` and
 * other readers can filter without parsing the JSON.
 */
export const STREAM_ENTRY_VERSION = '1';

/** The field/value list of the entry of a published event. */
export function encodeEventEntry(event: EventModel, workerId: string, redactor: Redactor): string[] {
  const fields = ['v', STREAM_ENTRY_VERSION, 'kind', 'event', 'type', `${event.event}.${event.eventType}`, 'workerId', workerId];
  if (typeof event.runId === 'string') fields.push('runId', redactor.text(event.runId));
  if (typeof event.threadId === 'string') fields.push('threadId', redactor.text(event.threadId));
  fields.push('json', redactor.stringify(event));
  return fields;
}

/**
 * The field/value list of the entry of a mirrored task event.
 *
 * @throws TypeError when the event cannot be read as a task event any more (its `type` changed into a throwing
 * getter or a value of another kind, by an `events$` subscriber): the caller counts it as dropped.
 */
export function encodeTaskEventEntry(event: TaskEvent, workerId: string, redactor: Redactor): string[] {
  const type: unknown = event.type;
  // an entry is strings only: a type an events$ subscriber changed into something else is no task event any more
  if (typeof type !== 'string') throw new TypeError(`a task event's type must be a string, got ${describeValue(type)}`);
  const json = taskEventJson(event, redactor);
  // the task's run and thread: its own tags, or (for a task created outside a run) its context's fields
  const runId = readTag(event, 'runId') ?? readContextField(event, 'runId');
  const threadId = readTag(event, 'threadId') ?? readContextField(event, 'threadId');
  // One array of the final length: growing one by push() cost 360 bytes per entry, a third of the encoding's.
  if (typeof runId !== 'string' && typeof threadId !== 'string') {
    return ['v', STREAM_ENTRY_VERSION, 'kind', 'task', 'type', type, 'workerId', workerId, 'json', json];
  }
  const fields = ['v', STREAM_ENTRY_VERSION, 'kind', 'task', 'type', type, 'workerId', workerId];
  if (typeof runId === 'string') fields.push('runId', redactor.text(runId));
  if (typeof threadId === 'string') fields.push('threadId', redactor.text(threadId));
  fields.push('json', json);
  return fields;
}

/** The field/value list of a worker's heartbeat (its tasks' contexts redacted, like every `json`). */
export function encodeHeartbeatEntry(heartbeat: MirroredHeartbeat, workerId: string, redactor: Redactor): string[] {
  return ['v', STREAM_ENTRY_VERSION, 'kind', 'heartbeat', 'type', 'heartbeat', 'workerId', workerId, 'json', redactor.stringify(heartbeat)];
}

/** The field/value list of a worker's last entry. */
export function encodeWorkerStoppedEntry(
  stopped: { readonly timestamp: number; readonly instance: string; readonly seq: number; readonly state: ManagerState; readonly counts: TaskCounts },
  workerId: string,
  redactor: Redactor,
): string[] {
  return ['v', STREAM_ENTRY_VERSION, 'kind', 'worker_stopped', 'type', 'worker_stopped', 'workerId', workerId, 'json', redactor.stringify(stopped)];
}

/** A run tag of a task event (a string), read without throwing (an events$ subscriber may have made it a getter). */
function readTag(event: TaskEvent, key: 'runId' | 'threadId'): string | undefined {
  try {
    const value: unknown = event[key];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A field of a task event's context, read without throwing (a getter may, the context's or the event's). */
function readContextField(event: TaskEvent, key: string): unknown {
  try {
    const context: unknown = event.context;
    return typeof context === 'object' && context !== null && Object.hasOwn(context, key) ? (context as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/** The longest `workerId` an entry may carry: a longer one is refused as damaged (it names a process, not a file). */
export const MAX_WORKER_ID_LENGTH = 1_024;

/** The outcome of decoding one entry: the entry, or why it could not be decoded. */
export type DecodeResult = { readonly entry: StreamEntry } | { readonly problem: string };

const TASK_EVENT_TYPES: readonly TaskEventType[] = ['created', 'started', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped'];


/**
 * Decodes an entry written by the encoders above (layout version 1). It never throws: an entry written
 * by something else, or damaged, yields a `problem` saying what is wrong with it.
 */
export function decodeStreamEntry(raw: RawStreamEntry): DecodeResult {
  // Field values are read as unknown: a reply is data from the network, whatever the parser promised.
  const fields = raw.fields as ReadonlyMap<string, unknown>;
  const kind = fields.get('kind');
  const json = fields.get('json');
  const workerId = fields.get('workerId');
  if (json === undefined) return { problem: `entry ${raw.id} has no 'json' field` };
  if (typeof json !== 'string') return { problem: `entry ${raw.id} has a 'json' field that is not a string` };
  if (workerId !== undefined && typeof workerId !== 'string') {
    return { problem: `entry ${raw.id} has a 'workerId' field that is not a string: ${describeValue(workerId, 80)}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { problem: `entry ${raw.id} has a 'json' field that is not JSON: ${describeValue(json, 80)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `entry ${raw.id} has a 'json' field that is not an object` };
  }
  // Without a prototype: a field the entry lacks reads as undefined, even under a polluted Object.prototype.
  const object = ownFields(parsed);
  if (kind === 'event') return decodeEvent(raw.id, workerId, object);
  if (workerId !== undefined && workerId.length > MAX_WORKER_ID_LENGTH) {
    return { problem: `entry ${raw.id} has a workerId of ${workerId.length} characters (at most ${MAX_WORKER_ID_LENGTH})` };
  }
  if (kind === 'task') return decodeTaskEvent(raw.id, workerId, object);
  if (kind === 'heartbeat') return decodeHeartbeat(raw.id, workerId, object);
  if (kind === 'worker_stopped') return decodeWorkerStopped(raw.id, workerId, object);
  return { problem: `entry ${raw.id} has an unknown 'kind': ${describeValue(kind)}` };
}

function decodeEvent(streamId: string, workerId: string | undefined, object: Record<string, unknown>): DecodeResult {
  const init: Record<string, unknown> = {};
  for (const key of EVENT_MODEL_KEYS) {
    if (object[key] !== undefined && object[key] !== null) init[key] = object[key]; // own fields only (see ownFields)
  }
  let event: EventModel;
  try {
    event = createEvent(init as unknown as EventModelInit);
  } catch (error) {
    return { problem: `entry ${streamId} is not a valid event: ${describeValue(error)}` };
  }
  return { entry: { kind: 'event', streamId, workerId, event } };
}

function decodeTaskEvent(streamId: string, workerId: string | undefined, object: Record<string, unknown>): DecodeResult {
  if (workerId === undefined || workerId === '') return { problem: `task entry ${streamId} has no 'workerId' field` };
  const { type, seq, timestamp, id, name, context } = object;
  if (!TASK_EVENT_TYPES.includes(type as TaskEventType)) {
    return { problem: `task entry ${streamId} has an unknown type: ${describeValue(type)}` };
  }
  if (!isFiniteNumber(seq) || !isFiniteNumber(timestamp) || !isFiniteNumber(id) || typeof name !== 'string') {
    return { problem: `task entry ${streamId} lacks a numeric seq, timestamp or id, or a name` };
  }
  const isContext = typeof context === 'object' && context !== null && !Array.isArray(context);
  const event: Record<string, unknown> = {
    type,
    seq,
    timestamp,
    id,
    name,
    context: Object.freeze(isContext ? (context as Record<string, unknown>) : {}),
  };
  for (const tag of ['runId', 'threadId', 'nodeName'] as const) if (typeof object[tag] === 'string') event[tag] = object[tag];
  if (isFiniteNumber(object.timeoutMs)) event.timeoutMs = object.timeoutMs;
  if (isFiniteNumber(object.durationMs)) event.durationMs = object.durationMs;
  if ('error' in object) event.error = object.error;
  if ('reason' in object) event.reason = object.reason;
  return { entry: { kind: 'task', streamId, workerId, event: Object.freeze(event) as unknown as MirroredTaskEvent } };
}

const MANAGER_STATES: readonly ManagerState[] = ['running', 'shutting_down', 'shutdown'];
const COUNT_KEYS: readonly (keyof TaskCounts)[] = ['active', 'created', 'completed', 'failed', 'cancelled', 'timedOut', 'dropped'];

/** Task counts as JSON carried them, when every count is a non-negative integer. */
function decodeCounts(value: unknown): TaskCounts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const counts: Record<string, number> = {};
  for (const key of COUNT_KEYS) {
    const count = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    if (!Number.isSafeInteger(count) || (count as number) < 0) return undefined;
    counts[key] = count as number;
  }
  return Object.freeze(counts) as unknown as TaskCounts;
}

/** One task of a heartbeat, when it has the fields a task needs. */
function decodeTaskInfo(value: unknown): MirroredTaskInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, name, status, createdAt, timeoutMs, context, runId, threadId, nodeName } = ownFields(value);
  if (!isFiniteNumber(id) || typeof name !== 'string' || (status !== 'pending' && status !== 'running') || !isFiniteNumber(createdAt)) {
    return undefined;
  }
  const isContext = typeof context === 'object' && context !== null && !Array.isArray(context);
  const task: Record<string, unknown> = { id, name, status, createdAt, context: Object.freeze(isContext ? (context as Record<string, unknown>) : {}) };
  if (isFiniteNumber(timeoutMs)) task.timeoutMs = timeoutMs;
  if (typeof runId === 'string') task.runId = runId;
  if (typeof threadId === 'string') task.threadId = threadId;
  if (typeof nodeName === 'string') task.nodeName = nodeName;
  return Object.freeze(task) as unknown as MirroredTaskInfo;
}

function decodeHeartbeat(streamId: string, workerId: string | undefined, object: Record<string, unknown>): DecodeResult {
  if (workerId === undefined || workerId === '') return { problem: `heartbeat entry ${streamId} has no 'workerId' field` };
  const { timestamp, heartbeatMs, instance, seq, state, tasks, tasksOmitted } = object;
  const counts = decodeCounts(object.counts);
  if (!isFiniteNumber(timestamp) || !isFiniteNumber(heartbeatMs) || !isFiniteNumber(seq) || typeof instance !== 'string') {
    return { problem: `heartbeat entry ${streamId} lacks a numeric timestamp, heartbeatMs or seq, or an instance` };
  }
  if (!MANAGER_STATES.includes(state as ManagerState) || counts === undefined || !Array.isArray(tasks)) {
    return { problem: `heartbeat entry ${streamId} lacks a state, whole counts or a task list` };
  }
  const decoded: MirroredTaskInfo[] = [];
  let omitted = isFiniteNumber(tasksOmitted) ? tasksOmitted : 0;
  for (const task of tasks) {
    const info = decodeTaskInfo(task);
    if (info === undefined) omitted++;
    else decoded.push(info);
  }
  const heartbeat: MirroredHeartbeat = Object.freeze({
    timestamp,
    heartbeatMs,
    instance,
    seq,
    state: state as ManagerState,
    counts,
    tasks: Object.freeze(decoded),
    tasksOmitted: omitted,
    control: object.control === true,
  });
  return { entry: { kind: 'heartbeat', streamId, workerId, heartbeat } };
}

function decodeWorkerStopped(streamId: string, workerId: string | undefined, object: Record<string, unknown>): DecodeResult {
  if (workerId === undefined || workerId === '') return { problem: `worker_stopped entry ${streamId} has no 'workerId' field` };
  const { timestamp, instance, seq, state } = object;
  const counts = decodeCounts(object.counts);
  if (!isFiniteNumber(timestamp) || typeof instance !== 'string' || !isFiniteNumber(seq)) {
    return { problem: `worker_stopped entry ${streamId} lacks a numeric timestamp or seq, or an instance` };
  }
  if (!MANAGER_STATES.includes(state as ManagerState) || counts === undefined) {
    return { problem: `worker_stopped entry ${streamId} lacks a state or whole counts` };
  }
  const stopped = Object.freeze({ timestamp, instance, seq, state: state as ManagerState, counts });
  return { entry: { kind: 'worker_stopped', streamId, workerId, stopped } };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

