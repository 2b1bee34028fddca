import type { TaskCounts } from '../task-counts';
import type { FinalTaskStatus } from '../task-status';

/** The figures of a tally at one moment, for {@link TaskTally.since}. */
export interface TallyMark {
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly timedOut: number;
}

/**
 * The manager's running totals: tasks created, each final status, and refusals and sheds. It records, it gives a
 * {@link TaskCounts} snapshot, and it says what changed since a mark (what `shutdown()` reports).
 */
export class TaskTally {
  #created = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #timedOut = 0;
  #dropped = 0;

  /** Tasks refused or shed so far. */
  get dropped(): number {
    return this.#dropped;
  }

  recordCreated(): void {
    this.#created++;
  }

  /** A task reached `status` (a dropped task is recorded by {@link recordDropped} instead). */
  recordSettled(status: FinalTaskStatus): void {
    switch (status) {
      case 'completed':
        this.#completed++;
        return;
      case 'failed':
        this.#failed++;
        return;
      case 'cancelled':
        this.#cancelled++;
        return;
      case 'timed_out':
        this.#timedOut++;
        return;
      case 'dropped':
        return;
    }
  }

  /** A task was refused, or shed to make room (a shed task is also recorded as cancelled when it settles). */
  recordDropped(): void {
    this.#dropped++;
  }

  /** The totals, with `active` tasks in flight. */
  snapshot(active: number): TaskCounts {
    return {
      active,
      created: this.#created,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      timedOut: this.#timedOut,
      dropped: this.#dropped,
    };
  }

  /** The final-status figures now, to compare with later. */
  mark(): TallyMark {
    return { completed: this.#completed, failed: this.#failed, cancelled: this.#cancelled, timedOut: this.#timedOut };
  }

  /** How many tasks reached each final status since `mark` was taken. */
  since(mark: TallyMark): TallyMark {
    return {
      completed: this.#completed - mark.completed,
      failed: this.#failed - mark.failed,
      cancelled: this.#cancelled - mark.cancelled,
      timedOut: this.#timedOut - mark.timedOut,
    };
  }
}
