/*
 * The JSON of a mirrored task event, written field by field. A task event is the manager's own record of known
 * fields (see `task-events.ts` in the tasks area): only its name, context, error and reason are user values, and only
 * those go through the redactor's walk. Walking the whole event cost three quarters of a mirrored entry's encoding
 * (1.76 us and 1.35 KB allocated against 0.43 us per event, Node 20, bench 11's events), most of it in the walk's
 * copy of the event and JSON.stringify of that copy.
 */
import type { Redactor } from '../../redaction/redactor';
import { EMPTY_TASK_CONTEXT } from '../../tasks/task-context';
import type { TaskEvent, TaskEventType } from '../../tasks/task-event';

/** The fields each type of task event has after the common ones, in the order the manager writes them. */
const TRAILING_FIELDS: Readonly<Record<TaskEventType, readonly ('timeoutMs' | 'error' | 'reason' | 'durationMs')[]>> = {
  created: ['timeoutMs'],
  started: [],
  completed: ['durationMs'],
  failed: ['error', 'durationMs'],
  cancelled: ['reason', 'durationMs'],
  timed_out: ['reason', 'durationMs'],
  dropped: ['reason', 'durationMs'],
};

/** Beyond this, a name takes the walk's path, whose text budget it could reach. */
const MAX_FAST_NAME_LENGTH = 1_024;

/**
 * `redactor.stringify(event)` for a task event, without walking the event's own fields: the same JSON, field for
 * field, whenever the walk's limits are far away (a name under 1,024 characters; the walk's budgets then apply to
 * the context, the error and the reason each on its own). It never throws; what is not a task event of the known
 * shape (or has a `toJSON`, own or inherited) goes through `redactor.stringify` whole.
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
    const { type, seq, timestamp, id, name, context } = event;
    if (typeof type !== 'string' || !Object.hasOwn(TRAILING_FIELDS, type)) return redactor.stringify(event);
    if (typeof seq !== 'number' || typeof timestamp !== 'number' || typeof id !== 'number') return redactor.stringify(event);
    if (typeof name !== 'string' || name.length > MAX_FAST_NAME_LENGTH) return redactor.stringify(event);
    if (typeof context !== 'object' || context === null) return redactor.stringify(event);
    const contextJson = context === EMPTY_TASK_CONTEXT ? '{}' : redactor.stringify(context);
    const head = `{"type":"${type}","seq":${number(seq)},"timestamp":${number(timestamp)},"id":${number(id)},"name":${fastPath.nameJson(name)},"context":${contextJson}`;
    return `${head}${trailingJson(event, TRAILING_FIELDS[type as TaskEventType], redactor)}}`;
  } catch {
    return redactor.stringify(event);
  }
}

/** The JSON of the fields after the context (`,"durationMs":12` …), as the walk writes them. */
function trailingJson(event: TaskEvent, fields: readonly string[], redactor: Redactor): string {
  let json = '';
  for (const field of fields) {
    const value = (event as unknown as Record<string, unknown>)[field];
    // as the walk does: a number as JSON writes it, what JSON leaves out (undefined, a function) left out
    const redacted = typeof value === 'number' ? value : redactor.redact(value);
    if (redacted !== undefined) json += `,"${field}":${typeof redacted === 'number' ? number(redacted) : JSON.stringify(redacted)}`;
  }
  return json;
}

/** How many task names a redactor's fast path remembers the JSON of; past it, it starts over. */
const MAX_CACHED_NAMES = 1_000;

/** The field-by-field path for one redactor: the JSON of each task name, redacted, kept (names repeat). */
class FastPath {
  readonly #redactor: Redactor;
  readonly #names = new Map<string, string>();

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  nameJson(name: string): string {
    let json = this.#names.get(name);
    if (json === undefined) {
      json = JSON.stringify(this.#redactor.text(name));
      if (this.#names.size >= MAX_CACHED_NAMES) this.#names.clear();
      this.#names.set(name, json);
    }
    return json;
  }
}

/** Per redactor: its fast path, or `null` when its rules would redact a field name or a type name. */
const fastPaths = new WeakMap<Redactor, FastPath | null>();

/**
 * The fast path for `redactor`, when the field-by-field JSON equals the walk's under its rules: a key rule that
 * matched a field name (`id`, `name`, `context`…) or a value rule that matched a type name would redact them in the
 * walk. Rules never change once a redactor is made, so the answer is kept.
 */
function fastPathOf(redactor: Redactor): FastPath | undefined {
  let fastPath = fastPaths.get(redactor);
  if (fastPath === undefined) {
    const fields = ['type', 'seq', 'timestamp', 'id', 'name', 'context', 'timeoutMs', 'error', 'reason', 'durationMs'];
    const types = Object.keys(TRAILING_FIELDS);
    const fits = fields.every((field) => !redactor.isSecretKey(field)) && types.every((type) => redactor.text(type) === type);
    fastPath = fits ? new FastPath(redactor) : null;
    fastPaths.set(redactor, fastPath);
  }
  return fastPath ?? undefined;
}

/** A number as JSON writes it (`null` for one that is not finite). */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}
