import { context, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, MetricReader, type HistogramMetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A metric reader that only collects when asked (no timer). */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One data point of a sum or a histogram, with its attributes. */
export interface Point {
  readonly attributes: Attributes;
  /** A sum's value, or a histogram's count. */
  readonly value: number;
  /** A histogram's sum. */
  readonly sum?: number;
}

/**
 * The real OpenTelemetry SDK with in-memory exporters, and the AsyncLocalStorage context manager installed as the
 * global one (what `@opentelemetry/sdk-node` does), for one suite.
 */
export class OtelFixture {
  readonly spans = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spans)] });
  readonly reader = new CollectingReader();
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  readonly #contextManager = new AsyncLocalStorageContextManager();

  install(): void {
    this.#contextManager.enable();
    context.setGlobalContextManager(this.#contextManager);
  }

  async uninstall(): Promise<void> {
    context.disable();
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }

  /** A tracer of the test's own, for the "request" spans tasks are created under. */
  get tracer() {
    return this.tracerProvider.getTracer('test');
  }

  finished(): ReadableSpan[] {
    return this.spans.getFinishedSpans();
  }

  span(name: string): ReadableSpan {
    const found = this.finished().filter((span) => span.name === name);
    if (found.length !== 1) throw new Error(`expected one finished span named ${name}, found ${found.length}`);
    return found[0] as ReadableSpan;
  }

  /** The data points of metric `name`, as collected now. */
  async points(name: string): Promise<Point[]> {
    const { resourceMetrics } = await this.reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue;
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          return (metric as HistogramMetricData).dataPoints.map((point) => ({ attributes: point.attributes, value: point.value.count, sum: point.value.sum }));
        }
        return (metric as SumMetricData).dataPoints.map((point) => ({ attributes: point.attributes, value: point.value }));
      }
    }
    return [];
  }

  /** The unit metric `name` was made with. */
  async unit(name: string): Promise<string | undefined> {
    const { resourceMetrics } = await this.reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) if (metric.descriptor.name === name) return metric.descriptor.unit;
    return undefined;
  }
}

export { context, SpanStatusCode, trace };
