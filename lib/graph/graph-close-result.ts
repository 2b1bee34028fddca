import type { ShutdownStats } from '../tasks/shutdown-stats';

/**
 * Options of {@link CompiledGraph.close}.
 *
 * @example
 * ```ts
 * await app.close({ drainMs: 1_000 }); // let notifications finish for up to a second, then cancel the rest
 * ```
 */
export interface GraphCloseOptions {
  /** How long to let background tasks finish on their own before they are cancelled, in milliseconds. Default `0`. */
  readonly drainMs?: number;
}

/**
 * What {@link CompiledGraph.close} resolves to.
 *
 * @example
 * ```ts
 * const { backgroundTasks } = await app.close();
 * console.log(backgroundTasks.status, backgroundTasks.remainingTasks); // 'completed' 0
 * ```
 */
export interface GraphCloseResult {
  /** What the shutdown of the graph's `BackgroundTaskManager` reported (`'already_shutdown'` after the first close). */
  readonly backgroundTasks: ShutdownStats;
}
