import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Attributes, Counter, Histogram, Meter, Span, SpanContext, Tracer, UpDownCounter } from '@opentelemetry/api';
import { TaskDroppedError } from '../../errors/task-dropped-error';
import type { Redactor } from '../../redaction/redactor';
import type { BackgroundTaskManager } from '../../tasks/background-task-manager';
import { TASK_CHANNELS, type TaskChannelMessage, type TaskSettledMessage } from '../../tasks/task-channels';
import type { TaskHandle } from '../../tasks/task-handle';
import { addTaskLogFields } from '../../tasks/add-task-log-fields';
import { wrapTaskLaunch } from '../../tasks/wrap-task-launch';
import type { TaskOutcome } from '../../tasks/task-outcome';
import { isInstanceOf } from '../../util/promises';
import type { OpenTelemetryModule } from './load-open-telemetry';
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
  readonly span: Span;
  readonly names: TaskNameInfo;
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
  readonly #manager: BackgroundTaskManager;
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
  /** Each task's span context, for its log lines (kept with the task, also after its span ended). */
  readonly #spanContexts = new WeakMap<TaskHandle<unknown>, SpanContext>();
  #failures = 0;
  #stopped = false;

  constructor(api: OpenTelemetryModule, manager: BackgroundTaskManager, settings: TaskTelemetrySettings) {
    this.#api = api;
    this.#manager = manager;
    this.#redactor = manager.redactor;
    this.#settings = settings;
    this.#names = new TaskNameGuard(settings.maxTaskNames, manager.redactor);
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
    subscribe(TASK_CHANNELS.settled, this.#onSettled);
    subscribe(TASK_CHANNELS.workStopped, this.#onWorkStopped);
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
    unsubscribe(TASK_CHANNELS.settled, this.#onSettled);
    unsubscribe(TASK_CHANNELS.workStopped, this.#onWorkStopped);
    for (const record of this.#inFlight.values()) {
      this.#guard(() => {
        record.span.addEvent('agentflow.instrumentation.stopped');
        record.span.end();
        this.#active.add(-1, record.names.attributes);
      });
    }
    this.#inFlight.clear();
    for (const names of this.#detached.values()) this.#guard(() => this.#detachedCount.add(-1, names.attributes));
    this.#detached.clear();
  }

  /** In `createTask()`, in the caller's context: the span starts there, and the work is launched inside it. */
  readonly #onLaunch = (task: TaskHandle<unknown>, launch: () => void): void => {
    const { context, trace, SpanKind } = this.#api;
    let inSpan = context.active();
    this.#guard(() => {
      const names = this.#names.of(task.name);
      const attributes: Attributes = { 'agentflow.task.id': task.id, 'agentflow.task.name': names.spanName };
      if (task.timeoutMs !== undefined) attributes['agentflow.task.timeout_ms'] = task.timeoutMs;
      for (const key of this.#settings.recordContext) this.#recordContextKey(attributes, task, key);
      const span = this.#settings.tracer.startSpan(names.spanName, { kind: SpanKind.INTERNAL, attributes }, inSpan);
      this.#inFlight.set(task, { span, names });
      if (span.isRecording()) this.#spanContexts.set(task, span.spanContext());
      this.#created.add(1, names.attributes);
      this.#active.add(1, names.attributes);
      inSpan = trace.setSpan(inSpan, span);
    });
    context.with(inSpan, launch);
  };

  /** A task's log lines carry its trace and span ids (OpenTelemetry's log correlation fields). */
  readonly #logFields = (task: TaskHandle<unknown>): Record<string, string> | undefined => {
    const spanContext = this.#spanContexts.get(task);
    if (spanContext === undefined) return undefined;
    return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
  };

  readonly #onSettled = (message: unknown): void => {
    const { manager, task, outcome, detached } = message as TaskSettledMessage;
    if (manager !== this.#manager) return;
    this.#guard(() => this.#settle(task, outcome, detached));
  };

  readonly #onWorkStopped = (message: unknown): void => {
    const { manager, task } = message as TaskChannelMessage;
    if (manager !== this.#manager) return;
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
    const { names } = record;
    const attributes = names.settled(outcome.status);
    this.#active.add(-1, names.attributes);
    this.#settled.add(1, attributes);
    this.#duration.record(outcome.durationMs / 1_000, attributes);
    if (outcome.status === 'cancelled' && isInstanceOf(outcome.reason, TaskDroppedError)) {
      this.#dropped.add(1, { 'agentflow.task.name': names.metricName, 'agentflow.drop.reason': outcome.reason.dropReason });
    }
    if (detached) {
      this.#detached.set(task, names);
      this.#detachedCount.add(1, names.attributes);
    }
    this.#endSpan(record.span, task, outcome, detached);
  }

  #endSpan(span: Span, task: TaskHandle<unknown>, outcome: TaskOutcome<unknown>, detached: boolean): void {
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
    span.end();
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
    else if (typeof value === 'string') attributes[name] = this.#redactor.text(value);
    else if (typeof value === 'number' || typeof value === 'boolean') attributes[name] = value;
    else if (value !== undefined) attributes[name] = this.#redactor.describe(value);
  }

  #guard(record: () => void): void {
    try {
      record();
    } catch {
      this.#failures++;
    }
  }
}
