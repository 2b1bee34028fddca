import type { Attributes } from '@opentelemetry/api';
import type { Redactor } from '../../redaction/redactor';

/** The name metrics carry for the tasks of names beyond the guard's bound. */
export const OTHER_TASK_NAME = 'other';

/** How many task names the guard remembers what it made for (names repeat; past it, it starts over). */
const MAX_REMEMBERED_NAMES = 1_000;

/** The longest name a span or a metric label carries; a longer one is cut, with `…`. */
export const MAX_NAME_LENGTH = 256;

/**
 * The metric names given out per meter: shared by every instrumentation recording through one meter (several
 * managers, a manager instrumented again), so that `maxTaskNames` bounds the series of the meter, not of each one.
 */
const metricNamesByMeter = new WeakMap<object, Set<string>>();

/** What the instrumentation records for the tasks of one name. */
export interface TaskNameInfo {
  /** The name, redacted: the span's name and its `agentflow.task.name` attribute. */
  readonly spanName: string;
  /** The name metrics carry: the redacted name, or {@link OTHER_TASK_NAME} beyond the bound. */
  readonly metricName: string;
  /** `{ 'agentflow.task.name': metricName }`, made once (measurements take the same object each time). */
  readonly attributes: Attributes;
  /** The attributes of a settled task, with its status, made once per status. */
  settled(status: string): Attributes;
}

/**
 * The task names metrics may carry: the first `maxNames` distinct names of the meter as they are (redacted, cut to
 * {@link MAX_NAME_LENGTH}), every later one as
 * {@link OTHER_TASK_NAME}, so that names made from data (a user id in a name) cannot make a time series each. What
 * it makes for a name is kept, so that a task costs a map lookup, not a redaction and new attribute objects.
 */
export class TaskNameGuard {
  readonly #maxNames: number;
  readonly #redactor: Redactor;
  /** The metric names given out so far, for the meter (they stay given out: a series, once made, keeps its name). */
  readonly #metricNames: Set<string>;
  readonly #infos = new Map<string, TaskNameInfo>();

  constructor(maxNames: number, redactor: Redactor, meter: object) {
    this.#maxNames = maxNames;
    this.#redactor = redactor;
    let shared = metricNamesByMeter.get(meter);
    if (shared === undefined) {
      shared = new Set();
      metricNamesByMeter.set(meter, shared);
    }
    this.#metricNames = shared;
  }

  /** What to record for a task named `name`. */
  of(name: string): TaskNameInfo {
    let info = this.#infos.get(name);
    if (info === undefined) {
      info = this.#make(name);
      if (this.#infos.size >= MAX_REMEMBERED_NAMES) this.#infos.clear();
      this.#infos.set(name, info);
    }
    return info;
  }

  #make(name: string): TaskNameInfo {
    const redacted = this.#redactor.text(name);
    const spanName = redacted.length > MAX_NAME_LENGTH ? `${redacted.slice(0, MAX_NAME_LENGTH - 1)}…` : redacted;
    let metricName = OTHER_TASK_NAME;
    if (this.#metricNames.has(spanName) || this.#metricNames.size < this.#maxNames) {
      this.#metricNames.add(spanName);
      metricName = spanName;
    }
    const attributes: Attributes = Object.freeze({ 'agentflow.task.name': metricName });
    const byStatus = new Map<string, Attributes>();
    return {
      spanName,
      metricName,
      attributes,
      settled(status) {
        let settled = byStatus.get(status);
        if (settled === undefined) {
          settled = Object.freeze({ 'agentflow.task.name': metricName, 'agentflow.task.status': status });
          byStatus.set(status, settled);
        }
        return settled;
      },
    };
  }
}
