import type { TaskInfo } from './task-info';

/**
 * Options of {@link BackgroundTaskManager.shutdown}.
 *
 * @example
 * ```ts
 * await manager.shutdown({ drainMs: 2_000, timeoutMs: 10_000 });
 * ```
 */
export interface ShutdownOptions {
  /** How long to wait, after aborting every task, for their work to stop. Default: the manager's `defaultShutdownTimeoutMs`. */
  readonly timeoutMs?: number;
  /** How long to let tasks finish on their own before aborting them. Default `0`: abort at once. */
  readonly drainMs?: number;
}

/**
 * What `shutdown()` (and a graph's `close()`) reports.
 *
 * `initialTasks` counts the work running when shutdown began (tasks in flight and detached work);
 * `completedTasks` the part of it that stopped in time; `remainingTasks` the part still running when
 * shutdown gave up (`remaining` names them). `succeeded + failed + cancelled + timedOut = initialTasks`
 * and `completedTasks + remainingTasks = initialTasks`.
 *
 * @example
 * ```ts
 * const stats = await manager.shutdown({ timeoutMs: 5_000 });
 * // { status: 'completed', initialTasks: 5, completedTasks: 5, remainingTasks: 0, durationMs: 12, ... }
 * ```
 */
export interface ShutdownStats {
  /** `'completed'`: all work stopped in time; `'timeout'`: some did not; `'already_shutdown'`: an earlier call did the work. */
  readonly status: 'completed' | 'timeout' | 'already_shutdown';
  /** Work running when shutdown began. */
  readonly initialTasks: number;
  /** Of that, what stopped before the timeout. */
  readonly completedTasks: number;
  /** Of that, what was still running when shutdown gave up. */
  readonly remainingTasks: number;
  /** How long shutdown took. */
  readonly durationMs: number;
  /** Initial tasks that completed (during `drainMs`). */
  readonly succeeded: number;
  /** Initial tasks that failed. */
  readonly failed: number;
  /** Initial tasks cancelled (by shutdown itself, or earlier for detached work). */
  readonly cancelled: number;
  /** Initial tasks that timed out. */
  readonly timedOut: number;
  /**
   * The work still running when shutdown gave up, made to be printed or sent: names and contexts redacted by
   * the manager's `redact` rules (for the live objects, read `getTaskInfo()` before shutting down).
   */
  readonly remaining: readonly TaskInfo[];
}

/**
 * What the manager is doing: accepting tasks, shutting down, or shut down.
 *
 * @example
 * ```ts
 * manager.state$.subscribe((state) => console.log(`manager is ${state}`));
 * ```
 */
export type ManagerState = 'running' | 'shutting_down' | 'shutdown';
