import type { TaskCounts } from '../tasks/task-counts';

/**
 * Whether a worker is alive: `'alive'` while its entries keep coming (a heartbeat at least every `heartbeatMs`),
 * `'lost'` once it was silent for `workerTimeoutMs` (it crashed, hangs or lost Redis), `'stopped'` after its
 * mirror's `stop()`.
 *
 * @example
 * ```ts
 * const status: ClusterWorkerStatus = 'lost';
 * ```
 */
export type ClusterWorkerStatus = 'alive' | 'lost' | 'stopped';

/**
 * One worker as a {@link RedisStreamsSubscriber} sees it.
 *
 * @example
 * ```ts
 * subscriber.clusterWorkers$.subscribe((workers) => {
 *   for (const [workerId, worker] of Object.entries(workers)) console.log(workerId, worker.status, worker.counts.active);
 * });
 * ```
 */
export interface ClusterWorkerInfo {
  /** Whether it is alive, lost or stopped (see {@link ClusterWorkerStatus}). */
  readonly status: ClusterWorkerStatus;
  /**
   * When this viewer last read an entry of it, in milliseconds since the epoch, by the viewer's own clock (the
   * one liveness is judged on; updated in the emitted value when something else about the worker changes).
   */
  readonly lastSeenAt: number;
  /** Its counts (see {@link ClusterCounts}). */
  readonly counts: TaskCounts;
  /**
   * Whether it obeys commands from viewers (`cancelTask()`, `cancelTasks()`): its mirror runs with
   * `control: true`, as its last heartbeat said. `false` until its first heartbeat is read.
   */
  readonly control: boolean;
}

/**
 * Every worker known, by `workerId`, as {@link RedisStreamsSubscriber.clusterWorkers$} emits them: alive ones,
 * and lost or stopped ones until they are forgotten (`inactiveWorkerTtlMs`, `maxInactiveWorkers`).
 *
 * @example
 * ```ts
 * subscriber.clusterWorkers$.subscribe((workers) => {
 *   const lost = Object.entries(workers).filter(([, worker]) => worker.status === 'lost').map(([workerId]) => workerId);
 *   if (lost.length > 0) console.warn(`lost workers: ${lost.join(', ')}`);
 * });
 * ```
 */
export type ClusterWorkers = Readonly<Record<string, ClusterWorkerInfo>>;
