import { take } from 'rxjs';
import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import { checkManager } from '../tasks/check-manager';
import type { TaskCounts } from '../tasks/task-counts';
import type { TaskInfo } from '../tasks/task-info';

/**
 * The manager's running totals right now, read synchronously, so that a UI can render before any stream emits.
 *
 * It reads the current value `counts$` emits on subscribe and unsubscribes at once: nothing stays subscribed.
 *
 * @param manager - the manager to read.
 * @returns a fresh {@link TaskCounts} object.
 * @throws {@link InvalidArgumentError} when `manager` is not a `BackgroundTaskManager`.
 * @example
 * ```ts
 * const { active, failed } = taskCountsSnapshot(manager);
 * console.log(`${active} in flight, ${failed} failed`);
 * ```
 */
export function taskCountsSnapshot(manager: BackgroundTaskManager): TaskCounts {
  checkManager(manager);
  let counts: TaskCounts | undefined;
  manager.counts$.pipe(take(1)).subscribe((value) => {
    counts = value;
  });
  // counts$ emits its current value synchronously on subscribe, so this cannot happen; it guards a refactoring.
  if (counts === undefined) {
    throw new Error('BackgroundTaskManager.counts$ did not emit its current value on subscribe');
  }
  return counts;
}

/**
 * The manager's tracked tasks right now (as `getTaskInfo()` lists them), for a first render before `tasks$` emits.
 *
 * @param manager - the manager to read.
 * @returns a fresh list: the tasks in flight, then detached work.
 * @throws {@link InvalidArgumentError} when `manager` is not a `BackgroundTaskManager`.
 * @example
 * ```ts
 * const rows = taskListSnapshot(manager).map((task) => `${task.id} ${task.name} ${task.status}`);
 * ```
 */
export function taskListSnapshot(manager: BackgroundTaskManager): readonly TaskInfo[] {
  checkManager(manager);
  return manager.getTaskInfo();
}
