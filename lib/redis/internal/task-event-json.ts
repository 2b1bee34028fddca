/*
 * The JSON of a mirrored task event, written field by field. A task event is the manager's own record of known
 * fields (see `task-events.ts` in the tasks area): walking the event object itself (its keys, the rules for each
 * key, a copy, then JSON.stringify of the copy) cost three quarters of a mirrored entry's encoding (1.76 us and
 * 1.35 KB allocated against 0.43 us per event, Node 20, bench 11's events). Only its user values (the context, the
 * error or the reason) go through the redactor's walk, one walk for all of them with the event as their owner, so
 * the limits and the circular-reference check are those of `redactor.stringify(event)`.
 */
import type { Redactor } from '../../redaction/redactor';
import { EMPTY_TASK_CONTEXT } from '../../tasks/task-context';
import type { TaskEvent, TaskEventType } from '../../tasks/task-event';

/** Every field of each type of task event, in the order the manager writes them. */
const FIELDS: Readonly<Record<TaskEventType, readonly string[]>> = {
  created: ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'runId', 'threadId', 'nodeName', 'timeoutMs'],
  started: ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'runId', 'threadId', 'nodeName'],
  completed: ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'runId', 'threadId', 'nodeName', 'durationMs'],
  failed: ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'runId', 'threadId', 'nodeName', 'error', 'durationMs'],
  cancelled: ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'runId', 'threadId', 'nodeName', 'reason', 'durationMs'],
  timed_out: ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'runId', 'threadId', 'nodeName', 'reason', 'durationMs'],
  dropped: ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'runId', 'threadId', 'nodeName', 'reason', 'durationMs'],
};

/** The run tags every task event carries after its context (strings, or `undefined`). */
const TAG_FIELDS = ['runId', 'threadId', 'nodeName'] as const;

/** The user value after the context, by type (`error` or `reason`), if any. */
const USER_VALUE: Readonly<Record<TaskEventType, 'error' | 'reason' | undefined>> = {
  created: undefined,
  started: undefined,
  completed: undefined,
  failed: 'error',
  cancelled: 'reason',
  timed_out: 'reason',
  dropped: 'reason',
};

/** Beyond this, a name takes the whole walk's path (the walk's text budget counts names too). */
const MAX_FAST_NAME_LENGTH = 1_024;

/**
 * `redactor.stringify(event)` for a task event, without walking the event object itself. The same JSON, except
 * within a few nodes and a kilobyte of the walk's limits (its numbers and name are not counted against them): the
 * user values share one walk with the event as their owner, so the entry is bounded as `stringify` bounds it, and a
 * value that points back to the event is `[Circular]` as there. It never throws; what is not a task event of the
 * manager's shape (its fields in its order, numbers where it has numbers, no `toJSON`, own or inherited) goes through
 * `redactor.stringify` whole, and so does every event under rules that would redact a field name.
 *
 * @param event - a task event from a manager's `events$`.
 * @param redactor - the rules (the manager's).
 * @returns the event's JSON, redacted.
 */
export function taskEventJson(event: TaskEvent, redactor: Redactor): string {
  try {
    const fastPath = fastPathOf(redactor);
    if (typeof event !== 'object' || event === null || fastPath === undefined) return redactor.stringify(event);
    if ((event as { toJSON?: unknown }).toJSON !== undefined) return redactor.stringify(event);
    const record = event as unknown as Record<string, unknown>;
    const type = record.type;
    if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) return redactor.stringify(event);
    const fields = FIELDS[type as TaskEventType];
    if (!hasKeys(event, fields)) return redactor.stringify(event);
    const { seq, timestamp, id, name, context } = record;
    if (typeof seq !== 'number' || typeof timestamp !== 'number' || typeof id !== 'number') return redactor.stringify(event);
    if (typeof name !== 'string' || name.length > MAX_FAST_NAME_LENGTH) return redactor.stringify(event);
    const userKey = USER_VALUE[type as TaskEventType];
    const durationMs = fields.includes('durationMs') ? record.durationMs : record.timeoutMs;
    if (durationMs !== undefined && typeof durationMs !== 'number') return redactor.stringify(event);
    let tagsJson = '';
    for (const tag of TAG_FIELDS) {
      const value = record[tag];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value.length > MAX_FAST_NAME_LENGTH) return redactor.stringify(event);
      tagsJson += `,"${tag}":${JSON.stringify(redactor.text(value))}`;
    }
    // the context and the error or reason: one walk, the event their owner (limits shared, cycles found)
    const emptyContext = context === EMPTY_TASK_CONTEXT;
    const user = emptyContext ? (userKey === undefined ? [] : [record[userKey]]) : userKey === undefined ? [context] : [context, record[userKey]];
    const redacted = user.length === 0 ? user : redactor.redactFields(event, user);
    const contextJson = emptyContext ? '{}' : json(redacted[0]);
    const userJson = userKey === undefined ? undefined : json(redacted[emptyContext ? 0 : 1]);
    let text = `{"type":"${type}","seq":${number(seq)},"timestamp":${number(timestamp)},"id":${number(id)},"name":${fastPath.nameJson(name)}`;
    if (contextJson !== undefined) text += `,"context":${contextJson}`;
    text += tagsJson;
    if (userJson !== undefined) text += `,"${userKey as string}":${userJson}`;
    if (durationMs !== undefined) text += `,"${fields[fields.length - 1] as string}":${number(durationMs)}`;
    return `${text}}`;
  } catch {
    return redactor.stringify(event);
  }
}

/** A redacted copy as JSON; `undefined` for what JSON leaves out of an object. */
function json(redacted: unknown): string | undefined {
  return redacted === undefined ? undefined : JSON.stringify(redacted);
}

/**
 * Whether `event`'s enumerable keys are exactly `fields`, in that order (as the manager makes them). A `for...in`
 * reads them without making an array (`Object.keys` cost 100 bytes per event); it also sees inherited enumerable
 * keys, and an event with any (a polluted prototype) takes the walk's path.
 */
function hasKeys(event: object, fields: readonly string[]): boolean {
  let index = 0;
  for (const key in event) {
    if (key !== fields[index]) return false;
    index++;
  }
  return index === fields.length;
}

/** How many task names a fast path remembers the JSON of; past it, it starts over. */
const MAX_CACHED_NAMES = 1_000;

/** The field-by-field path for one redactor: the JSON of each task name, redacted, kept (names repeat). */
class FastPath {
  readonly #redactor: Redactor;
  readonly #names = new Map<string, string>();

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  nameJson(name: string): string {
    let cached = this.#names.get(name);
    if (cached === undefined) {
      cached = JSON.stringify(this.#redactor.text(name));
      if (this.#names.size >= MAX_CACHED_NAMES) this.#names.clear();
      this.#names.set(name, cached);
    }
    return cached;
  }
}

/** Per redactor: its fast path, or `null` when its rules would redact a field name or a type name. */
const fastPaths = new WeakMap<Redactor, FastPath | null>();

/**
 * The fast path for `redactor`, when the field-by-field JSON matches the walk's under its rules: a key rule that
 * matched a field name (`id`, `name`, `context`…) or a value rule that matched a type name would redact them in the
 * walk. Rules never change once a redactor is made, so the answer is kept.
 */
function fastPathOf(redactor: Redactor): FastPath | undefined {
  let fastPath = fastPaths.get(redactor);
  if (fastPath === undefined) {
    const names = [...new Set(Object.values(FIELDS).flat())];
    const fits = names.every((field) => !redactor.isSecretKey(field)) && Object.keys(FIELDS).every((type) => redactor.text(type) === type);
    fastPath = fits ? new FastPath(redactor) : null;
    fastPaths.set(redactor, fastPath);
  }
  return fastPath ?? undefined;
}

/** A number as JSON writes it (`null` for one that is not finite). */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}
