import type { TaskScope } from './task-scope';
import type { WaitOptions } from './wait-result';

/**
 * Which tasks a call of the manager applies to: `getTaskInfo()`, `getTaskCount()`, `cancelAll()` and
 * `waitForAll()` take these fields. Every field given must match (a task matches `{ runId, name }` when both
 * are equal); an empty filter matches every task.
 *
 * The manager keeps an index by run, by thread and by scope (and, once a call filtered by name, by name), so a
 * filtered call costs in proportion to the tasks of the smallest matching group, not to every task the manager
 * tracks.
 *
 * @example
 * ```ts
 * await manager.waitForAll({ runId: config.runId, timeoutMs: 5_000 });
 * await manager.cancelAll({ threadId: 'thread-1', reason: 'conversation deleted' });
 * console.log(manager.getTaskCount({ name: 'send_email' }));
 * ```
 */
export interface TaskFilter {
  /** Tasks created in this run (see {@link TaskTags.runId}). */
  readonly runId?: string;
  /** Tasks created in a run of this thread (see {@link TaskTags.threadId}). */
  readonly threadId?: string;
  /** Tasks with this name. */
  readonly name?: string;
  /** Tasks of this scope, its child scopes included; it must be a scope of the same manager. */
  readonly scope?: TaskScope;
}

/** The keys of {@link TaskFilter}, for the option checks. */
export const TASK_FILTER_KEYS = ['runId', 'threadId', 'name', 'scope'] as const;

/**
 * Options of `manager.waitForAll()`: which tasks (a {@link TaskFilter}), how long, and how failures are reported.
 *
 * @example
 * ```ts
 * const result = await manager.waitForAll({ runId, timeoutMs: 60_000, returnExceptions: true });
 * ```
 */
export interface WaitForAllOptions extends TaskFilter, WaitOptions {}

/**
 * Options of `manager.cancelAll()`: which tasks (a {@link TaskFilter}) and why.
 *
 * @example
 * ```ts
 * await manager.cancelAll({ runId, reason: 'run aborted' });
 * ```
 */
export interface CancelAllOptions extends TaskFilter {
  /** Why, kept as the shared `TaskCancelledError`'s `cause`. */
  readonly reason?: unknown;
}

/**
 * A reason `cancelAll()` takes as is: anything but a plain object (which it reads as {@link CancelAllOptions}; give
 * an object as `{ reason }`). The type leaves plain objects out, so that a misspelt filter is a compile error.
 *
 * @example
 * ```ts
 * const reason: CancelReason = new Error('user logged out');
 * await manager.cancelAll(reason);
 * ```
 */
export type CancelReason = string | number | boolean | bigint | symbol | null | undefined | Error | readonly unknown[];

/**
 * Options of `manager.getTaskInfo()`: which tasks (a {@link TaskFilter}), and whether to redact them.
 *
 * @example
 * ```ts
 * const infos = manager.getTaskInfo({ threadId, redacted: true });
 * ```
 */
export interface TaskInfoOptions extends TaskFilter {
  /** `true` for copies made to leave the process: names and contexts redacted. Default `false`. */
  readonly redacted?: boolean;
}
