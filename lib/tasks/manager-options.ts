import type log from 'loglevel';

/**
 * What `createTask` does when `maxPendingTasks` tasks are already in flight.
 *
 * - `'drop-newest'`: refuse the new task (its handle is `'dropped'`, its work never starts).
 * - `'drop-oldest'`: cancel the oldest task in flight (its signal's reason a `TaskDroppedError`) to make room.
 * - `'reject'`: throw a `TaskRejectedError` synchronously.
 *
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager({ maxPendingTasks: 100, overflow: 'drop-oldest' });
 * ```
 */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'reject';

/**
 * The overflow policies, for validation and for UIs that offer a choice.
 */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-newest', 'drop-oldest', 'reject'];

/**
 * Options of the {@link BackgroundTaskManager} constructor.
 *
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager({
 *   defaultShutdownTimeoutMs: 30_000,
 *   maxPendingTasks: 1000,
 *   overflow: 'drop-newest',
 *   logger: log.getLogger('my-app.tasks'),
 * });
 * ```
 */
export interface BackgroundTaskManagerOptions {
  /** How long `shutdown()` waits for work to stop when it is given no `timeoutMs`. Default `30_000`. */
  readonly defaultShutdownTimeoutMs?: number;
  /** The most tasks in flight at once; `0` means no cap. Default `1000`. */
  readonly maxPendingTasks?: number;
  /** What to do with a task beyond `maxPendingTasks`. Default `'drop-newest'`. */
  readonly overflow?: OverflowPolicy;
  /** Where the manager logs. Default `log.getLogger('agentflow.utils')` from loglevel. */
  readonly logger?: log.Logger;
  /**
   * Context keys whose values never leave the process: matched case-insensitively at any depth and replaced by
   * `'[REDACTED]'` in log lines, `getTaskInfo({ redacted: true })`, `redactContext()` (used by the SSE bridge
   * and the Redis mirror). `events$` and plain `getTaskInfo()` stay raw for in-process code. `[]` turns it off.
   * Default {@link DEFAULT_REDACTED_KEYS}.
   */
  readonly redact?: readonly string[];
}

/**
 * The context keys redacted by default.
 *
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager({ redact: [...DEFAULT_REDACTED_KEYS, 'sessionId'] });
 * ```
 */
export const DEFAULT_REDACTED_KEYS: readonly string[] = Object.freeze([
  'password',
  'token',
  'secret',
  'authorization',
  'apiKey',
  'cookie',
]);

/**
 * The defaults of {@link BackgroundTaskManagerOptions}, in one place.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_MANAGER_OPTIONS.maxPendingTasks); // 1000
 * ```
 */
export const DEFAULT_MANAGER_OPTIONS: Readonly<Required<Omit<BackgroundTaskManagerOptions, 'logger'>>> = Object.freeze({
  defaultShutdownTimeoutMs: 30_000,
  maxPendingTasks: 1000,
  overflow: 'drop-newest',
  redact: DEFAULT_REDACTED_KEYS,
});
