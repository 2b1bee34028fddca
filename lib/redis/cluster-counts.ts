import type { TaskCounts } from '../tasks/task-counts';

/**
 * The sum of every worker's counts, with the tasks of lost workers apart.
 *
 * @example
 * ```ts
 * subscriber.clusterCounts$.subscribe(({ total }) => console.log(`${total.active} active, ${total.lost} on lost workers`));
 * ```
 */
export interface ClusterTotals extends TaskCounts {
  /** Tasks in flight on alive workers. */
  readonly active: number;
  /**
   * Tasks that were in flight on workers now lost (silent for `workerTimeoutMs`) or stopped (their mirror stopped
   * first): their outcome will never be read.
   */
  readonly lost: number;
}

/**
 * Task totals across a cluster of workers, as {@link RedisStreamsSubscriber.clusterCounts$} emits them: one
 * {@link TaskCounts} per worker, and their sum.
 *
 * A worker's counts are what its last heartbeat said (the tasks it mirrors: created and finished since its
 * mirror started, and those in flight), updated by its task events read since; so lost events, a trimmed stream
 * or a late start are made good at its next heartbeat. Without heartbeats (`heartbeatMs: 0`) they are counted
 * from its task events alone, and then miss events trimmed away by `maxLen` before they were read, events read
 * by another consumer of the group, and tasks created before the worker started mirroring. A task
 * shed by `'drop-oldest'` counts as `cancelled` and `dropped`, as in the worker's own `counts$`. Workers forgotten
 * (lost or stopped for long, see `inactiveWorkerTtlMs`) leave `workers`; a stopped worker's finished tasks stay in
 * `total`, a lost worker's leave it (it may come back, and its next heartbeat counts them again). So do the
 * finished tasks of a worker's earlier instance when it restarts under the same `workerId`.
 *
 * @example
 * ```ts
 * subscriber.clusterCounts$.subscribe(({ total, workers }) => {
 *   console.log(`active ${total.active}, failed ${total.failed}, workers ${Object.keys(workers).length}`);
 * });
 * ```
 */
export interface ClusterCounts {
  /** The sum over every worker, the active tasks of lost workers counted in `lost` instead of `active`. */
  readonly total: ClusterTotals;
  /** Each worker's counts, by `workerId`, for every worker known (alive, lost or stopped, until forgotten). */
  readonly workers: Readonly<Record<string, TaskCounts>>;
}
