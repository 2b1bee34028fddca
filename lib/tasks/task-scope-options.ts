import type { TaskContext } from './task-context';
import type { TaskInfo } from './task-info';

/**
 * Options of `manager.scope()` and `scope.scope()`.
 *
 * @example
 * ```ts
 * const scope = manager.scope({ name: 'request', signal: request.signal, context: { requestId }, timeoutMs: 30_000 });
 * ```
 */
export interface TaskScopeOptions {
  /** The scope's name, for logs and `getTaskInfo()` readers (a string). */
  readonly name: string;
  /** Context every task of the scope gets under its own (a task's own keys win; a child's over its parent's). Default none. */
  readonly context?: TaskContext;
  /**
   * Aborting it cancels every task of the scope in flight (its child scopes' included) with the signal's reason,
   * and a task created in the scope afterwards is cancelled at once. Default: none.
   */
  readonly signal?: AbortSignal;
  /** The timeout of a task of the scope that gives none (milliseconds, finite, > 0). Default: its parent's, or none. */
  readonly timeoutMs?: number;
  /** The run its tasks belong to (see {@link TaskTags}). Default: its parent's, or the run the scope is created in. */
  readonly runId?: string;
  /** The thread its tasks belong to. Default: its parent's, or that of the run the scope is created in. */
  readonly threadId?: string;
}

/**
 * Options of `scope.run()`.
 *
 * @example
 * ```ts
 * await scope.run(() => summarize(state), { nodeName: 'summarize' });
 * ```
 */
export interface TaskScopeRunOptions {
  /**
   * The node (step) the code is: tasks created inside get it as `nodeName`. A function is called at each task
   * creation (for a runtime whose current node is known only then); one that throws or returns a non-string
   * gives no node name. Default: none.
   */
  readonly nodeName?: string | (() => string | undefined);
}

/**
 * Options of `scope.close()`.
 *
 * @example
 * ```ts
 * await scope.close({ drainMs: 2_000, timeoutMs: 5_000 });
 * ```
 */
export interface TaskScopeCloseOptions {
  /** Let the scope's tasks finish on their own for up to this long first (milliseconds, >= 0). Default `0`. */
  readonly drainMs?: number;
  /**
   * How long to wait, after cancelling, for cancelled work that ignores its signal (detached work) to stop
   * (milliseconds, >= 0). Default: the manager's `defaultShutdownTimeoutMs`.
   */
  readonly timeoutMs?: number;
}

/**
 * What `scope.close()` resolves to.
 *
 * @example
 * ```ts
 * const { status, cancelled, remaining } = await scope.close();
 * if (status === 'timeout') console.warn('still running:', remaining.map((task) => task.name));
 * ```
 */
export interface TaskScopeCloseResult {
  /** `'completed'`: every task of the scope stopped; `'timeout'`: some work was still running after `timeoutMs`. */
  readonly status: 'completed' | 'timeout';
  /** How many tasks the close cancelled (those still in flight after `drainMs`). */
  readonly cancelled: number;
  /** The scope's work still running at the end, made to be printed (names and contexts redacted); empty when completed. */
  readonly remaining: readonly TaskInfo[];
}
