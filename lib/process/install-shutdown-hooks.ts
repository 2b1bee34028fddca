import { constants } from 'node:os';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { CompiledGraph } from '../graph/compiled-graph';
import { type LogSink } from '../logging/guarded-logger';
import { BackgroundTaskManager } from '../tasks/background-task-manager';
import type { ShutdownStats } from '../tasks/shutdown-stats';
import { resolveShutdownHooksOptions, type RemoveShutdownHooks, type ShutdownHooksOptions } from './shutdown-hooks-options';

/** The exit code when the shutdown itself or `onShutdown` failed. */
const FAILURE_EXIT_CODE = 1;

/**
 * Shuts a {@link BackgroundTaskManager} or a {@link CompiledGraph} down gracefully when the process receives
 * SIGINT or SIGTERM (or the given `signals`), then exits.
 *
 * On the first signal: the manager's `shutdown({ timeoutMs })` runs (for a graph, its `close()`, which waits
 * the `shutdownTimeoutMs` given to `compile()`), so every task in flight has its signal aborted and work
 * that honours it stops; `onShutdown` receives the {@link ShutdownStats} (a graph's `backgroundTasks`); the
 * process then exits with `exitCode`, by default 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
 *
 * A second signal of any handled kind while that is in progress exits at once, with the same code, without
 * waiting for anything.
 *
 * Nothing is ever left as an unhandled rejection: if `onShutdown` throws or rejects, or the shutdown itself
 * fails, the error is logged at ERROR and the process exits with 1, so that a supervisor can tell a clean
 * stop from a broken one.
 *
 * The returned function removes every listener the call added (the signals then get Node's default
 * behaviour back, unless other listeners remain); calling it again does nothing. Removing the hooks while a
 * shutdown is in progress does not stop that shutdown, but a further signal is no longer caught here.
 *
 * @typeParam S - the graph's state, when `target` is a compiled graph.
 * @param target - the manager or compiled graph to shut down.
 * @param options - signals, `timeoutMs` (manager only), `exitCode`, `onShutdown` and `logger`; see
 *   {@link ShutdownHooksOptions}.
 * @returns a function that removes the hooks.
 * @throws {@link InvalidArgumentError} when `target` is neither a manager nor a compiled graph, or an option
 *   is not acceptable (an unknown or uncatchable signal name, a bad `timeoutMs` or `exitCode`, an
 *   `onShutdown` that is not a function); nothing is installed then.
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager();
 * const removeHooks = installShutdownHooks(manager, {
 *   timeoutMs: 10_000,
 *   onShutdown: (stats) => console.log(`Shutdown stats: ${JSON.stringify(stats)}`),
 * });
 * // Ctrl+C: tasks are aborted, the stats printed, and the process exits with 130
 * ```
 */
export function installShutdownHooks<S extends object>(
  target: BackgroundTaskManager | CompiledGraph<S>,
  options: ShutdownHooksOptions = {},
): RemoveShutdownHooks {
  checkTarget(target);
  const resolved = resolveShutdownHooksOptions(options, target instanceof CompiledGraph);
  const { signals, logger } = resolved;
  const shutDown = (): Promise<ShutdownStats> => shutDownTarget(target, resolved.timeoutMs);
  let exitCode: number | undefined;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (exitCode !== undefined) {
      logger.warn(`Received ${signal} while shutting down: exiting at once with code ${exitCode}`);
      process.exit(exitCode);
    }
    exitCode = resolved.exitCode ?? 128 + constants.signals[signal];
    logger.info(`Received ${signal}: shutting down gracefully (a second signal exits at once)`);
    void runShutdown(shutDown, resolved.onShutdown, logger).then((succeeded) => {
      process.exit(succeeded ? exitCode : FAILURE_EXIT_CODE);
    });
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}

/**
 * Shuts down and hands the figures to `onShutdown`; resolves whether all went well, never rejects.
 */
async function runShutdown(
  shutDown: () => Promise<ShutdownStats>,
  onShutdown: ShutdownHooksOptions['onShutdown'],
  logger: LogSink,
): Promise<boolean> {
  let stats: ShutdownStats;
  try {
    stats = await shutDown();
  } catch (error) {
    logger.error(`Shutdown on signal failed: ${logger.describe(error)}`, error);
    return false;
  }
  if (onShutdown === undefined) return true;
  try {
    await onShutdown(stats);
    return true;
  } catch (error) {
    logger.error(`onShutdown failed: ${logger.describe(error)}`, error);
    return false;
  }
}

async function shutDownTarget<S extends object>(
  target: BackgroundTaskManager | CompiledGraph<S>,
  timeoutMs: number | undefined,
): Promise<ShutdownStats> {
  if (target instanceof CompiledGraph) {
    const { backgroundTasks } = await target.close();
    return backgroundTasks;
  }
  return target.shutdown(timeoutMs === undefined ? {} : { timeoutMs });
}

function checkTarget(target: unknown): void {
  if (target instanceof BackgroundTaskManager || target instanceof CompiledGraph) return;
  throw new InvalidArgumentError('target', 'a BackgroundTaskManager or a CompiledGraph', target);
}
