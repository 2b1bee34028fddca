import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { BackgroundTaskManager } from './background-task-manager';
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
  if (!(manager instanceof BackgroundTaskManager)) throw new InvalidArgumentError('manager', 'a BackgroundTaskManager', manager);
  if (typeof fields !== 'function') throw new InvalidArgumentError('fields', 'a function (task) => fields', fields);
  const add = instrumentationAccess.addLogFields;
  if (add === undefined) throw new Error('BackgroundTaskManager did not initialise its log fields');
  return add(manager, fields);
}
