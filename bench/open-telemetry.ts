/**
 * Measurement 13: what `instrumentOpenTelemetry()` costs per task, on the common case (create + settle of
 * `async () => { await null }`, measurement 7's work), interleaved:
 *
 * - off: a manager without instrumentation (the floor);
 * - no-op SDK: instrumented with the global providers while no SDK is registered (the API's no-op tracer and
 *   meter: what an application pays that ships the instrumentation with tracing turned off);
 * - in-memory SDK: the real SDK (`BasicTracerProvider` with a `SimpleSpanProcessor` into an `InMemorySpanExporter`,
 *   a `MeterProvider` with a reader, the `AsyncLocalStorageContextManager`), a span and six measurements per task.
 *
 * No target is set (issue 15 asks for the figures). With instrumentation off, a manager pays one field check
 * per task and one `hasSubscribers` check per lifecycle step.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry, type OpenTelemetryOptions, type TaskHandle } from '../lib';
import { freshManager, verify } from './support/env';
import { compared, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import { startTiming, type Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { commonWork } from './support/workloads';

const TASKS = 20_000;
const OFF = 'instrumentation off';
const NOOP = 'instrumented, no-op SDK (API only)';
const SDK = 'instrumented, in-memory SDK';

/** A metric reader that never exports (the measurements are still aggregated). */
class IdleReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const spans = new InMemorySpanExporter();
const sdk: OpenTelemetryOptions = {
  tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  meterProvider: new MeterProvider({ readers: [new IdleReader()] }),
};

async function round(tasks: number, mode: 'off' | 'noop' | 'sdk'): Promise<Timing> {
  const manager = freshManager();
  const contextManager = mode === 'sdk' ? new AsyncLocalStorageContextManager().enable() : undefined;
  if (contextManager !== undefined) context.setGlobalContextManager(contextManager);
  const instrumentation = mode === 'off' ? undefined : instrumentOpenTelemetry(manager, mode === 'sdk' ? sdk : {});
  try {
    const stop = startTiming();
    let last: TaskHandle<void> | undefined;
    for (let index = 0; index < tasks; index++) last = manager.createTask(commonWork, { name: 'bench' });
    await last?.done;
    if (manager.getTaskCount() !== 0) await manager.waitForAll();
    const timing = stop(tasks);
    verify(last?.status === 'completed', `last task is ${last?.status}`);
    if (mode === 'sdk') verify(spans.getFinishedSpans().length === tasks, `${spans.getFinishedSpans().length} spans for ${tasks} tasks`);
    return timing;
  } finally {
    instrumentation?.stop();
    spans.reset();
    if (contextManager !== undefined) context.disable();
    await manager.shutdown();
  }
}

export const openTelemetry: Measurement = {
  id: 'open-telemetry',
  group: 'otel',
  title: `13. create + settle of ${TASKS.toLocaleString('en-US')} common-case tasks with instrumentOpenTelemetry() (per task)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = Math.max(2_000, warmupTasks(options.quick, TASKS));
    const samples = await interleave(
      [
        { label: OFF, run: () => round(TASKS, 'off'), warmup: () => round(warm, 'off') },
        { label: NOOP, run: () => round(TASKS, 'noop'), warmup: () => round(warm, 'noop') },
        { label: SDK, run: () => round(TASKS, 'sdk'), warmup: () => round(warm, 'sdk') },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 7), title: 'open telemetry' },
    );
    const off = timingRow(OFF, samplesOf(samples, OFF));
    return {
      rows: [off, compared(timingRow(NOOP, samplesOf(samples, NOOP)), off, 'off'), compared(timingRow(SDK, samplesOf(samples, SDK)), off, 'off')],
      checks: [],
      notes: ['No target (issue 15 asks for the figures): the cost of a task span and its measurements, per task.'],
    };
  },
};
