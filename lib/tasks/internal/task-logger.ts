import type { GuardedLogger, LogFields, LogLevelName } from '../../logging/guarded-logger';
import { RateLimitedWarning } from '../../logging/rate-limited-warning';
import { UNREADABLE, describeValue, oneLine, quoteName } from '../../util/describe-value';
import type { Redactor } from '../../redaction/redactor';
import type { ShutdownStats } from '../shutdown-stats';
import type { TaskLogFields } from '../task-log-fields';
import type { AnyTaskRun, WorkResult } from './task-run';

/** How often, at most, the manager warns about refused tasks. */
const DROP_WARNING_INTERVAL_MS = 5_000;

/**
 * The manager's log lines, one line each (a failure's stack goes as a separate argument, as text):
 * completions, cancellations and detached work at DEBUG, timeouts at WARN, failures at ERROR, refusals at WARN
 * at most every five seconds.
 *
 * Every method is total: it reads user values (errors, reasons, contexts) only through total formatters, and
 * the logger is a {@link GuardedLogger}, so a throwing logger or a hostile value costs a line, never an
 * outcome. The manager calls it only after its books are settled. Messages are only built when their level is
 * enabled: the debug line of every completion must cost nothing in production.
 */
export class TaskLogger {
  readonly #logger: GuardedLogger;
  readonly #dropWarning: RateLimitedWarning;
  readonly #redactor: Redactor;
  #formatFailures = 0;
  /** How many times an instrumentation's log fields threw. */
  #extraFailures = 0;

  /** The instrumentations' extra fields for task lines (see `addTaskLogFields()`). */
  readonly #extraFields: () => readonly TaskLogFields[] | undefined;

  constructor(logger: GuardedLogger, redactor: Redactor, extraFields: () => readonly TaskLogFields[] | undefined = () => undefined) {
    this.#logger = logger;
    this.#redactor = redactor;
    this.#extraFields = extraFields;
    this.#dropWarning = new RateLimitedWarning(logger, DROP_WARNING_INTERVAL_MS);
  }

  /** How many log calls failed: the logger threw, or a line could not be built. */
  get failures(): number {
    return this.#logger.failures + this.#formatFailures + this.#extraFailures;
  }

  settled(run: AnyTaskRun): void {
    const outcome = run.outcome;
    if (outcome === undefined) return;
    try {
      // The level is checked first: on a silent logger, a settled task costs no formatting at all (a hot path).
      switch (outcome.status) {
        case 'completed':
          if (!this.#logger.isEnabled('debug')) return;
          this.#line('debug', run, `Background task ${this.#name(run.name)} completed in ${ms(outcome.durationMs)}`);
          return;
        case 'cancelled':
          if (!this.#logger.isEnabled('debug')) return;
          this.#line(
            'debug',
            run,
            `Background task ${this.#name(run.name)} cancelled after ${ms(outcome.durationMs)}: ${this.#redactor.describe(outcome.reason)}`,
          );
          return;
        case 'timed_out':
          if (!this.#logger.isEnabled('warn')) return;
          this.#line('warn', run, `Background task ${this.#name(run.name)} timed out after ${run.timeoutMs} ms`);
          return;
        case 'failed':
          if (!this.#logger.isEnabled('error')) return;
          this.#line(
            'error',
            run,
            `Background task ${this.#name(run.name)} failed after ${ms(outcome.durationMs)}: ${this.#redactor.describe(outcome.error)}`,
            outcome.error,
          );
          return;
        case 'dropped':
          return; // logged, rate-limited, when it was refused
      }
    } catch {
      this.#formatFailures++;
    }
  }

  dropped(name: string, why: 'overflow' | 'shutdown' | 'rejected' | 'scope_closed', pending: number): void {
    try {
      if (!this.#logger.isEnabled('warn')) return;
      this.#dropWarning.warn(() =>
        why === 'shutdown'
          ? `Background task ${this.#name(name)} dropped: the manager is shut down`
          : why === 'scope_closed'
            ? `Background task ${this.#name(name)} dropped: its task scope is closed`
            : `Background task ${this.#name(name)} ${why === 'rejected' ? 'rejected' : 'dropped'}: ${pending} tasks in flight (maxPendingTasks)`,
      );
    } catch {
      this.#formatFailures++;
    }
  }

  detachedWorkStopped(run: AnyTaskRun, result: WorkResult | undefined): void {
    try {
      if (!this.#logger.isEnabled('debug')) return;
      const ageMs = run.info(performance.now()).ageMs;
      const how = result === undefined ? 'stopped' : result.ok ? 'finished' : `failed: ${this.#redactor.describe(result.error)}`;
      const message =
        `Work of background task ${this.#name(run.name)} ${how} ${ms(ageMs)} after creation, ` +
        `after the task was ${run.status === 'timed_out' ? 'timed out' : 'cancelled'}`;
      this.#line('debug', run, message, undefined, false);
    } catch {
      this.#formatFailures++;
    }
  }

  /** A user callback threw: a stream subscriber, a task handle's subscriber, an Observable work's teardown. */
  callbackFailed(error: unknown, what: string): void {
    try {
      if (!this.#logger.isEnabled('error')) return;
      this.#logger.error(`${what} threw: ${this.#redactor.describe(error)}`, error);
    } catch {
      this.#formatFailures++;
    }
  }

  waitTimedOut(timeoutMs: number, remaining: number): void {
    this.#logger.warn(`waitForAll timed out after ${timeoutMs} ms with ${remaining} background ${remaining === 1 ? 'task' : 'tasks'} still in flight`);
  }

  shutDown(stats: ShutdownStats): void {
    const message =
      `Background task manager shut down (${stats.status}): ${stats.completedTasks} of ${stats.initialTasks} tasks stopped, ` +
      `${stats.remainingTasks} still running, in ${stats.durationMs} ms`;
    if (stats.status === 'completed') this.#logger.info(message);
    else this.#logger.warn(message);
  }

  /**
   * One line about a task: a text logger gets the context (redacted) in the message; a structured one (pino,
   * winston) gets it, with the task's id, name, status and duration, as fields.
   */
  /** A task's name for a message: redacted first (the whole of it), then quoted on one line. */
  #name(name: string): string {
    return quoteName(this.#redactor.text(name));
  }

  #line(level: LogLevelName, run: AnyTaskRun, message: string, error?: unknown, withContext = true): void {
    const extra = this.#extra(run);
    // the library's own fields last: an instrumentation's fields never overwrite a task's status, name or context
    if (this.#logger.structured) this.#logger.log(level, message, extra === undefined ? this.#fields(run) : { ...extra, ...this.#fields(run) }, error);
    else this.#logger.log(level, `${message}${withContext ? this.#context(run) : ''}${extra === undefined ? '' : pairs(extra)}`, undefined, error);
  }

  /** The instrumentations' fields for a line about `run` (string values only); `undefined` when there are none. */
  #extra(run: AnyTaskRun): Record<string, string> | undefined {
    const providers = this.#extraFields();
    if (providers === undefined) return undefined;
    let extra: Record<string, string> | undefined;
    for (const provider of providers) {
      try {
        const fields = provider(run);
        if (fields === undefined || fields === null) continue;
        for (const [key, value] of Object.entries(fields)) {
          // a field name is a plain name (no space, '=' or quote could forge another pair in a text line)
          if (typeof value !== 'string' || !FIELD_NAME.test(key)) continue;
          extra ??= {};
          extra[key] = value;
        }
      } catch {
        this.#extraFailures++;
      }
    }
    return extra;
  }

  /** The task's fields, named after OpenTelemetry's conventions (see `AgentflowLogger`). */
  #fields(run: AnyTaskRun): LogFields {
    const outcome = run.outcome;
    return {
      'agentflow.task.id': run.id,
      'agentflow.task.name': run.name,
      'agentflow.task.status': run.status,
      ...(outcome === undefined ? {} : { 'agentflow.task.duration_ms': outcome.durationMs }),
      'agentflow.task.context': run.context, // redacted, with every field, by the GuardedLogger
    };
  }

  /** The task's context for a log line, secrets redacted; empty for an empty context. */
  #context(run: AnyTaskRun): string {
    const context = run.context;
    try {
      for (const _key in context) return ` context=${describeValue(this.#redactor.record(context))}`;
      return '';
    } catch {
      return ` context=${UNREADABLE}`;
    }
  }
}

/** Fields as ` key=value` pairs at the end of a text line, each on one line (quoted when it needs to be). */
function pairs(fields: Readonly<Record<string, string>>): string {
  let text = '';
  // a plain value as it is; any other quoted as JSON (quotes and backslashes escaped), then kept on one line
  for (const [key, value] of Object.entries(fields)) text += ` ${key}=${PLAIN_VALUE.test(value) ? value : oneLine(JSON.stringify(value))}`;
  return text;
}

/** What an instrumentation's field may be called: letters, digits, `_`, `.` and `-`, at most 64 of them. */
const FIELD_NAME = /^[\w.-]{1,64}$/;

/** A value written without quotes. */
const PLAIN_VALUE = /^[\w.:/-]+$/;

/** A duration for a log line: whole milliseconds (the books keep fractions from the monotonic clock). */
function ms(durationMs: number): string {
  return `${Math.round(durationMs)} ms`;
}
