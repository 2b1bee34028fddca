import type { TaskInfo } from './task-info';

/**
 * How long and how to wait: options of `scope.waitForAll()`, and (with a {@link TaskFilter}) of
 * `manager.waitForAll()`.
 *
 * @example
 * ```ts
 * const result = await scope.waitForAll({ timeoutMs: 60_000, returnExceptions: true });
 * ```
 */
export interface WaitOptions {
  /** Give up waiting after this many milliseconds (finite, > 0). Default: wait as long as it takes. */
  readonly timeoutMs?: number;
  /**
   * `false` (default): reject as soon as a task fails during the wait, with that task's error.
   * `true`: resolve when idle, with every failure in `errors`.
   */
  readonly returnExceptions?: boolean;
}

/**
 * What {@link BackgroundTaskManager.waitForAll} resolves to.
 *
 * @example
 * ```ts
 * const { status, errors, remaining } = await manager.waitForAll({ timeoutMs: 5_000, returnExceptions: true });
 * if (status === 'timeout') console.warn(`${remaining.length} tasks still running`);
 * ```
 */
export interface WaitResult {
  /** `'idle'`: no task was left in flight; `'timeout'`: `timeoutMs` elapsed first. */
  readonly status: 'idle' | 'timeout';
  /** The errors of the tasks that failed during the wait (only with `returnExceptions: true`). */
  readonly errors: readonly unknown[];
  /**
   * The tasks still in flight when the wait timed out, made to be printed: names and contexts redacted by the
   * manager's `redact` rules; empty when idle.
   */
  readonly remaining: readonly TaskInfo[];
}
