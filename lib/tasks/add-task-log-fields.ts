import type { BackgroundTaskManager } from './background-task-manager';
import { addManagerHook } from './internal/add-manager-hook';
import { instrumentationAccess } from './internal/instrumentation-access';
import type { TaskLogFields } from './task-log-fields';

/**
 * Adds fields to every log line `manager` writes about a task (see {@link TaskLogFields}).
 *
 * @param manager - the manager.
 * @param fields - the provider.
 * @returns a function that removes it (idempotent).
 * @throws {@link InvalidArgumentError} when `manager` is not a manager or `fields` not a function.
 * @example
 * ```ts
 * const remove = addTaskLogFields(manager, (task) => ({ tenant: String(task.context.tenantId) }));
 * ```
 */
export function addTaskLogFields(manager: BackgroundTaskManager, fields: TaskLogFields): () => void {
  return addManagerHook(instrumentationAccess.addLogFields, manager, fields, 'fields', '(task) => fields');
}
