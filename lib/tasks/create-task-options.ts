import type { TaskContext } from './task-context';

/**
 * Options of {@link BackgroundTaskManager.createTask}.
 *
 * @example
 * ```ts
 * manager.createTask(work, {
 *   name: 'send_notification',
 *   timeoutMs: 10_000,
 *   context: { userId, notificationType: 'email' },
 *   signal: request.signal,
 * });
 * ```
 */
export interface CreateTaskOptions {
  /** A name for logs, events and `getTaskInfo()`. Default `'background_task'`. */
  readonly name?: string;
  /** Time out the task after this many milliseconds (a finite number > 0). Default: no timeout. */
  readonly timeoutMs?: number;
  /** Metadata kept with the task for logs, info and events (a plain object). Default `{}`. */
  readonly context?: TaskContext;
  /** The caller's signal: when it aborts, the task is cancelled with its reason. */
  readonly signal?: AbortSignal;
}

/** The name a task gets when none is given. */
export const DEFAULT_TASK_NAME = 'background_task';
