import type { TaskContext } from '../tasks/task-context';

/**
 * One task in flight on some worker, as the stream reported it.
 *
 * @example
 * ```ts
 * const stuck = Object.values(tasks.workers).flat().filter((task) => Date.now() - task.createdAt > 60_000);
 * ```
 */
export interface ClusterTaskInfo {
  /** The worker it runs on. */
  readonly workerId: string;
  /** The task's id, unique within its worker's manager. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** `'pending'` until its `'started'` event was read, then `'running'`. */
  readonly status: 'pending' | 'running';
  /** When it was created (milliseconds since the epoch, the worker's clock). */
  readonly createdAt: number;
  /** Its timeout, or `undefined` when it has none. */
  readonly timeoutMs: number | undefined;
  /** Its context metadata, as JSON carried it. */
  readonly context: TaskContext;
}

/**
 * The tasks in flight across a cluster of workers, as {@link RedisStreamsSubscriber.clusterTasks$} emits them:
 * a task appears with its `'created'` event and leaves with its final one.
 *
 * At most `maxTrackedTasks` tasks are kept (default 10,000): beyond that the oldest are forgotten, and counted
 * in `untracked`, so that tasks whose final event never comes (a worker killed mid-task) cannot grow it without
 * limit.
 *
 * @example
 * ```ts
 * subscriber.clusterTasks$.subscribe(({ workers }) => {
 *   for (const [workerId, tasks] of Object.entries(workers)) console.log(workerId, tasks.map((task) => task.name));
 * });
 * ```
 */
export interface ClusterTasks {
  /** Each worker's tasks in flight, oldest first, by `workerId`, for every worker seen so far. */
  readonly workers: Readonly<Record<string, readonly ClusterTaskInfo[]>>;
  /** How many tasks are listed in all. */
  readonly total: number;
  /** Tasks forgotten because more than `maxTrackedTasks` were in flight. */
  readonly untracked: number;
}
