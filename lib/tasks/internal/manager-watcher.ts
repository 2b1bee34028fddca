import type { AnyTaskRun } from './task-run';

/**
 * Something the manager tells about settled tasks and stopped work: the pending `waitForAll()` and
 * `shutdown()` calls. The manager keeps a set of them, empty (and free) when nobody waits.
 */
export interface ManagerWatcher {
  /** A task reached a final status (its `done` is already resolved). */
  taskSettled(run: AnyTaskRun): void;
  /** Detached work stopped. */
  workStopped(): void;
  /** A task joined the group watched (only for the watchers of a group: see `TaskIndex.added`). */
  taskAdded?(run: AnyTaskRun): void;
}
