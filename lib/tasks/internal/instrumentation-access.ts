import type { TaskLaunchWrapper } from '../task-launch-wrapper';
import type { TaskLogFields } from '../task-log-fields';

/**
 * The one way into a manager's private lists of instrumentation hooks, for `wrapTaskLaunch()` and
 * `addTaskLogFields()`: set by the manager class's static block (a private field is reachable only from inside the
 * class), so that the lists stay off the public surface. Each adder returns the hook's remover.
 */
export const instrumentationAccess: {
  addLaunchWrapper?: (manager: object, wrapper: TaskLaunchWrapper) => () => void;
  addLogFields?: (manager: object, fields: TaskLogFields) => () => void;
} = {};

/** A copy of `list` with `item` added at the end. */
export function withItem<T>(list: readonly T[] | undefined, item: T): readonly T[] {
  return [...(list ?? []), item];
}

/** `list` without `item`, or `undefined` when nothing is left. */
export function withoutItem<T>(list: readonly T[] | undefined, item: T): readonly T[] | undefined {
  const left = (list ?? []).filter((each) => each !== item);
  return left.length === 0 ? undefined : left;
}
