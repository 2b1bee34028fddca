import { OVERFLOW_POLICIES, type BackgroundTaskManagerOptions, type OverflowPolicy } from '../tasks/manager-options';
import { checkDelay, checkNonNegativeInteger, checkOneOf, checkPlainObject, checkPositiveInteger, readOptions } from '../util/validate';

/**
 * Options of {@link StateGraph.compile}.
 *
 * @example
 * ```ts
 * const app = graph.compile({ shutdownTimeoutMs: 10_000, recursionLimit: 50, maxPendingTasks: 500 });
 * ```
 */
export interface CompileOptions {
  /** How long `close()` waits for the graph's background tasks to stop, in milliseconds. Default `30_000`. */
  readonly shutdownTimeoutMs?: number;
  /** The most nodes one run may execute before it fails with `GraphRecursionError` (an integer >= 1). Default `25`. */
  readonly recursionLimit?: number;
  /** The graph's manager's `maxPendingTasks` (`0`: no cap). Default: the manager's, `1000`. */
  readonly maxPendingTasks?: number;
  /** The graph's manager's overflow policy. Default: the manager's, `'drop-newest'`. */
  readonly overflow?: OverflowPolicy;
}

/**
 * The defaults of {@link CompileOptions} that the graph itself applies, in one place.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_COMPILE_OPTIONS.recursionLimit); // 25
 * ```
 */
export const DEFAULT_COMPILE_OPTIONS = Object.freeze({
  /** How long `close()` waits for background tasks to stop: 30 seconds. */
  shutdownTimeoutMs: 30_000,
  /** The most nodes one run may execute: 25. */
  recursionLimit: 25,
});

/** {@link CompileOptions} checked: the graph's own settings, and the options of the manager it creates. */
export interface ResolvedCompileOptions {
  readonly recursionLimit: number;
  readonly managerOptions: BackgroundTaskManagerOptions;
}

/**
 * Checks the options of `compile()` once and fills in their defaults.
 *
 * @throws {@link InvalidArgumentError} when an option is not acceptable.
 */
export function resolveCompileOptions(given: CompileOptions): ResolvedCompileOptions {
  checkPlainObject('options', given);
  const options = readOptions('options', given, ['shutdownTimeoutMs', 'recursionLimit', 'maxPendingTasks', 'overflow']);
  checkDelay('shutdownTimeoutMs', options.shutdownTimeoutMs);
  checkNonNegativeInteger('maxPendingTasks', options.maxPendingTasks);
  checkOneOf('overflow', options.overflow, OVERFLOW_POLICIES);
  checkPositiveInteger('recursionLimit', options.recursionLimit);
  return {
    recursionLimit: options.recursionLimit ?? DEFAULT_COMPILE_OPTIONS.recursionLimit,
    managerOptions: {
      defaultShutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_COMPILE_OPTIONS.shutdownTimeoutMs,
      ...(options.maxPendingTasks === undefined ? {} : { maxPendingTasks: options.maxPendingTasks }),
      ...(options.overflow === undefined ? {} : { overflow: options.overflow }),
    },
  };
}
