import type { AgentflowLogger } from '../logging/agentflow-logger';
import { constants } from 'node:os';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { GuardedLogger } from '../logging/guarded-logger';
import type { ShutdownStats } from '../tasks/shutdown-stats';
import { checkDelay, checkLogger, checkPlainObject, readOptions } from '../util/validate';

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
  readonly logger?: AgentflowLogger;
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

/** Signals a process cannot catch. */
const UNCATCHABLE_SIGNALS: readonly string[] = ['SIGKILL', 'SIGSTOP'];

/** {@link ShutdownHooksOptions} checked, with their defaults filled in. */
export interface ResolvedShutdownHooksOptions {
  /** The signals to handle, each once. */
  readonly signals: readonly NodeJS.Signals[];
  readonly timeoutMs: number | undefined;
  readonly exitCode: number | undefined;
  readonly onShutdown: ShutdownHooksOptions['onShutdown'];
  readonly logger: GuardedLogger;
}

/**
 * Checks the options of `installShutdownHooks()` once and fills in their defaults.
 *
 * @param options - the options given.
 * @param targetIsGraph - whether the target is a compiled graph (which takes no `timeoutMs`).
 * @throws {@link InvalidArgumentError} when an option is not acceptable.
 */
export function resolveShutdownHooksOptions(given: ShutdownHooksOptions, targetIsGraph: boolean): ResolvedShutdownHooksOptions {
  checkPlainObject('options', given);
  const options = readOptions('options', given, ['signals', 'timeoutMs', 'exitCode', 'onShutdown', 'logger']);
  const signals = checkSignals(options.signals ?? DEFAULT_SHUTDOWN_HOOKS_OPTIONS.signals);
  if (targetIsGraph) checkNoTimeoutForGraph(options.timeoutMs);
  else checkDelay('timeoutMs', options.timeoutMs);
  checkExitCode(options.exitCode);
  checkOnShutdown(options.onShutdown);
  checkLogger('logger', options.logger);
  return {
    signals,
    timeoutMs: options.timeoutMs,
    exitCode: options.exitCode,
    onShutdown: options.onShutdown,
    logger: new GuardedLogger(options.logger),
  };
}

function checkSignals(signals: unknown): readonly NodeJS.Signals[] {
  if (!Array.isArray(signals) || signals.length === 0) {
    throw new InvalidArgumentError('signals', 'a non-empty array of signal names', signals);
  }
  for (const signal of signals) {
    const known = typeof signal === 'string' && Object.hasOwn(constants.signals, signal);
    if (!known || UNCATCHABLE_SIGNALS.includes(signal)) {
      throw new InvalidArgumentError(
        'signals',
        "an array of signal names a process can catch, such as 'SIGINT' or 'SIGTERM' (not 'SIGKILL' or 'SIGSTOP')",
        signal,
      );
    }
  }
  return [...new Set(signals as NodeJS.Signals[])];
}

function checkNoTimeoutForGraph(timeoutMs: unknown): void {
  if (timeoutMs === undefined) return;
  throw new InvalidArgumentError(
    'timeoutMs',
    'undefined for a CompiledGraph (it waits the shutdownTimeoutMs given to compile(); set it there)',
    timeoutMs,
  );
}

function checkExitCode(exitCode: unknown): void {
  if (exitCode === undefined) return;
  if (typeof exitCode === 'number' && Number.isInteger(exitCode) && exitCode >= 0 && exitCode <= 255) return;
  throw new InvalidArgumentError('exitCode', 'an integer from 0 to 255', exitCode);
}

function checkOnShutdown(onShutdown: unknown): void {
  if (onShutdown === undefined || typeof onShutdown === 'function') return;
  throw new InvalidArgumentError('onShutdown', 'a function', onShutdown);
}
