/**
 * What the dashboard remembers of finished tasks, server-side and bounded, in memory (a restart starts it again),
 * so that a failure stays findable after a burst of other tasks and after a reload: the last `maxCompleted`
 * completed tasks, the last `maxProblems` failed, timed-out, cancelled and dropped ones (kept longer: they are
 * what an operator comes looking for), and apart, the last `maxInternal` completed internal tasks. Each
 * record has the task's final status, its lifecycle timeline, its duration, its redacted context, its run, thread
 * and node, and for a failure the error's name, message and stack (redacted, control characters escaped, cut to
 * `maxStackChars`).
 *
 * It also keeps exact totals per final status since it started (it subscribes when the dashboard starts, so it
 * sees every task), split between the user's tasks and the internal ones (`publish_event`, which deliver graph
 * events): the page's cards can then count what its rows show, with or without the internal tasks.
 *
 * The books first: the history is a subscriber of `manager.events$` and reads user values (contexts, errors,
 * reasons) only through the redactor, inside a guard; a value whose reading throws costs its field, never the
 * record, and never the manager (its outcome was settled before the event went out).
 */
import {
  Redactor,
  type BackgroundTaskManager,
  type TaskEvent,
  type TaskEventType,
  type TaskStatus,
} from '../../lib';
import type { Subscription } from 'rxjs';

/** Options of {@link TaskHistory}. */
export interface TaskHistoryOptions {
  /** How many completed tasks to keep. Default `1_000`. */
  readonly maxCompleted?: number;
  /** How many failed, timed-out, cancelled and dropped tasks to keep. Default `2_000`. */
  readonly maxProblems?: number;
  /**
   * How many completed internal tasks to keep, apart from the user's: they are many (one per graph event), and
   * would otherwise crowd the user's completions out. Default `500`.
   */
  readonly maxInternal?: number;
  /** The longest stack kept, in characters (the rest is cut, and marked). Default `4_000`. */
  readonly maxStackChars?: number;
  /** The names of the internal tasks, counted apart. Default `['publish_event']`. */
  readonly internalNames?: readonly string[];
}

/** A final status, as the history records it. */
export type FinalStatus = Exclude<TaskStatus, 'pending' | 'running'>;

/** The final statuses, in the order the page shows them. */
export const FINAL_STATUSES: readonly FinalStatus[] = ['failed', 'timed_out', 'cancelled', 'dropped', 'completed'];

/** One step of a task's life: the event's type and its time (epoch milliseconds). */
export interface TimelineStep {
  readonly type: TaskEventType;
  readonly at: number;
}

/** What the history knows of one task: in flight, or finished. */
export interface TaskRecord {
  readonly id: number;
  readonly name: string;
  readonly status: TaskStatus;
  /** Whether it is one of the internal tasks (see {@link TaskHistoryOptions.internalNames}). */
  readonly internal: boolean;
  readonly timeoutMs: number | undefined;
  /** The context, redacted (JSON data). */
  readonly context: unknown;
  readonly runId: string | undefined;
  readonly threadId: string | undefined;
  readonly nodeName: string | undefined;
  /** Created, started, and the final step, with their times. */
  readonly timeline: readonly TimelineStep[];
  /** From creation to the final status, in milliseconds; `undefined` in flight. */
  readonly durationMs: number | undefined;
  /** A failure's error: name, message and stack, redacted. */
  readonly error: { readonly name: string; readonly message: string; readonly stack: string | undefined } | undefined;
  /** Why it was cancelled, timed out or dropped, on one line, redacted. */
  readonly reason: string | undefined;
}

/** Totals per final status since the history started, plus `created`. */
export type StatusTotals = Record<FinalStatus | 'created', number>;

/** A page of the history, most recent first. */
export interface HistoryPage {
  /** The last task event the history had seen (its `seq`): later events are not in this page. */
  readonly seq: number;
  /** How many records matched the query. */
  readonly total: number;
  readonly records: readonly TaskRecord[];
  /** Totals since start: of the user's tasks, and of the internal ones. */
  readonly totals: { readonly user: StatusTotals; readonly internal: StatusTotals };
  /** How many records each final status holds now (the kept ones). */
  readonly kept: Record<FinalStatus, number>;
  /** Values the history could not read (a throwing getter): each cost a field, not a record. */
  readonly unreadable: number;
}

/** What {@link TaskHistory.page} can filter on. Every text field matches whole values, but `text`, which searches. */
export interface HistoryQuery {
  readonly status?: FinalStatus;
  readonly name?: string;
  readonly runId?: string;
  readonly threadId?: string;
  /** Case-insensitive search in the id, name, run, thread, node, context, error and reason. */
  readonly text?: string;
  /** Whether internal tasks are included. Default `false`. */
  readonly internal?: boolean;
  /** Records to skip, most recent first. Default 0. */
  readonly offset?: number;
  /** Records to give. Default 100, at most {@link MAX_HISTORY_PAGE}. */
  readonly limit?: number;
}

/** The defaults of {@link TaskHistoryOptions}. */
export const DEFAULT_TASK_HISTORY_OPTIONS: Readonly<Required<TaskHistoryOptions>> = Object.freeze({
  maxCompleted: 1_000,
  maxProblems: 2_000,
  maxInternal: 500,
  maxStackChars: 4_000,
  internalNames: Object.freeze(['publish_event']),
});

/** The longest text field kept (a name, a run id, a message, a context's string), in characters. */
const MAX_MESSAGE_CHARS = 1_000;
/** The largest context kept, as JSON characters; a larger one is kept as the start of its JSON text, marked. */
const MAX_CONTEXT_CHARS = 4_000;
/** The most records one page gives: every record the default bounds keep, in one consistent answer. */
export const MAX_HISTORY_PAGE = 5_000;

/** A task in flight, as the history follows it. */
interface Draft {
  readonly created: Extract<TaskEvent, { type: 'created' }>;
  readonly context: unknown;
  startedAt: number | undefined;
}

/**
 * The dashboard's memory of finished tasks (see the module's description).
 *
 * @example
 * ```ts
 * const history = new TaskHistory(manager, { maxProblems: 10_000 });
 * const failures = history.page({ status: 'failed', limit: 20 });
 * history.close();
 * ```
 */
export class TaskHistory {
  readonly #options: Required<TaskHistoryOptions>;
  readonly #redactor = Redactor.DEFAULT;
  readonly #open = new Map<number, Draft>();
  readonly #completed: Ring<TaskRecord>;
  readonly #problems: Ring<TaskRecord>;
  readonly #internalCompleted: Ring<TaskRecord>;
  readonly #totals = { user: emptyTotals(), internal: emptyTotals() };
  readonly #subscription: Subscription;
  #seq = 0;
  #unreadable = 0;

  /**
   * Starts following `manager`'s task events.
   *
   * @param manager - the manager whose tasks to remember.
   * @param options - see {@link TaskHistoryOptions}.
   * @throws `RangeError` naming the option when a bound is not a positive integer.
   */
  constructor(manager: BackgroundTaskManager, options: TaskHistoryOptions = {}) {
    this.#options = { ...DEFAULT_TASK_HISTORY_OPTIONS, ...options };
    for (const key of ['maxCompleted', 'maxProblems', 'maxInternal', 'maxStackChars'] as const) {
      const value = this.#options[key];
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`TaskHistory option ${key} must be a positive integer, got ${String(value)}`);
    }
    this.#completed = new Ring(this.#options.maxCompleted);
    this.#problems = new Ring(this.#options.maxProblems);
    this.#internalCompleted = new Ring(this.#options.maxInternal);
    this.#subscription = manager.events$.subscribe((event) => this.#record(event));
  }

  /** A task by id: in flight (with its timeline so far) or finished and still kept; `undefined` otherwise. */
  get(id: number): TaskRecord | undefined {
    const draft = this.#open.get(id);
    if (draft !== undefined) return this.#inFlight(draft);
    for (const ring of this.#rings()) {
      const found = ring.find((record) => record.id === id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The finished tasks `query` selects, most recent first, with the totals. Stacks are left out: {@link get} has them. */
  page(query: HistoryQuery = {}): HistoryPage {
    const offset = Math.max(0, Math.trunc(query.offset ?? 0));
    const limit = Math.min(MAX_HISTORY_PAGE, Math.max(0, Math.trunc(query.limit ?? 100)));
    const text = query.text?.trim().toLowerCase() ?? '';
    const matches = (record: TaskRecord): boolean =>
      (query.internal === true || !record.internal) &&
      (query.status === undefined || record.status === query.status) &&
      (query.name === undefined || record.name === query.name) &&
      (query.runId === undefined || record.runId === query.runId) &&
      (query.threadId === undefined || record.threadId === query.threadId) &&
      (text === '' || searchText(record).includes(text));
    const completed = query.internal === true ? [this.#completed, this.#internalCompleted] : [this.#completed];
    const sources = query.status === undefined ? [this.#problems, ...completed] : query.status === 'completed' ? completed : [this.#problems];
    const all = mergeNewestFirst(sources.map((ring) => ring.newestFirst().filter(matches)));
    const kept = Object.fromEntries(FINAL_STATUSES.map((status) => [status, 0])) as Record<FinalStatus, number>;
    for (const ring of this.#rings()) {
      for (const record of ring.newestFirst()) if (query.internal === true || !record.internal) kept[record.status as FinalStatus]++;
    }
    return {
      seq: this.#seq,
      total: all.length,
      records: all.slice(offset, offset + limit).map(withoutStack),
      totals: { user: { ...this.#totals.user }, internal: { ...this.#totals.internal } },
      kept,
      unreadable: this.#unreadable,
    };
  }

  #rings(): readonly Ring<TaskRecord>[] {
    return [this.#problems, this.#completed, this.#internalCompleted];
  }

  /** Stops following the manager (what is kept stays readable). */
  close(): void {
    this.#subscription.unsubscribe();
  }

  #record(event: TaskEvent): void {
    this.#seq = event.seq;
    const internal = this.#options.internalNames.includes(event.name);
    const totals = internal ? this.#totals.internal : this.#totals.user;
    switch (event.type) {
      case 'created':
        totals.created++;
        this.#open.set(event.id, { created: event, context: this.#context(event.context), startedAt: undefined });
        return;
      case 'started': {
        const draft = this.#open.get(event.id);
        if (draft !== undefined) draft.startedAt = event.timestamp;
        return;
      }
      default: {
        totals[event.type]++;
        const draft = this.#open.get(event.id);
        this.#open.delete(event.id);
        const record = this.#finished(event, draft, internal);
        (event.type !== 'completed' ? this.#problems : internal ? this.#internalCompleted : this.#completed).push(record);
      }
    }
  }

  #finished(event: Exclude<TaskEvent, { type: 'created' | 'started' }>, draft: Draft | undefined, internal: boolean): TaskRecord {
    const createdAt = draft?.created.timestamp ?? event.timestamp - event.durationMs;
    const timeline: TimelineStep[] = [{ type: 'created', at: createdAt }];
    if (draft?.startedAt !== undefined) timeline.push({ type: 'started', at: draft.startedAt });
    timeline.push({ type: event.type, at: event.timestamp });
    return {
      id: event.id,
      name: this.#text(event.name),
      status: event.type,
      internal,
      timeoutMs: draft?.created.timeoutMs,
      context: draft?.context ?? this.#context(event.context),
      runId: this.#optionalText(event.runId),
      threadId: this.#optionalText(event.threadId),
      nodeName: this.#optionalText(event.nodeName),
      timeline,
      durationMs: event.durationMs,
      error: event.type === 'failed' ? this.#error(event.error) : undefined,
      reason: event.type === 'cancelled' || event.type === 'timed_out' || event.type === 'dropped' ? this.#text(this.#readText(() => this.#redactor.describe(event.reason))) : undefined,
    };
  }

  #inFlight(draft: Draft): TaskRecord {
    const { created } = draft;
    const timeline: TimelineStep[] = [{ type: 'created', at: created.timestamp }];
    if (draft.startedAt !== undefined) timeline.push({ type: 'started', at: draft.startedAt });
    return {
      id: created.id,
      name: this.#text(created.name),
      status: draft.startedAt === undefined ? 'pending' : 'running',
      internal: this.#options.internalNames.includes(created.name),
      timeoutMs: created.timeoutMs,
      context: draft.context,
      runId: this.#optionalText(created.runId),
      threadId: this.#optionalText(created.threadId),
      nodeName: this.#optionalText(created.nodeName),
      timeline,
      durationMs: undefined,
      error: undefined,
      reason: undefined,
    };
  }

  /** A name, a tag or a message: redacted on the whole, then cut, its control characters escaped. */
  #text(text: string): string {
    const redacted = this.#readText(() => this.#redactor.text(text));
    return escapeControls(redacted.length > MAX_MESSAGE_CHARS ? `${redacted.slice(0, MAX_MESSAGE_CHARS)}… (cut)` : redacted);
  }

  #optionalText(text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.#text(text);
  }

  /** A context, redacted, and at most {@link MAX_CONTEXT_CHARS} characters of JSON (the start of it, marked, beyond). */
  #context(context: unknown): unknown {
    const copy = this.#read(() => this.#redactor.redact(context, { maxStringLength: MAX_MESSAGE_CHARS }));
    let json: string | undefined;
    try {
      json = JSON.stringify(copy);
    } catch {
      this.#unreadable++;
      return '[unreadable]';
    }
    if (json === undefined || json.length <= MAX_CONTEXT_CHARS) return copy;
    // the start of its JSON text, as a string: escaping can make that string's own JSON longer, so it is cut until
    // the whole marker fits
    let keep = MAX_CONTEXT_CHARS - 100;
    let marker = { '[truncated]': '' };
    do {
      marker = { '[truncated]': `${json.length} characters of JSON; the start: ${json.slice(0, keep)}…` };
      keep = Math.floor(keep / 2);
    } while (JSON.stringify(marker).length > MAX_CONTEXT_CHARS && keep > 0);
    return marker;
  }

  /** A failure's error, redacted: its name and message (as the redactor copies an `Error`), and its stack. */
  #error(error: unknown): TaskRecord['error'] {
    // no string limit here: the redactor would replace a long message whole; #text keeps its start instead
    const copy = this.#read(() => this.#redactor.redact(error));
    const fields = typeof copy === 'object' && copy !== null ? (copy as Record<string, unknown>) : {};
    const name = this.#text(typeof fields.name === 'string' ? fields.name : 'Error');
    const message = this.#text(typeof fields.message === 'string' ? fields.message : this.#readText(() => this.#redactor.describe(error)));
    const stack = this.#read(() => {
      const raw = typeof error === 'object' && error !== null ? (error as { stack?: unknown }).stack : undefined;
      return typeof raw === 'string' ? this.#stack(raw) : undefined;
    });
    return { name, message, stack: typeof stack === 'string' ? stack : undefined };
  }

  /** A stack, redacted on the whole text first, then cut, then its control characters escaped (line breaks kept). */
  #stack(raw: string): string {
    const max = this.#options.maxStackChars;
    const redacted = this.#redactor.text(raw);
    const cut = redacted.length > max ? `${redacted.slice(0, max)}\n… (${redacted.length - max} more characters cut)` : redacted;
    return escapeControls(cut);
  }

  /** Reads a user value through `read`; a throw counts, and gives `'[unreadable]'`. */
  #read(read: () => unknown): unknown {
    try {
      return read();
    } catch {
      this.#unreadable++;
      return '[unreadable]';
    }
  }

  #readText(read: () => string): string {
    const value = this.#read(read);
    return typeof value === 'string' ? value : '[unreadable]';
  }
}

/** A fixed-size ring: pushing beyond its capacity forgets the oldest. */
class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#items.length;
    if (this.#size < this.#items.length) this.#size++;
  }

  newestFirst(): T[] {
    const out: T[] = [];
    const capacity = this.#items.length;
    for (let index = 1; index <= this.#size; index++) out.push(this.#items[(this.#next - index + capacity) % capacity] as T);
    return out;
  }

  find(test: (item: T) => boolean): T | undefined {
    return this.newestFirst().find(test);
  }
}

function emptyTotals(): StatusTotals {
  return { created: 0, completed: 0, failed: 0, cancelled: 0, timed_out: 0, dropped: 0 };
}

/** Merges lists each sorted newest first (by final time, then id) into one. */
function mergeNewestFirst(lists: TaskRecord[][]): TaskRecord[] {
  if (lists.length === 1) return lists[0] as TaskRecord[];
  return lists.flat().sort((a, b) => endedAt(b) - endedAt(a) || b.id - a.id);
}

function endedAt(record: TaskRecord): number {
  return record.timeline[record.timeline.length - 1]?.at ?? 0;
}

function searchText(record: TaskRecord): string {
  return [
    String(record.id),
    record.name,
    record.runId ?? '',
    record.threadId ?? '',
    record.nodeName ?? '',
    JSON.stringify(record.context) ?? '',
    record.error === undefined ? '' : `${record.error.name} ${record.error.message}`,
    record.reason ?? '',
  ]
    .join('\n')
    .toLowerCase();
}

/** A record as a page lists it: without the stack (the detail, `get()`, has it). */
function withoutStack(record: TaskRecord): TaskRecord {
  return record.error?.stack === undefined ? record : { ...record, error: { ...record.error, stack: undefined } };
}

/**
 * Control characters but line breaks and tabs, and the bidirectional overrides and isolates, written as `\xNN` or
 * `\uNNNN`: a terminal escape in a stack stays inert text, and no text can reorder what follows it on screen.
 */
function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}
