import type { TaskCounts } from '../../tasks/task-counts';
import type { ClusterCounts, ClusterTotals } from '../cluster-counts';
import type { ClusterTaskInfo, ClusterTasks } from '../cluster-tasks';
import type { ClusterWorkerInfo, ClusterWorkers, ClusterWorkerStatus } from '../cluster-workers';
import type { MirroredHeartbeat, StreamEntry } from '../stream-entry';

type MutableCounts = { -readonly [K in keyof TaskCounts]: TaskCounts[K] };

/** What applying an entry (or expiring workers) changed. */
export interface ViewChange {
  readonly counts: boolean;
  readonly tasks: boolean;
  readonly workers: boolean;
}

const NO_CHANGE: ViewChange = Object.freeze({ counts: false, tasks: false, workers: false });
// A worker's counts are part of clusterWorkers$ too: a change of counts is a change of workers.
const COUNTS_ONLY: ViewChange = Object.freeze({ counts: true, tasks: false, workers: true });
const TASKS_ONLY: ViewChange = Object.freeze({ counts: false, tasks: true, workers: false });
const COUNTS_AND_TASKS: ViewChange = Object.freeze({ counts: true, tasks: true, workers: true });
const EVERYTHING: ViewChange = Object.freeze({ counts: true, tasks: true, workers: true });

/** How long workers are watched and remembered (the subscriber's options). */
export interface ClusterViewLimits {
  /** The most tasks in flight listed, across workers; beyond, the oldest are forgotten. */
  readonly maxTrackedTasks: number;
  /** A worker whose last entry is older than this (milliseconds) is lost. */
  readonly workerTimeoutMs: number;
  /** Lost and stopped workers are forgotten this long (milliseconds) after they became so... */
  readonly inactiveWorkerTtlMs: number;
  /** ...and beyond this many of them, the oldest first. */
  readonly maxInactiveWorkers: number;
  /** The most alive workers watched: a new one beyond this makes the least recently seen one lost. */
  readonly maxWorkers: number;
}

/** One worker as the view knows it. */
interface WorkerRecord {
  readonly workerId: string;
  /** A small number of its own, for the keys of its tasks (a long workerId is not repeated in each). */
  readonly index: number;
  status: ClusterWorkerStatus;
  /** When the view last read an entry of it (the viewer's clock), in ms since the epoch. */
  lastSeenAt: number;
  counts: MutableCounts;
  /** Its tasks in flight that the view lists, by task id. */
  readonly tasks: Map<number, ClusterTaskInfo>;
  /** The mirror instance of its last heartbeat. */
  instance: string | undefined;
  /** Task events up to this `seq` are reflected in its last heartbeat (or `worker_stopped` entry), and ignored. */
  heartbeatSeq: number;
  /**
   * The `seq`s of the task events applied since its last heartbeat, oldest first (at most
   * {@link MAX_APPLIED_SEQS}): a copy of one (appended twice after a retry) changes nothing.
   */
  appliedSeqs: Set<number>;
  /** Whether its last heartbeat said it obeys commands (`control: true`). */
  control: boolean;
  /**
   * The mirror instances it had before its current one (the last few): a heartbeat of one of them is old news, and
   * two mirrors writing under one `workerId` (a mistake) cannot retire each other's counts back and forth.
   */
  retiredInstances: string[];
  /** The worker's clock in its last heartbeat or `worker_stopped` entry: an older one (read late) is stale. */
  heartbeatAt: number;
  /** When (the viewer's clock) it became lost or stopped. */
  inactiveSince: number;
}

/**
 * The most task-event `seq`s remembered per worker between two heartbeats, to ignore copies: a copy of an event
 * older than the last this many of its worker's (or than its last heartbeat) would count twice.
 */
const MAX_APPLIED_SEQS = 10_000;

/** How many earlier mirror instances of a worker the view remembers (see `retiredInstances`). */
const MAX_RETIRED_INSTANCES = 8;

/**
 * The cluster-wide view a subscriber folds from what workers mirror: per worker its status, counts and tasks in
 * flight, and their totals.
 *
 * **Truth from heartbeats.** A heartbeat replaces what the view derived for its worker from task events (its
 * counts and task list), and task events it already reflects (`seq` up to the heartbeat's) are ignored: the view
 * converges after lost events, a trimmed stream or a late start, within one heartbeat. Between heartbeats, task
 * events keep it live.
 *
 * **Liveness.** A worker whose last entry is older than `workerTimeoutMs` (by {@link expire}) is *lost*: its
 * tasks leave the task list and its active tasks leave `total.active` for `total.lost`. A `worker_stopped` entry
 * makes it *stopped*. Any later entry of the worker makes it alive again. Lost and stopped workers are forgotten
 * after `inactiveWorkerTtlMs`, and beyond `maxInactiveWorkers` (oldest first); their finished tasks stay in the
 * totals.
 *
 * **Cost.** Applying an entry is O(1) whatever the number of workers (a heartbeat: O(its tasks)); {@link expire}
 * is O(workers that expire), as alive workers are kept in the order they were last seen.
 */
export class ClusterView {
  #evicted = 0;
  readonly #limits: ClusterViewLimits;
  /** Alive workers, least recently seen first. */
  readonly #alive = new Map<string, WorkerRecord>();
  /** Lost and stopped workers, in the order they became so. */
  readonly #inactive = new Map<string, WorkerRecord>();
  /** Every listed task, oldest first, for the `maxTrackedTasks` bound (see {@link taskKey}). */
  readonly #taskOrder = new Map<string, WorkerRecord>();
  /** The finished-task counts of forgotten workers, kept in the totals. */
  readonly #retired: MutableCounts = emptyCounts();
  #untracked = 0;
  #nextIndex = 0;

  constructor(limits: ClusterViewLimits) {
    this.#limits = limits;
  }

  /**
   * Folds one entry into the view.
   *
   * @param now - the viewer's clock when it read the entry, in ms since the epoch. An entry counts as seen when Redis
   * took it (its stream id's time) when that is earlier, never later: a viewer that starts late and reads a crashed
   * worker's last heartbeat, written minutes ago, does not take the worker for alive; a stream id in the future (a
   * clock ahead, a hand-written id) counts as now.
   */
  apply(entry: StreamEntry, given = Date.now()): ViewChange {
    const now = Math.min(given, idTime(entry.streamId));
    if (entry.kind === 'event') {
      // A published event shows that a known worker is alive; it does not make one known.
      const known = entry.workerId === undefined ? undefined : this.#find(entry.workerId);
      if (known === undefined || known.status === 'stopped') return NO_CHANGE;
      return this.#seen(known, now) ? EVERYTHING : NO_CHANGE;
    }
    const found = this.#find(entry.workerId);
    // What the view already holds newer news of (an entry delivered again, or claimed late) changes nothing, and
    // brings no stopped worker back.
    if (found !== undefined && this.#isStale(found, entry)) return NO_CHANGE;
    const worker = found ?? this.#add(entry.workerId);
    const revived = this.#seen(worker, now);
    switch (entry.kind) {
      case 'heartbeat':
        this.#takeHeartbeat(worker, entry.heartbeat);
        return EVERYTHING;
      case 'worker_stopped':
        worker.counts = { ...entry.stopped.counts };
        worker.instance = entry.stopped.instance;
        worker.heartbeatSeq = Math.max(worker.heartbeatSeq, entry.stopped.seq ?? 0);
        worker.heartbeatAt = entry.stopped.timestamp;
        this.#deactivate(worker, 'stopped', now);
        return EVERYTHING;
      case 'task': {
        const change = this.#applyTaskEvent(worker, entry.event);
        return revived ? EVERYTHING : change;
      }
    }
  }

  /** Whether `entry` is older than what the view holds of `worker`. */
  #isStale(worker: WorkerRecord, entry: Exclude<StreamEntry, { kind: 'event' }>): boolean {
    switch (entry.kind) {
      case 'task':
        return entry.event.seq <= worker.heartbeatSeq;
      case 'heartbeat': {
        const { instance, seq, timestamp } = entry.heartbeat;
        if (instance === worker.instance) {
          // a copy of the last heartbeat (delivered again) would undo the task events applied since
          return worker.status === 'stopped' || seq < worker.heartbeatSeq || (seq === worker.heartbeatSeq && timestamp <= worker.heartbeatAt);
        }
        // an earlier instance's, read after a later one's
        return timestamp < worker.heartbeatAt || worker.retiredInstances.includes(instance);
      }
      case 'worker_stopped':
        return entry.stopped.instance !== worker.instance && entry.stopped.timestamp < worker.heartbeatAt;
    }
  }

  /**
   * Marks the workers silent for longer than `workerTimeoutMs` as lost, and forgets the lost and stopped workers
   * past their bounds.
   *
   * @param now - the viewer's clock, in milliseconds since the epoch.
   */
  expire(now: number): ViewChange {
    let changed = false;
    for (const worker of this.#alive.values()) {
      if (worker.lastSeenAt + this.#limits.workerTimeoutMs > now) break;
      this.#deactivate(worker, 'lost', now);
      changed = true;
    }
    for (const worker of this.#inactive.values()) {
      const tooMany = this.#inactive.size > this.#limits.maxInactiveWorkers;
      if (!tooMany && worker.inactiveSince + this.#limits.inactiveWorkerTtlMs > now) break;
      this.#forget(worker);
      changed = true;
    }
    return changed ? EVERYTHING : NO_CHANGE;
  }

  counts(): ClusterCounts {
    const total: { -readonly [K in keyof ClusterTotals]: number } = { ...this.#retired, lost: 0 };
    const workers: [string, TaskCounts][] = [];
    for (const worker of this.#workers()) {
      const counts = worker.counts;
      for (const key of COUNT_KEYS) if (key !== 'active') total[key] += counts[key];
      // The tasks in flight on a lost or stopped worker have an outcome the view will never read.
      if (worker.status === 'alive') total.active += counts.active;
      else total.lost += counts.active;
      workers.push([worker.workerId, Object.freeze({ ...counts })]);
    }
    return Object.freeze({ total: Object.freeze(total), workers: Object.freeze(Object.fromEntries(workers)) });
  }

  tasks(): ClusterTasks {
    const byWorker = new Map<string, ClusterTaskInfo[]>();
    for (const worker of this.#workers()) byWorker.set(worker.workerId, []);
    for (const [key, worker] of this.#taskOrder) {
      const task = worker.tasks.get(taskIdOf(key));
      if (task !== undefined) byWorker.get(worker.workerId)?.push(task);
    }
    const workers = Object.fromEntries(Array.from(byWorker, ([workerId, tasks]) => [workerId, Object.freeze(tasks)] as const));
    return Object.freeze({ workers: Object.freeze(workers), total: this.#taskOrder.size, untracked: this.#untracked });
  }

  workers(): ClusterWorkers {
    const workers: [string, ClusterWorkerInfo][] = [];
    for (const worker of this.#workers()) {
      workers.push([
        worker.workerId,
        Object.freeze({
          status: worker.status,
          lastSeenAt: worker.lastSeenAt,
          counts: Object.freeze({ ...worker.counts }),
          control: worker.control,
        }),
      ]);
    }
    return Object.freeze(Object.fromEntries(workers));
  }

  /** Every known worker: alive ones first (least recently seen first), then lost and stopped ones. */
  *#workers(): IterableIterator<WorkerRecord> {
    yield* this.#alive.values();
    yield* this.#inactive.values();
  }

  /** What the view knows of a worker for sending it a command: its status and whether it reads commands. */
  commandTarget(
    workerId: string,
  ): { readonly status: ClusterWorkerStatus; readonly control: boolean; readonly instance: string | undefined } | undefined {
    const worker = this.#find(workerId);
    return worker === undefined ? undefined : { status: worker.status, control: worker.control, instance: worker.instance };
  }

  #find(workerId: string): WorkerRecord | undefined {
    return this.#alive.get(workerId) ?? this.#inactive.get(workerId);
  }

  #add(workerId: string): WorkerRecord {
    const worker: WorkerRecord = {
      workerId,
      index: this.#nextIndex++,
      status: 'alive',
      lastSeenAt: 0,
      counts: emptyCounts(),
      tasks: new Map(),
      instance: undefined,
      heartbeatSeq: 0,
      appliedSeqs: new Set(),
      control: false,
      retiredInstances: [],
      heartbeatAt: 0,
      inactiveSince: 0,
    };
    // Beyond maxWorkers the least recently seen is given up as lost (and forgotten in time, as lost ones are): a
    // flood of distinct ids (restarts with a pid in the id, or a hostile writer) cannot grow the view without bound.
    if (this.#alive.size >= this.#limits.maxWorkers) {
      const oldest = this.#alive.values().next().value as WorkerRecord | undefined;
      if (oldest !== undefined) {
        this.#deactivate(oldest, 'lost', oldest.lastSeenAt);
        this.#evicted++;
      }
    }
    this.#alive.set(workerId, worker);
    return worker;
  }

  /** How many alive workers were given up as lost because `maxWorkers` were alive. */
  get evictedWorkers(): number {
    return this.#evicted;
  }

  /**
   * Records an entry of `worker` seen at `seenAt`: it moves to the end of the alive workers (or back among them).
   *
   * @returns whether it was lost or stopped until now.
   */
  #seen(worker: WorkerRecord, seenAt: number): boolean {
    worker.lastSeenAt = Math.max(worker.lastSeenAt, seenAt);
    const revived = worker.status !== 'alive';
    if (revived) this.#inactive.delete(worker.workerId);
    else this.#alive.delete(worker.workerId);
    worker.status = 'alive';
    this.#alive.set(worker.workerId, worker);
    return revived;
  }

  #takeHeartbeat(worker: WorkerRecord, heartbeat: MirroredHeartbeat): void {
    // A new instance (the worker restarted under the same workerId) counts from zero: what the previous one
    // finished stays in the totals.
    if (worker.instance !== undefined && heartbeat.instance !== worker.instance) {
      this.#retire(worker);
      worker.appliedSeqs = new Set();
      worker.retiredInstances.push(worker.instance);
      if (worker.retiredInstances.length > MAX_RETIRED_INSTANCES) worker.retiredInstances.shift();
    }
    worker.instance = heartbeat.instance;
    worker.heartbeatSeq = heartbeat.seq;
    worker.control = heartbeat.control;
    // what the heartbeat reflects is ignored by its seq from now on: keep only the seqs after it
    if (worker.appliedSeqs.size > 0) worker.appliedSeqs = new Set([...worker.appliedSeqs].filter((seq) => seq > heartbeat.seq));
    worker.heartbeatAt = heartbeat.timestamp;
    worker.counts = { ...heartbeat.counts };
    this.#untrackAll(worker);
    for (const task of heartbeat.tasks) {
      this.#track(worker, {
        workerId: worker.workerId,
        id: task.id,
        name: task.name,
        status: task.status,
        createdAt: task.createdAt,
        timeoutMs: task.timeoutMs,
        context: task.context,
      });
    }
  }

  #applyTaskEvent(worker: WorkerRecord, event: Extract<StreamEntry, { kind: 'task' }>['event']): ViewChange {
    // Already reflected in the worker's last heartbeat (an entry delivered again, or read late).
    if (event.seq <= worker.heartbeatSeq) return NO_CHANGE;
    // A copy of an event applied already (sent again after a lost reply: delivery is at least once).
    const applied = worker.appliedSeqs;
    if (applied.has(event.seq)) return NO_CHANGE;
    applied.add(event.seq);
    if (applied.size > MAX_APPLIED_SEQS) applied.delete(applied.values().next().value as number);
    const counts = worker.counts;
    switch (event.type) {
      case 'created':
        counts.created++;
        counts.active++;
        this.#track(worker, {
          workerId: worker.workerId,
          id: event.id,
          name: event.name,
          status: 'pending',
          createdAt: event.timestamp,
          timeoutMs: event.timeoutMs,
          context: event.context,
        });
        return COUNTS_AND_TASKS;
      case 'started': {
        const task = worker.tasks.get(event.id);
        if (task === undefined) return NO_CHANGE;
        worker.tasks.set(event.id, Object.freeze({ ...task, status: 'running' }));
        return TASKS_ONLY;
      }
      case 'dropped':
        counts.dropped++;
        return COUNTS_ONLY;
      case 'completed':
        counts.completed++;
        break;
      case 'failed':
        counts.failed++;
        break;
      case 'cancelled':
        counts.cancelled++;
        if (isDroppedError(event.reason)) counts.dropped++;
        break;
      case 'timed_out':
        counts.timedOut++;
        break;
    }
    counts.active = Math.max(0, counts.active - 1);
    this.#untrack(worker, event.id);
    return COUNTS_AND_TASKS;
  }

  #deactivate(worker: WorkerRecord, status: 'lost' | 'stopped', now = Date.now()): void {
    this.#untrackAll(worker);
    this.#alive.delete(worker.workerId);
    this.#inactive.delete(worker.workerId);
    worker.status = status;
    worker.inactiveSince = now;
    this.#inactive.set(worker.workerId, worker);
    // bounded at every moment, not only at the next expire(): the oldest go first
    while (this.#inactive.size > this.#limits.maxInactiveWorkers) {
      const oldest = this.#inactive.values().next().value as WorkerRecord;
      this.#forget(oldest);
    }
  }

  /**
   * Forgets a lost or stopped worker. A stopped one's finished tasks stay in the totals; a lost one's leave them,
   * since it may come back and count them again in its next heartbeat.
   */
  #forget(worker: WorkerRecord): void {
    this.#inactive.delete(worker.workerId);
    this.#untrackAll(worker);
    if (worker.status === 'stopped') this.#retire(worker);
  }

  /** Moves the worker's finished tasks into the totals of workers no longer listed. */
  #retire(worker: WorkerRecord): void {
    for (const key of COUNT_KEYS) if (key !== 'active') this.#retired[key] += worker.counts[key];
    worker.counts = emptyCounts();
  }

  #track(worker: WorkerRecord, task: ClusterTaskInfo): void {
    const key = taskKey(worker, task.id);
    this.#taskOrder.delete(key);
    worker.tasks.set(task.id, Object.freeze(task));
    this.#taskOrder.set(key, worker);
    if (this.#taskOrder.size <= this.#limits.maxTrackedTasks) return;
    const [oldestKey, owner] = this.#taskOrder.entries().next().value as [string, WorkerRecord];
    this.#taskOrder.delete(oldestKey);
    owner.tasks.delete(taskIdOf(oldestKey));
    this.#untracked++;
  }

  #untrack(worker: WorkerRecord, id: number): void {
    if (worker.tasks.delete(id)) this.#taskOrder.delete(taskKey(worker, id));
  }

  #untrackAll(worker: WorkerRecord): void {
    for (const id of worker.tasks.keys()) this.#taskOrder.delete(taskKey(worker, id));
    worker.tasks.clear();
  }
}

const COUNT_KEYS: readonly (keyof TaskCounts)[] = ['active', 'created', 'completed', 'failed', 'cancelled', 'timedOut', 'dropped'];

function emptyCounts(): MutableCounts {
  return { active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };
}

/** The key of a task in the view's order: `<worker index>:<task id>`. */
function taskKey(worker: WorkerRecord, id: number): string {
  return `${worker.index}:${id}`;
}

function taskIdOf(key: string): number {
  return Number(key.slice(key.indexOf(':') + 1));
}

/** Whether a mirrored reason is a `TaskDroppedError` (a task shed by `'drop-oldest'`), as JSON carried it. */
function isDroppedError(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as { code?: unknown }).code === 'TASK_DROPPED';
}

/** The time in a stream id (`<ms>-<seq>`), or `Infinity` for an id that has none. */
function idTime(streamId: string): number {
  const dash = streamId.indexOf('-');
  const ms = Number(dash === -1 ? streamId : streamId.slice(0, dash));
  return Number.isFinite(ms) && ms >= 0 ? ms : Infinity;
}
