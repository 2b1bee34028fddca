import { InvalidArgumentError } from '../../errors/invalid-argument-error';
import { BackgroundTaskManager } from '../background-task-manager';

/**
 * Checks a manager and an instrumentation hook, then adds the hook through the manager's private access (see
 * `instrumentation-access.ts`): the one path of `wrapTaskLaunch()` and `addTaskLogFields()`.
 *
 * @returns the hook's remover.
 * @throws {@link InvalidArgumentError} when `manager` is not a manager or `hook` not a function.
 */
export function addManagerHook<H extends (...args: never[]) => unknown>(
  add: ((manager: object, hook: H) => () => void) | undefined,
  manager: unknown,
  hook: H,
  hookArgument: string,
  hookShape: string,
): () => void {
  if (!(manager instanceof BackgroundTaskManager)) throw new InvalidArgumentError('manager', 'a BackgroundTaskManager', manager);
  if (typeof hook !== 'function') throw new InvalidArgumentError(hookArgument, `a function ${hookShape}`, hook);
  if (add === undefined) throw new Error('BackgroundTaskManager did not initialise its instrumentation hooks');
  return add(manager, hook);
}
