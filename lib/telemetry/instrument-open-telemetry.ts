import type { Meter, Tracer } from '@opentelemetry/api';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { CompiledGraph } from '../graph/compiled-graph';
import { BackgroundTaskManager } from '../tasks/background-task-manager';
import { describeValue } from '../util/describe-value';
import { loadOpenTelemetry } from './internal/load-open-telemetry';
import { isRouted } from './internal/task-channel-router';
import { GraphTelemetry } from './internal/graph-telemetry';
import { TaskTelemetry } from './internal/task-telemetry';
import { resolveOpenTelemetryOptions, type OpenTelemetryOptions } from './open-telemetry-options';

/** The instrumentation scope spans and metrics are recorded under. */
export const OPEN_TELEMETRY_SCOPE = 'agentflow-rx';

/**
 * A running OpenTelemetry instrumentation (see {@link instrumentOpenTelemetry}); `stop()` ends it, as does `using`.
 *
 * @example
 * ```ts
 * using instrumentation = instrumentOpenTelemetry(manager);
 * ```
 */
export interface OpenTelemetryInstrumentation extends Disposable {
  /** How many times recording threw (OpenTelemetry or a value) and was absorbed, so far. */
  readonly failures: number;
  /**
   * Stops recording: no listener or wrapper is left on the manager; spans of tasks still in flight end now with an
   * `agentflow.instrumentation.stopped` event, and `agentflow.tasks.active`/`detached` go back by what they counted.
   * Idempotent.
   */
  stop(): void;
}

/**
 * Records a manager's tasks with OpenTelemetry, or a compiled graph's runs, nodes and tasks (its `taskManager`),
 * through `@opentelemetry/api` (an optional peer dependency, loaded now).
 *
 * **Traces.** One span per task, named after the task, kind `INTERNAL`, a child of the span active where
 * `createTask()` was called, and the task's work runs inside it (spans it starts, and tasks it creates, are its
 * children). Attributes: `agentflow.task.id`, `agentflow.task.name`, `agentflow.task.timeout_ms`, the
 * `recordContext` keys, and at the end `agentflow.task.status`. A failure sets status `ERROR` with an exception
 * event (message and stack redacted by the manager's rules); a timeout sets `ERROR` with an
 * `agentflow.task.timeout` event; a cancellation adds an `agentflow.task.cancelled` event with the reason; work that
 * outlives its task adds an `agentflow.task.detached` event. The span ends when the task settles in the manager's
 * books. Tasks refused at `createTask()` get no span.
 *
 * **Graph runs.** Given a compiled graph, each run gets a span (`agentflow.graph.run`, a child of the span active
 * where `invoke()` or `stream()` was called; attributes `agentflow.graph.run_id` and `agentflow.graph.thread_id`),
 * and each node execution a span named after the node, its child (`agentflow.graph.node`, `agentflow.graph.step`),
 * inside which the node runs: the tasks a node creates are children of the node's span. A failed node or run has
 * status `ERROR` with an exception event; a cancelled run an `agentflow.graph.interrupted` event.
 *
 * **Metrics** (each with `agentflow.task.name`, beyond `maxTaskNames` distinct names `'other'`):
 * `agentflow.tasks.created` (counter, `{task}`), `agentflow.tasks.settled` (counter, with `agentflow.task.status`:
 * `completed`, `failed`, `cancelled` or `timed_out`), `agentflow.tasks.dropped` (counter, with
 * `agentflow.drop.reason`: `overflow` or `shutdown`; tasks refused, and tasks shed by `'drop-oldest'`, which also
 * count as cancelled), `agentflow.task.duration` (histogram, `s`, creation to final status),
 * `agentflow.tasks.active` and `agentflow.tasks.detached` (up-down counters).
 *
 * Without it, a manager pays one field check per task and one `hasSubscribers` check per lifecycle step. A manager
 * is instrumented once at a time; its instrumentation stops by itself when the manager shuts down (or its graph
 * closes).
 *
 * @param target - a `BackgroundTaskManager`, or a `CompiledGraph` (its task manager is instrumented).
 * @param options - providers (default the global ones), context keys to record, the cardinality guard.
 * @returns the running instrumentation.
 * @throws {@link MissingPeerDependencyError} when `@opentelemetry/api` is not installed.
 * @throws {@link InvalidArgumentError} when `target` or an option is not acceptable, when `target` is instrumented
 * already, or when a provider throws while giving its tracer, its meter or an instrument.
 * @example
 * ```ts
 * const instrumentation = instrumentOpenTelemetry(manager, { recordContext: ['tenantId'] });
 * // ... later
 * instrumentation.stop();
 * ```
 */
export function instrumentOpenTelemetry<S extends object>(
  target: BackgroundTaskManager | CompiledGraph<S>,
  options: OpenTelemetryOptions = {},
): OpenTelemetryInstrumentation {
  const manager = managerOf(target);
  const resolved = resolveOpenTelemetryOptions(options);
  if (isRouted(manager)) {
    throw new InvalidArgumentError('target', 'a manager (or graph) not instrumented already: stop() its instrumentation first', target);
  }
  const api = loadOpenTelemetry('instrumentOpenTelemetry()');
  const tracerProvider = resolved.tracerProvider ?? api.trace.getTracerProvider();
  const meterProvider = resolved.meterProvider ?? api.metrics.getMeterProvider();
  const tracer = fromProvider('tracerProvider', tracerProvider, () => tracerProvider.getTracer(OPEN_TELEMETRY_SCOPE) as Tracer);
  const meter = fromProvider('meterProvider', meterProvider, () => meterProvider.getMeter(OPEN_TELEMETRY_SCOPE) as Meter);
  const tasks = fromProvider(
    'meterProvider',
    meterProvider,
    () => new TaskTelemetry(api, manager, { tracer, meter, recordContext: resolved.recordContext, maxTaskNames: resolved.maxTaskNames }),
  );
  const runs = target instanceof CompiledGraph ? new GraphTelemetry(api, target as CompiledGraph<object>, tracer, manager.redactor) : undefined;
  const stop = (): void => {
    runs?.stop();
    tasks.stop();
  };
  return {
    get failures() {
      return tasks.failures + (runs?.failures ?? 0);
    },
    stop,
    [Symbol.dispose]: stop,
  };
}

function managerOf(target: unknown): BackgroundTaskManager {
  try {
    const manager = target instanceof CompiledGraph ? target.taskManager : target;
    // a real manager (not a Proxy of one, nor an object made from its prototype): its private state answers
    if (manager instanceof BackgroundTaskManager && manager.redactor !== undefined) return manager;
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('target', 'a BackgroundTaskManager or a compiled graph', target);
}

/** What a provider gives: its tracer, its meter, the instruments of its meter; what it throws, refused by name. */
function fromProvider<T>(argument: string, provider: unknown, make: () => T): T {
  let made: T;
  try {
    made = make();
  } catch (error) {
    throw new InvalidArgumentError(argument, `an OpenTelemetry provider that works (it threw: ${describeValue(error, 200)})`, provider);
  }
  if (typeof made !== 'object' || made === null) throw new InvalidArgumentError(argument, 'an OpenTelemetry provider that gives an object', provider);
  return made;
}
