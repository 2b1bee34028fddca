import type { ClusterCounts } from '../redis/cluster-counts';
import type { ClusterTaskInfo, ClusterTasks } from '../redis/cluster-tasks';
import type { StreamEntry } from '../redis/stream-entry';
import type { TaskCounts } from '../tasks/task-counts';

type MutableCounts = { -readonly [K in keyof TaskCounts]: TaskCounts[K] };

/** What applying an entry changed. */
export interface ViewChange {
  readonly counts: boolean;
  readonly tasks: boolean;
}

const NO_CHANGE: ViewChange = Object.freeze({ counts: false, tasks: false });
const COUNTS_ONLY: ViewChange = Object.freeze({ counts: true, tasks: false });
const BOTH: ViewChange = Object.freeze({ counts: true, tasks: true });

/**
 * The cluster-wide task view a subscriber builds from the task events it reads: counts per worker (as each
 * worker's `counts$` would give them) and the tasks in flight per worker, bounded to `maxTrackedTasks`.
 */
export class ClusterView {
  readonly #maxTrackedTasks: number;
  readonly #counts = new Map<string, MutableCounts>();
  /** Tasks in flight, in creation order across workers, keyed by worker and id. */
  readonly #tasks = new Map<string, ClusterTaskInfo>();
  #untracked = 0;

  constructor(maxTrackedTasks: number) {
    this.#maxTrackedTasks = maxTrackedTasks;
  }

  /** Folds one entry into the view; events (`kind: 'event'`) change nothing. */
  apply(entry: StreamEntry): ViewChange {
    if (entry.kind !== 'task') return NO_CHANGE;
    const { workerId, event } = entry;
    const counts = this.#countsOf(workerId);
    const key = `${workerId}\u0000${event.id}`;
    switch (event.type) {
      case 'created':
        counts.created++;
        counts.active++;
        this.#track(key, {
          workerId,
          id: event.id,
          name: event.name,
          status: 'pending',
          createdAt: event.timestamp,
          timeoutMs: event.timeoutMs,
          context: event.context,
        });
        return BOTH;
      case 'started': {
        const task = this.#tasks.get(key);
        if (task === undefined) return NO_CHANGE;
        this.#tasks.set(key, { ...task, status: 'running' });
        return { counts: false, tasks: true };
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
    this.#tasks.delete(key);
    return BOTH;
  }

  counts(): ClusterCounts {
    const total: MutableCounts = emptyCounts();
    const workers: [string, TaskCounts][] = [];
    for (const [workerId, counts] of this.#counts) {
      for (const key of Object.keys(total) as (keyof TaskCounts)[]) total[key] += counts[key];
      workers.push([workerId, Object.freeze({ ...counts })]);
    }
    return Object.freeze({ total: Object.freeze(total), workers: Object.freeze(Object.fromEntries(workers)) });
  }

  tasks(): ClusterTasks {
    const byWorker = new Map<string, ClusterTaskInfo[]>();
    for (const workerId of this.#counts.keys()) byWorker.set(workerId, []);
    for (const task of this.#tasks.values()) byWorker.get(task.workerId)?.push(task);
    const workers = Object.fromEntries(Array.from(byWorker, ([workerId, tasks]) => [workerId, Object.freeze(tasks)] as const));
    return Object.freeze({ workers: Object.freeze(workers), total: this.#tasks.size, untracked: this.#untracked });
  }

  #countsOf(workerId: string): MutableCounts {
    let counts = this.#counts.get(workerId);
    if (counts === undefined) {
      counts = emptyCounts();
      this.#counts.set(workerId, counts);
    }
    return counts;
  }

  #track(key: string, task: ClusterTaskInfo): void {
    this.#tasks.set(key, Object.freeze(task));
    if (this.#tasks.size <= this.#maxTrackedTasks) return;
    const oldest = this.#tasks.keys().next().value;
    if (oldest !== undefined) this.#tasks.delete(oldest);
    this.#untracked++;
  }
}

function emptyCounts(): MutableCounts {
  return { active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };
}

/** Whether a mirrored reason is a `TaskDroppedError` (a task shed by `'drop-oldest'`), as JSON carried it. */
function isDroppedError(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as { code?: unknown }).code === 'TASK_DROPPED';
}
