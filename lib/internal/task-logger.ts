import log from 'loglevel';
import type { AnyTaskRun } from './task-run';
import type { WorkResult } from './work-owner';
import { describeValue, quoteName } from './describe-value';
import { RateLimitedWarning } from './rate-limited-warning';
import type { Redactor } from './redactor';

/** How often, at most, the manager warns about refused tasks. */
const DROP_WARNING_INTERVAL_MS = 5_000;

/**
 * The manager's log lines about tasks, one line each (the error's stack goes as a separate argument):
 * completions, cancellations and detached work at DEBUG, timeouts at WARN, failures at ERROR,
 * refusals at WARN at most every five seconds.
 *
 * Messages are only built when their level is enabled: the debug line of every completion must cost
 * nothing in production.
 */
export class TaskLogger {
  readonly #logger: log.Logger;
  readonly #dropWarning: RateLimitedWarning;
  readonly #redactor: Redactor;

  constructor(logger: log.Logger, redactor: Redactor) {
    this.#logger = logger;
    this.#redactor = redactor;
    this.#dropWarning = new RateLimitedWarning(logger, DROP_WARNING_INTERVAL_MS);
  }

  /** The logger itself, for messages that are not about one task. */
  get logger(): log.Logger {
    return this.#logger;
  }

  settled(run: AnyTaskRun): void {
    const outcome = run.outcome;
    if (outcome === undefined) return;
    switch (outcome.status) {
      case 'completed':
        if (this.#enabled(log.levels.DEBUG)) {
          this.#logger.debug(`Background task ${quoteName(run.name)} completed in ${outcome.durationMs} ms${this.#context(run)}`);
        }
        return;
      case 'cancelled':
        if (this.#enabled(log.levels.DEBUG)) {
          this.#logger.debug(
            `Background task ${quoteName(run.name)} cancelled after ${outcome.durationMs} ms: ${describeValue(outcome.reason)}${this.#context(run)}`,
          );
        }
        return;
      case 'timed_out':
        if (this.#enabled(log.levels.WARN)) {
          this.#logger.warn(`Background task ${quoteName(run.name)} timed out after ${run.timeoutMs} ms${this.#context(run)}`);
        }
        return;
      case 'failed':
        if (this.#enabled(log.levels.ERROR)) {
          this.#logger.error(
            `Background task ${quoteName(run.name)} failed after ${outcome.durationMs} ms: ${describeValue(outcome.error)}${this.#context(run)}`,
            outcome.error,
          );
        }
        return;
      case 'dropped':
        return; // logged, rate-limited, when it was refused
    }
  }

  dropped(name: string, why: 'overflow' | 'shutdown' | 'rejected', pending: number): void {
    if (!this.#enabled(log.levels.WARN)) return;
    this.#dropWarning.warn(() =>
      why === 'shutdown'
        ? `Background task ${quoteName(name)} dropped: the manager is shut down`
        : `Background task ${quoteName(name)} ${why === 'rejected' ? 'rejected' : 'dropped'}: ${pending} tasks in flight (maxPendingTasks)`,
    );
  }

  detachedWorkStopped(run: AnyTaskRun, result: WorkResult | undefined): void {
    if (!this.#enabled(log.levels.DEBUG)) return;
    const how = result === undefined ? 'stopped' : result.ok ? 'finished' : `failed: ${describeValue(result.error)}`;
    this.#logger.debug(
      `Work of background task ${quoteName(run.name)} ${how} ${Date.now() - run.createdAt} ms after creation, ` +
        `after the task was ${run.status === 'timed_out' ? 'timed out' : 'cancelled'}`,
    );
  }

  subscriberFailed(error: unknown): void {
    this.#logger.error(`A subscriber of the task streams threw: ${describeValue(error)}`, error);
  }

  #enabled(level: number): boolean {
    return this.#logger.getLevel() <= level;
  }

  /** The task's context for a log line, secrets redacted; empty for an empty context. */
  #context(run: AnyTaskRun): string {
    for (const _key in run.context) return ` context=${describeValue(this.#redactor.context(run.context))}`;
    return '';
  }
}
