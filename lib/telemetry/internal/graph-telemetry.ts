import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import type { CompiledGraph } from '../../graph/compiled-graph';
import type { GraphStep } from '../../graph/graph-step-wrapper';
import { wrapGraphSteps } from '../../graph/wrap-graph-steps';
import type { Redactor } from '../../redaction/redactor';
import type { OpenTelemetryModule } from './load-open-telemetry';

/** The name of a run's span (low cardinality: the run id is an attribute). */
export const GRAPH_RUN_SPAN_NAME = 'agentflow.graph.run';

/**
 * The OpenTelemetry instrumentation of a compiled graph's runs: a span per run (`agentflow.graph.run`, a child of
 * the span active where `invoke()` or `stream()` was called) and one per node execution (named after the node, a
 * child of the run's span), inside which the node runs, so that the tasks it creates are the node span's children.
 * A failed step has status `ERROR` and an exception event (redacted); a cancelled run an
 * `agentflow.graph.interrupted` event. Every callback is total.
 */
export class GraphTelemetry {
  readonly #api: OpenTelemetryModule;
  readonly #tracer: Tracer;
  readonly #redactor: Redactor;
  readonly #open = new Set<Span>();
  readonly #remove: () => void;
  #failures = 0;

  constructor(api: OpenTelemetryModule, graph: CompiledGraph<object>, tracer: Tracer, redactor: Redactor) {
    this.#api = api;
    this.#tracer = tracer;
    this.#redactor = redactor;
    this.#remove = wrapGraphSteps(graph, (step, proceed) => this.#onStep(step, proceed));
  }

  get failures(): number {
    return this.#failures;
  }

  /** Stops: no more spans; the spans of steps still running end now, with an `agentflow.instrumentation.stopped` event. */
  stop(): void {
    this.#remove();
    for (const span of this.#open) {
      try {
        span.addEvent('agentflow.instrumentation.stopped');
        span.end();
      } catch {
        this.#failures++;
      }
    }
    this.#open.clear();
  }

  #onStep(step: GraphStep, proceed: () => Promise<unknown>): void {
    const { context, trace, SpanKind } = this.#api;
    let span: Span | undefined;
    let active = this.#api.ROOT_CONTEXT;
    try {
      active = context.active();
      const attributes: Attributes = { 'agentflow.graph.run_id': this.#redactor.text(step.runId) };
      if (step.threadId !== undefined) attributes['agentflow.graph.thread_id'] = this.#redactor.text(step.threadId);
      if (step.node !== undefined) attributes['agentflow.graph.node'] = this.#redactor.text(step.node);
      if (step.step !== undefined) attributes['agentflow.graph.step'] = step.step;
      const name = step.kind === 'run' ? GRAPH_RUN_SPAN_NAME : this.#redactor.text(step.node ?? 'node');
      span = this.#tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, active);
      this.#open.add(span);
    } catch {
      this.#failures++;
    }
    if (span === undefined) {
      proceed();
      return;
    }
    const started = span;
    const done = context.with(trace.setSpan(active, started), proceed);
    done.then(
      () => this.#end(started, step, undefined),
      (error: unknown) => this.#end(started, step, { error }),
    );
  }

  #end(span: Span, step: GraphStep, failure: { error: unknown } | undefined): void {
    if (!this.#open.delete(span)) return; // ended by stop()
    try {
      if (failure !== undefined) {
        if (step.signal.aborted) {
          span.addEvent('agentflow.graph.interrupted', { 'agentflow.graph.interrupt_reason': this.#redactor.describe(step.signal.reason) });
        } else {
          const message = this.#redactor.describe(failure.error);
          span.recordException({ name: this.#errorName(failure.error), message });
          span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message });
        }
      }
      span.end();
    } catch {
      this.#failures++;
    }
  }

  /** An error's name for an exception event: redacted, on one line, at most 256 characters. */
  #errorName(error: unknown): string {
    try {
      const name = (error as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') return 'Error';
      const redacted = this.#redactor.text(name);
      return redacted.length > 256 ? `${redacted.slice(0, 255)}…` : redacted;
    } catch {
      return 'Error';
    }
  }
}
