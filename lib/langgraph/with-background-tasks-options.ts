import type { BasePublisher } from '../publisher/base-publisher';

/**
 * How long a run waits for its background tasks: `true` until they have all settled, `{ timeoutMs }` at most that
 * many milliseconds, `false` not at all.
 *
 * @example
 * ```ts
 * const wait: WaitForTasks = { timeoutMs: 10_000 };
 * ```
 */
export type WaitForTasks =
  | boolean
  | {
      /** Give up waiting after this many milliseconds (finite, > 0). */
      readonly timeoutMs: number;
    };

/**
 * Options of {@link withBackgroundTasks}.
 *
 * @example
 * ```ts
 * const app = withBackgroundTasks(compiled, manager, { publisher: new ConsolePublisher(), waitForTasks: false });
 * ```
 */
export interface WithBackgroundTasksOptions {
  /**
   * The publisher `inject(BasePublisher)` and `publishEvent()` use in the graph's nodes; `null` (the default) for
   * none, so that `publishEvent()` does nothing.
   */
  readonly publisher?: BasePublisher | null;
  /**
   * Whether `invoke()` resolves, and the stream ends, only once the run's background tasks have settled, for runs
   * that do not say (see `configurable.waitForTasks`). Default `false`.
   */
  readonly waitForTasks?: WaitForTasks;
}
