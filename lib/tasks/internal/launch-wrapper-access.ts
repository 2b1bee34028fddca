import type { TaskLaunchWrapper } from '../task-launch-wrapper';

/**
 * The one way into a manager's private list of launch wrappers, for `wrapTaskLaunch()`: set by the manager class's
 * static block (a private field is reachable only from inside the class), so that the list stays off the public
 * surface.
 */
export const launchWrapperAccess: {
  add?: (manager: object, wrapper: TaskLaunchWrapper) => () => void;
} = {};
