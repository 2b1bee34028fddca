import type { BackgroundTaskManager } from './background-task-manager';
import { addManagerHook } from './internal/add-manager-hook';
import { instrumentationAccess } from './internal/instrumentation-access';
import type { TaskLaunchWrapper } from './task-launch-wrapper';

/**
 * Makes `wrapper` take part in the start of every task `manager` creates from now on (see {@link TaskLaunchWrapper}):
 * how a tracer runs each task's work inside the task's own span. Wrappers added later run inside earlier ones. With
 * no wrapper, `createTask()` pays one field check.
 *
 * @param manager - the manager.
 * @param wrapper - the wrapper.
 * @returns a function that removes it (idempotent).
 * @throws {@link InvalidArgumentError} when `manager` is not a manager or `wrapper` not a function.
 * @example
 * ```ts
 * const storage = new AsyncLocalStorage<{ taskId: number }>();
 * const remove = wrapTaskLaunch(manager, (task, launch) => storage.run({ taskId: task.id }, launch));
 * ```
 */
export function wrapTaskLaunch(manager: BackgroundTaskManager, wrapper: TaskLaunchWrapper): () => void {
  return addManagerHook(instrumentationAccess.addLaunchWrapper, manager, wrapper, 'wrapper', '(task, launch) => void');
}
