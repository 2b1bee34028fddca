import type { WaitForTasks } from '../graph/run-config';
import type { BasePublisher } from '../publisher/base-publisher';

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
