import type { SchedulerLike } from 'rxjs';
import type { AgentflowLogger } from '../logging/agentflow-logger';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { DEFAULT_REDACT_KEYS, DEFAULT_REDACT_VALUE_RULES, resolveRedactionRules, type RedactOption } from '../redaction/redaction-rules';
import { checkDelay, checkLogger, checkNonNegativeInteger, checkOneOf, checkPlainObject, readOptions } from '../util/validate';

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
  /**
   * Where the manager logs: loglevel, `console`, pino, winston... (see {@link AgentflowLogger}). Default
   * `log.getLogger('agentflow.utils')` from loglevel.
   */
  readonly logger?: AgentflowLogger;
  /**
   * How secrets are kept from leaving the process (see {@link Redactor}): rules for keys and for values, a list
   * of key rules alone (which replaces {@link DEFAULT_REDACT_KEYS} and keeps the value rules), or `false` for no
   * redaction. They apply to everything the manager sends out: log lines and their fields, the `remaining`
   * lists of `waitForAll()` and `shutdown()`, `getTaskInfo({ redacted: true })`, and what reads the manager's
   * {@link BackgroundTaskManager.redactor} (the server-sent-events handler, the Redis mirror). `events$` and
   * plain `getTaskInfo()` stay raw for in-process code. Default: {@link DEFAULT_REDACT_KEYS} and
   * {@link DEFAULT_REDACT_VALUE_RULES}.
   */
  readonly redact?: RedactOption;
  /**
   * An RxJS scheduler that starts tasks, times them out and measures their durations, instead of microtasks,
   * timers and `performance.now()`: give the `TestScheduler` to test code that uses the manager with marble
   * diagrams in virtual time. With one, a task's work is called from the scheduler (in its async context, not the
   * caller's). Default: none.
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * The defaults of {@link BackgroundTaskManagerOptions}, in one place.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_MANAGER_OPTIONS.maxPendingTasks); // 1000
 * ```
 */
export const DEFAULT_MANAGER_OPTIONS: Readonly<Required<Omit<BackgroundTaskManagerOptions, 'logger' | 'scheduler'>>> = Object.freeze({
  defaultShutdownTimeoutMs: 30_000,
  maxPendingTasks: 1000,
  overflow: 'drop-newest',
  redact: Object.freeze({ keys: DEFAULT_REDACT_KEYS, values: DEFAULT_REDACT_VALUE_RULES }),
});

const MANAGER_OPTION_KEYS = ['defaultShutdownTimeoutMs', 'maxPendingTasks', 'overflow', 'logger', 'redact', 'scheduler'] as const;

/** Options people give the manager that belong to each task: where they go instead. */
const TASK_OPTIONS_ELSEWHERE: Readonly<Record<string, string>> = Object.freeze({
  timeout: 'a task\'s timeout goes to createTask(work, { timeoutMs })',
  timeoutMs: 'a task\'s timeout goes to createTask(work, { timeoutMs })',
  name: 'a task\'s name goes to createTask(work, { name })',
  context: 'a task\'s context goes to createTask(work, { context })',
  signal: 'a task\'s signal goes to createTask(work, { signal })',
});

/** {@link BackgroundTaskManagerOptions} checked, with every default filled in. */
export interface ResolvedManagerOptions extends Readonly<Required<Omit<BackgroundTaskManagerOptions, 'logger' | 'scheduler'>>> {
  /** The logger given, or `undefined` for the library's default. */
  readonly logger: AgentflowLogger | undefined;
  /** The scheduler given, or `undefined`. */
  readonly scheduler: SchedulerLike | undefined;
}

/**
 * Checks the manager's options once and fills in their defaults.
 *
 * @throws {@link InvalidArgumentError} when an option is out of range; the message names it and the value.
 */
export function resolveManagerOptions(given: BackgroundTaskManagerOptions): ResolvedManagerOptions {
  checkPlainObject('options', given);
  const options = readOptions('options', given, MANAGER_OPTION_KEYS, TASK_OPTIONS_ELSEWHERE);
  checkDelay('defaultShutdownTimeoutMs', options.defaultShutdownTimeoutMs);
  checkNonNegativeInteger('maxPendingTasks', options.maxPendingTasks);
  checkOneOf('overflow', options.overflow, OVERFLOW_POLICIES);
  checkLogger('logger', options.logger);
  resolveRedactionRules('redact', options.redact); // checked here, so that a bad rule is refused with the other options
  checkScheduler(options.scheduler);
  const defaults = DEFAULT_MANAGER_OPTIONS;
  return {
    defaultShutdownTimeoutMs: options.defaultShutdownTimeoutMs ?? defaults.defaultShutdownTimeoutMs,
    maxPendingTasks: options.maxPendingTasks ?? defaults.maxPendingTasks,
    overflow: options.overflow ?? defaults.overflow,
    logger: options.logger,
    redact: options.redact ?? defaults.redact,
    scheduler: options.scheduler,
  };
}

function checkScheduler(scheduler: unknown): void {
  if (scheduler === undefined) return;
  let usable = false;
  try {
    const candidate = scheduler as Partial<SchedulerLike>;
    usable = typeof scheduler === 'object' && scheduler !== null && typeof candidate.now === 'function' && typeof candidate.schedule === 'function';
  } catch {
    usable = false;
  }
  if (!usable) throw new InvalidArgumentError('scheduler', 'an RxJS scheduler (with now() and schedule())', scheduler);
}
