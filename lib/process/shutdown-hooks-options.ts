import type log from 'loglevel';
import type { ShutdownStats } from '../tasks/shutdown-stats';

/**
 * Options of {@link installShutdownHooks}.
 *
 * @example
 * ```ts
 * installShutdownHooks(manager, {
 *   signals: ['SIGTERM'],
 *   timeoutMs: 10_000,
 *   onShutdown: (stats) => console.log(`Shutdown stats: ${JSON.stringify(stats)}`),
 * });
 * ```
 */
export interface ShutdownHooksOptions {
  /** The signals to handle, by name. Default `['SIGINT', 'SIGTERM']`. `SIGKILL` and `SIGSTOP` cannot be handled. */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * For a {@link BackgroundTaskManager} target only: the `timeoutMs` given to its `shutdown()`. Default: the
   * manager's `defaultShutdownTimeoutMs`. A {@link CompiledGraph} waits the `shutdownTimeoutMs` given to
   * `compile()`, so this option is refused for a graph.
   */
  readonly timeoutMs?: number;
  /** The exit code, an integer from 0 to 255. Default: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). */
  readonly exitCode?: number;
  /**
   * Called with the shutdown's figures (a graph's `backgroundTasks`) before the process exits; it may return a
   * promise, which is awaited. If it throws or rejects, the error is logged and the process exits with 1.
   */
  readonly onShutdown?: (stats: ShutdownStats) => void | Promise<void>;
  /** Where the hooks log the signal and any failure. Default: the library's default logger. */
  readonly logger?: log.Logger;
}

/**
 * The defaults of {@link ShutdownHooksOptions}.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_SHUTDOWN_HOOKS_OPTIONS.signals); // ['SIGINT', 'SIGTERM']
 * ```
 */
export const DEFAULT_SHUTDOWN_HOOKS_OPTIONS: Readonly<Required<Pick<ShutdownHooksOptions, 'signals'>>> = Object.freeze({
  signals: Object.freeze<NodeJS.Signals[]>(['SIGINT', 'SIGTERM']),
});

/**
 * Removes the listeners {@link installShutdownHooks} added; calling it again does nothing.
 *
 * @example
 * ```ts
 * const removeHooks = installShutdownHooks(manager);
 * removeHooks(); // SIGINT and SIGTERM get Node's default behaviour back
 * ```
 */
export type RemoveShutdownHooks = () => void;
