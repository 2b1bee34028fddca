import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { BackgroundTaskManager } from './background-task-manager';

/** Throws unless `manager` is a {@link BackgroundTaskManager}. */
export function checkManager(manager: unknown): asserts manager is BackgroundTaskManager {
  if (manager instanceof BackgroundTaskManager) return;
  throw new InvalidArgumentError('manager', 'a BackgroundTaskManager', manager);
}
