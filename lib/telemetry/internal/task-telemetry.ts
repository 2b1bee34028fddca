import type { Attributes, Counter, Histogram, Meter, Span, SpanContext, Tracer, UpDownCounter } from '@opentelemetry/api';
import { TaskDroppedError } from '../../errors/task-dropped-error';
import type { Redactor } from '../../redaction/redactor';
import type { BackgroundTaskManager } from '../../tasks/background-task-manager';
import type { TaskChannelMessage, TaskSettledMessage } from '../../tasks/task-channels';
import type { Subscription } from 'rxjs';
import type { TaskHandle } from '../../tasks/task-handle';
import { addTaskLogFields } from '../../tasks/add-task-log-fields';
import { wrapTaskLaunch } from '../../tasks/wrap-task-launch';
import type { TaskOutcome } from '../../tasks/task-outcome';
import { isInstanceOf } from '../../util/promises';
import type { OpenTelemetryModule } from './load-open-telemetry';
import { routeTaskChannels } from './task-channel-router';
import { TaskNameGuard, type TaskNameInfo } from './task-name-guard';

/** What a {@link TaskTelemetry} records with. */
export interface TaskTelemetrySettings {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly recordContext: readonly string[];
  readonly maxTaskNames: number;
}

/** Bucket boundaries of `agentflow.task.duration`, in seconds: those OpenTelemetry advises for request durations. */
const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 300];

/** What it keeps per task in flight: its span, and the name its metrics carry. */
interface TaskRecord {
  /** Its span, when one could be started. */
  readonly span: Span | undefined;
  readonly names: TaskNameInfo;
  /** Whether it was counted in `agentflow.tasks.active` (so that it is taken out exactly once). */
  readonly active: boolean;
}

/**
 * The OpenTelemetry instrumentation of one manager: a span per task, a child of the span active where
 * `createTask()` was called, in which the task's work runs; and the task metrics. It takes part in each task's
 * launch (`wrapTaskLaunch()`) and listens on the lifecycle channels (`TASK_CHANNELS`), for this manager only.
 * Every callback is total: whatever OpenTelemetry or a value throws, a task's outcome never changes, and nothing
 * reaches the diagnostics channel (which would report it as an uncaught exception).
 */
export class TaskTelemetry {
  readonly #api: OpenTelemetryModule;
  readonly #redactor: Redactor;
  readonly #settings: TaskTelemetrySettings;
  readonly #names: TaskNameGuard;
  readonly #inFlight = new Map<TaskHandle<unknown>, TaskRecord>();
  /** The tasks whose work outlives them, counted in `agentflow.tasks.detached`, by the name they are counted under. */
  readonly #detached = new Map<TaskHandle<unknown>, TaskNameInfo>();
  readonly #created: Counter;
  readonly #settled: Counter;
  readonly #dropped: Counter;
  readonly #duration: Histogram;
  readonly #active: UpDownCounter;
  readonly #detachedCount: UpDownCounter;
  readonly #removeLaunchWrapper: () => void;
  readonly #removeLogFields: () => void;
  readonly #unroute: () => void;
  readonly #stateSubscription: Subscription;
  /** Each task's span context, for its log lines (kept with the task, also after its span ended). */
  readonly #spanContexts = new WeakMap<TaskHandle<unknown>, SpanContext>();
  #failures = 0;
  #stopped = false;

  constructor(api: OpenTelemetryModule, manager: BackgroundTaskManager, settings: TaskTelemetrySettings) {
    this.#api = api;
    this.#redactor = manager.redactor;
    this.#settings = settings;
    this.#names = new TaskNameGuard(settings.maxTaskNames, manager.redactor, settings.meter);
    const { meter } = settings;
    this.#created = meter.createCounter('agentflow.tasks.created', { description: 'Tasks accepted by the manager', unit: '{task}' });
    this.#settled = meter.createCounter('agentflow.tasks.settled', { description: 'Tasks that reached a final status', unit: '{task}' });
    this.#dropped = meter.createCounter('agentflow.tasks.dropped', { description: 'Tasks refused or shed by the manager', unit: '{task}' });
    this.#duration = meter.createHistogram('agentflow.task.duration', {
      description: 'Time from creation to final status',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
    this.#active = meter.createUpDownCounter('agentflow.tasks.active', { description: 'Tasks in flight', unit: '{task}' });
    this.#detachedCount = meter.createUpDownCounter('agentflow.tasks.detached', {
      description: 'Settled tasks whose work still runs (it ignored its signal)',
      unit: '{task}',
    });
    this.#removeLaunchWrapper = wrapTaskLaunch(manager, this.#onLaunch);
    this.#removeLogFields = addTaskLogFields(manager, this.#logFields);
    this.#unroute = routeTaskChannels(manager, { settled: this.#onSettled, workStopped: this.#onWorkStopped });
    // A manager that shut down creates no more tasks: its instrumentation stops with it (nothing is left holding it).
    this.#stateSubscription = manager.state$.subscribe((state) => {
      if (state === 'shutdown') queueMicrotask(() => this.stop());
    });
  }

  /** How many times recording threw (OpenTelemetry or a value), so far: each was absorbed. */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Stops recording: no more spans or measurements; the spans of tasks still in flight end now (status unset,
   * with an `agentflow.instrumentation.stopped` event), and the up-down counters go back by what they counted.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#removeLaunchWrapper();
    this.#removeLogFields();
    this.#unroute();
    this.#stateSubscription?.unsubscribe();
    for (const record of this.#inFlight.values()) {
      if (record.active) this.#guard(() => this.#active.add(-1, record.names.attributes));
      const { span } = record;
      if (span !== undefined) {
        this.#guard(() => {
          span.addEvent('agentflow.instrumentation.stopped');
          span.end();
        });
      }
    }
    this.#inFlight.clear();
    for (const names of this.#detached.values()) this.#guard(() => this.#detachedCount.add(-1, names.attributes));
    this.#detached.clear();
  }

  /**
   * In `createTask()`, in the caller's context: the span starts there, and the work is launched inside it. The
   * measurements and the span are guarded apart, and the books say what was done, so that whatever OpenTelemetry
   * throws, the up-down counters come back to where they were.
   */
  readonly #onLaunch = (task: TaskHandle<unknown>, launch: () => void): void => {
    // try/catch blocks rather than guard closures: this runs in every createTask()
    const { context, trace, SpanKind } = this.#api;
    let parent = this.#api.ROOT_CONTEXT;
    let names: TaskNameInfo;
    try {
      parent = context.active();
      names = this.#names.of(task.name);
    } catch {
      this.#failures++;
      launch();
      return;
    }
    let active = false;
    try {
      this.#created.add(1, names.attributes);
      this.#active.add(1, names.attributes);
      active = true;
    } catch {
      this.#failures++;
    }
    let span: Span | undefined;
    let inSpan = parent;
    try {
      const attributes: Attributes = { 'agentflow.task.id': task.id, 'agentflow.task.name': names.spanName };
      if (task.timeoutMs !== undefined) attributes['agentflow.task.timeout_ms'] = task.timeoutMs;
      for (const key of this.#settings.recordContext) this.#recordContextKey(attributes, task, key);
      span = this.#settings.tracer.startSpan(names.spanName, { kind: SpanKind.INTERNAL, attributes }, parent);
      inSpan = trace.setSpan(parent, span);
      if (span.isRecording()) this.#spanContexts.set(task, span.spanContext());
    } catch {
      this.#failures++;
    }
    this.#inFlight.set(task, { span, names, active });
    context.with(inSpan, launch);
  };

  /** A task's log lines carry its trace and span ids (OpenTelemetry's log correlation fields). */
  readonly #logFields = (task: TaskHandle<unknown>): Record<string, string> | undefined => {
    const spanContext = this.#spanContexts.get(task);
    if (spanContext === undefined) return undefined;
    return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
  };

  readonly #onSettled = (message: TaskSettledMessage): void => {
    try {
      this.#settle(message.task, message.outcome, message.detached);
    } catch {
      this.#failures++;
    }
  };

  readonly #onWorkStopped = (message: TaskChannelMessage): void => {
    const { task } = message;
    const names = this.#detached.get(task);
    if (names === undefined) return;
    this.#detached.delete(task);
    this.#guard(() => this.#detachedCount.add(-1, names.attributes));
  };

  #settle(task: TaskHandle<unknown>, outcome: TaskOutcome<unknown>, detached: boolean): void {
    const record = this.#inFlight.get(task);
    if (outcome.status === 'dropped') {
      // refused at createTask(): it never ran, so it has no span and was never active
      this.#dropped.add(1, { 'agentflow.task.name': this.#names.of(task.name).metricName, 'agentflow.drop.reason': outcome.reason.dropReason });
      return;
    }
    if (record === undefined) return; // created before the instrumentation started
    this.#inFlight.delete(task);
    const { names, span } = record;
    // each part guarded apart (try/catch, not closures: this runs for every task), so that one that throws never
    // keeps another from its books
    if (record.active) {
      try {
        this.#active.add(-1, names.attributes);
      } catch {
        this.#failures++;
      }
    }
    try {
      const attributes = names.settled(outcome.status);
      this.#settled.add(1, attributes);
      this.#duration.record(outcome.durationMs / 1_000, attributes);
      if (outcome.status === 'cancelled' && isInstanceOf(outcome.reason, TaskDroppedError)) {
        this.#dropped.add(1, { 'agentflow.task.name': names.metricName, 'agentflow.drop.reason': outcome.reason.dropReason });
      }
    } catch {
      this.#failures++;
    }
    if (detached) {
      try {
        this.#detachedCount.add(1, names.attributes);
        this.#detached.set(task, names);
      } catch {
        this.#failures++;
      }
    }
    if (span === undefined) return;
    try {
      this.#endSpan(span, task, outcome, detached);
    } catch {
      this.#failures++;
    }
  }

  #endSpan(span: Span, task: TaskHandle<unknown>, outcome: TaskOutcome<unknown>, detached: boolean): void {
    // what the span records, then its end, each attempted whatever the other does
    try {
      this.#recordOutcome(span, task, outcome, detached);
    } catch {
      this.#failures++;
    }
    try {
      span.end();
    } catch {
      this.#failures++;
    }
  }

  #recordOutcome(span: Span, task: TaskHandle<unknown>, outcome: TaskOutcome<unknown>, detached: boolean): void {
    const { SpanStatusCode } = this.#api;
    span.setAttribute('agentflow.task.status', outcome.status);
    switch (outcome.status) {
      case 'failed': {
        const message = this.#redactor.describe(outcome.error);
        span.recordException(this.#exception(outcome.error, message));
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        break;
      }
      case 'timed_out':
        span.addEvent('agentflow.task.timeout', { 'agentflow.task.timeout_ms': task.timeoutMs ?? 0 });
        span.setStatus({ code: SpanStatusCode.ERROR, message: `timed out after ${task.timeoutMs} ms` });
        break;
      case 'cancelled':
        span.addEvent('agentflow.task.cancelled', { 'agentflow.task.cancel_reason': this.#redactor.describe(outcome.reason) });
        break;
      default:
        break;
    }
    if (detached) span.addEvent('agentflow.task.detached', { 'agentflow.task.detached': true });
  }

  /** An exception for `recordException()`: its name, its message and its stack, redacted. */
  #exception(error: unknown, message: string): { name: string; message: string; stack?: string } {
    const described = this.#redactor.redact(error);
    const name = typeof described === 'object' && described !== null && typeof (described as { name?: unknown }).name === 'string'
      ? (described as { name: string }).name
      : 'Error';
    let stack: string | undefined;
    try {
      const raw = (error as { stack?: unknown } | null)?.stack;
      if (typeof raw === 'string') stack = this.#redactor.text(raw);
    } catch {
      stack = undefined;
    }
    return stack === undefined ? { name, message } : { name, message, stack };
  }

  /** Records one context key on the span's attributes, redacted (see `recordContext`). */
  #recordContextKey(attributes: Attributes, task: TaskHandle<unknown>, key: string): void {
    let value: unknown;
    try {
      if (!Object.hasOwn(task.context, key)) return;
      value = task.context[key];
    } catch {
      value = '[unreadable]';
    }
    const name = `agentflow.task.context.${key}`;
    if (this.#redactor.isSecretKey(key)) attributes[name] = '[REDACTED]';
    else if (typeof value === 'string') attributes[name] = cut(this.#redactor.text(value));
    else if (typeof value === 'number' || typeof value === 'boolean') attributes[name] = value;
    else if (value !== undefined) attributes[name] = cut(this.#redactor.describe(value));
  }

  #guard(record: () => void): void {
    try {
      record();
    } catch {
      this.#failures++;
    }
  }
}

/** The longest context value recorded on a span. */
const MAX_ATTRIBUTE_LENGTH = 1_024;

/** `text` cut to {@link MAX_ATTRIBUTE_LENGTH}, with `…`. */
function cut(text: string): string {
  return text.length > MAX_ATTRIBUTE_LENGTH ? `${text.slice(0, MAX_ATTRIBUTE_LENGTH - 1)}…` : text;
}
