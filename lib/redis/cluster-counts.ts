import type { TaskCounts } from '../tasks/task-counts';

/**
 * Task totals across a cluster of workers, as {@link RedisStreamsSubscriber.clusterCounts$} emits them: one
 * {@link TaskCounts} per worker, counted from the task events mirrored to the stream, and their sum.
 *
 * They count what the subscriber read: events trimmed away by `maxLen` before it read them, events read by
 * another consumer of its group, and tasks created before a worker started mirroring are not counted
 * (`active` never goes below 0). A task shed by `'drop-oldest'` counts as `cancelled` and `dropped`, as in the
 * worker's own `counts$`.
 *
 * @example
 * ```ts
 * subscriber.clusterCounts$.subscribe(({ total, workers }) => {
 *   console.log(`active ${total.active}, failed ${total.failed}, workers ${Object.keys(workers).length}`);
 * });
 * ```
 */
export interface ClusterCounts {
  /** The sum over every worker. */
  readonly total: TaskCounts;
  /** Each worker's counts, by `workerId`, for every worker seen so far. */
  readonly workers: Readonly<Record<string, TaskCounts>>;
}
