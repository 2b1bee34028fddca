/**
 * The dashboard's picture over time: per second, over the last `windowS` seconds, how many tasks were created,
 * completed and failed (throughput), and the p50 and p95 of the durations of the tasks that finished in that
 * second (completed or failed). Served at `GET /tasks/rates`, drawn by the page with uPlot.
 *
 * Percentiles are exact up to `maxSamplesPerSecond` durations in a second; beyond, a uniform sample of that many
 * (reservoir sampling) stands for the second.
 */
import type { BackgroundTaskManager, TaskEvent } from '../../lib';
import type { Subscription } from 'rxjs';

/** Options of {@link TaskRates}. */
export interface TaskRatesOptions {
  /** How many seconds are kept. Default `300` (five minutes). */
  readonly windowS?: number;
  /** How many durations a second keeps for its percentiles. Default `1_000`. */
  readonly maxSamplesPerSecond?: number;
  /** The clock, in epoch milliseconds (tests). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The series of {@link TaskRates.series}: one entry per second, oldest first, aligned. `t` is in epoch seconds;
 * `p50Ms` and `p95Ms` are `null` for a second in which no task finished.
 */
export interface RateSeries {
  readonly t: number[];
  readonly created: number[];
  readonly completed: number[];
  readonly failed: number[];
  readonly p50Ms: (number | null)[];
  readonly p95Ms: (number | null)[];
}

interface Bucket {
  second: number;
  created: number;
  completed: number;
  failed: number;
  seen: number;
  durations: number[];
}

/**
 * Per-second throughput and duration percentiles of a manager's tasks.
 *
 * @example
 * ```ts
 * const rates = new TaskRates(manager);
 * const { t, completed } = rates.series();
 * rates.close();
 * ```
 */
export class TaskRates {
  readonly #windowS: number;
  readonly #maxSamples: number;
  readonly #now: () => number;
  readonly #buckets = new Map<number, Bucket>();
  readonly #subscription: Subscription;

  /**
   * @param manager - whose task events to count.
   * @param options - see {@link TaskRatesOptions}.
   * @throws `RangeError` naming the option when a bound is not a positive integer.
   */
  constructor(manager: BackgroundTaskManager, options: TaskRatesOptions = {}) {
    this.#windowS = options.windowS ?? 300;
    this.#maxSamples = options.maxSamplesPerSecond ?? 1_000;
    this.#now = options.now ?? Date.now;
    for (const [key, value] of [['windowS', this.#windowS], ['maxSamplesPerSecond', this.#maxSamples]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`TaskRates option ${key} must be a positive integer, got ${String(value)}`);
    }
    this.#subscription = manager.events$.subscribe((event) => this.#count(event));
  }

  /** The last `windowS` seconds up to now, every second present (zeros where nothing happened). */
  series(): RateSeries {
    const last = Math.floor(this.#now() / 1000);
    const series: RateSeries = { t: [], created: [], completed: [], failed: [], p50Ms: [], p95Ms: [] };
    for (let second = last - this.#windowS + 1; second <= last; second++) {
      const bucket = this.#buckets.get(second);
      series.t.push(second);
      series.created.push(bucket?.created ?? 0);
      series.completed.push(bucket?.completed ?? 0);
      series.failed.push(bucket?.failed ?? 0);
      const sorted = bucket === undefined ? [] : [...bucket.durations].sort((a, b) => a - b);
      series.p50Ms.push(percentile(sorted, 0.5));
      series.p95Ms.push(percentile(sorted, 0.95));
    }
    return series;
  }

  /** Stops counting. */
  close(): void {
    this.#subscription.unsubscribe();
  }

  #count(event: TaskEvent): void {
    if (event.type === 'started') return;
    const bucket = this.#bucket(Math.floor(event.timestamp / 1000));
    if (event.type === 'created') {
      bucket.created++;
      return;
    }
    if (event.type !== 'completed' && event.type !== 'failed') return;
    bucket[event.type]++;
    // reservoir sampling: every duration of the second has the same chance to be among the samples
    bucket.seen++;
    if (bucket.durations.length < this.#maxSamples) bucket.durations.push(event.durationMs);
    else {
      const slot = Math.floor(Math.random() * bucket.seen);
      if (slot < this.#maxSamples) bucket.durations[slot] = event.durationMs;
    }
  }

  #bucket(second: number): Bucket {
    let bucket = this.#buckets.get(second);
    if (bucket === undefined) {
      bucket = { second, created: 0, completed: 0, failed: 0, seen: 0, durations: [] };
      this.#buckets.set(second, bucket);
      const oldest = second - this.#windowS;
      for (const key of this.#buckets.keys()) if (key <= oldest) this.#buckets.delete(key);
    }
    return bucket;
  }
}

/** The `q` quantile of sorted values (nearest rank); `null` for none. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}
