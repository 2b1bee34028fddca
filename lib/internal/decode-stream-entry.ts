import { createEvent, type EventModelInit } from '../publisher/create-event';
import type { EventModel } from '../publisher/event-model';
import type { MirroredTaskEvent, StreamEntry } from '../redis/stream-entry';
import type { TaskEventType } from '../tasks/task-event';
import { describeValue } from './describe-value';
import type { RawStreamEntry } from './redis-stream-replies';

/** The outcome of decoding one entry: the entry, or why it could not be decoded. */
export type DecodeResult = { readonly entry: StreamEntry } | { readonly problem: string };

const TASK_EVENT_TYPES: readonly TaskEventType[] = ['created', 'started', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped'];

const EVENT_MODEL_KEYS = [
  'event',
  'eventType',
  'content',
  'data',
  'contentType',
  'nodeName',
  'runId',
  'threadId',
  'userId',
  'timestamp',
  'isError',
  'metadata',
] as const;

/**
 * Decodes an entry written by `encode-stream-entry.ts` (layout version 1). It never throws: an entry written
 * by something else, or damaged, yields a `problem` saying what is wrong with it.
 */
export function decodeStreamEntry(raw: RawStreamEntry): DecodeResult {
  const kind = raw.fields.get('kind');
  const json = raw.fields.get('json');
  const workerId = raw.fields.get('workerId');
  if (json === undefined) return { problem: `entry ${raw.id} has no 'json' field` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { problem: `entry ${raw.id} has a 'json' field that is not JSON: ${describeValue(json, 80)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `entry ${raw.id} has a 'json' field that is not an object` };
  }
  const object = parsed as Record<string, unknown>;
  if (kind === 'event') return decodeEvent(raw.id, workerId, object);
  if (kind === 'task') return decodeTaskEvent(raw.id, workerId, object);
  return { problem: `entry ${raw.id} has an unknown 'kind': ${describeValue(kind)}` };
}

function decodeEvent(streamId: string, workerId: string | undefined, object: Record<string, unknown>): DecodeResult {
  const init: Record<string, unknown> = {};
  for (const key of EVENT_MODEL_KEYS) {
    if (object[key] !== undefined && object[key] !== null) init[key] = object[key];
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
  if (isFiniteNumber(object.timeoutMs)) event.timeoutMs = object.timeoutMs;
  if (isFiniteNumber(object.durationMs)) event.durationMs = object.durationMs;
  if ('error' in object) event.error = object.error;
  if ('reason' in object) event.reason = object.reason;
  return { entry: { kind: 'task', streamId, workerId, event: Object.freeze(event) as unknown as MirroredTaskEvent } };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
