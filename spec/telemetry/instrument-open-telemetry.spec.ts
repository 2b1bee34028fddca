import { expect } from 'chai';
import { Writable } from 'node:stream';
import pino from 'pino';
import { hasSubscribers } from 'node:diagnostics_channel';
import {
  BackgroundTaskManager,
  END,
  inject,
  InvalidArgumentError,
  instrumentOpenTelemetry,
  START,
  StateGraph,
  TASK_CHANNELS,
  type OpenTelemetryInstrumentation,
  type RunConfig,
} from '../../lib';
import { capturingLogger, deferred, untilAborted } from '../support/helpers';
import { context, OtelFixture, SpanStatusCode, trace } from './otel-fixture';

describe('instrumentOpenTelemetry()', () => {
  let otel: OtelFixture;
  let manager: BackgroundTaskManager;
  let instrumentation: OpenTelemetryInstrumentation | undefined;

  beforeEach(() => {
    otel = new OtelFixture();
    otel.install();
    manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
  });
  afterEach(async () => {
    instrumentation?.stop();
    instrumentation = undefined;
    await manager.shutdown({ timeoutMs: 200 });
    await otel.uninstall();
  });

  function instrument(options: Parameters<typeof instrumentOpenTelemetry>[1] = {}): OpenTelemetryInstrumentation {
    instrumentation = instrumentOpenTelemetry(manager, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, ...options });
    return instrumentation;
  }

  describe('traces', () => {
    it('makes each task a child of the span active where it was created, also for tasks created in one tick under different spans', async () => {
      instrument();
      const seen: Record<string, string | undefined> = {};
      const work = (label: string) => async (): Promise<void> => {
        await null;
        seen[label] = trace.getActiveSpan()?.spanContext().spanId;
        otel.tracer.startActiveSpan(`${label}-inner`, (inner) => inner.end());
      };
      // two "requests", each with its own active span, creating tasks in the same tick
      otel.tracer.startActiveSpan('request-a', (a) => {
        manager.createTask(work('a'), { name: 'task-a' });
        a.end();
      });
      otel.tracer.startActiveSpan('request-b', (b) => {
        manager.createTask(work('b'), { name: 'task-b' });
        b.end();
      });
      manager.createTask(work('root'), { name: 'task-root' });
      await manager.waitForAll({ timeoutMs: 1_000 });

      const [a, b, taskA, taskB, root] = ['request-a', 'request-b', 'task-a', 'task-b', 'task-root'].map((name) => otel.span(name));
      expect(taskA?.parentSpanContext?.spanId).to.equal(a?.spanContext().spanId);
      expect(taskB?.parentSpanContext?.spanId).to.equal(b?.spanContext().spanId);
      expect(taskA?.spanContext().traceId).to.equal(a?.spanContext().traceId);
      expect(root?.parentSpanContext).to.equal(undefined);
      // the work runs inside its task's span: what it starts is the task's child
      expect(seen.a).to.equal(taskA?.spanContext().spanId);
      expect(seen.b).to.equal(taskB?.spanContext().spanId);
      expect(otel.span('a-inner').parentSpanContext?.spanId).to.equal(taskA?.spanContext().spanId);
      expect(otel.span('b-inner').parentSpanContext?.spanId).to.equal(taskB?.spanContext().spanId);
      expect(taskA?.kind).to.equal(0); // SpanKind.INTERNAL
    });

    it('makes a task created inside a task the child of that task', async () => {
      instrument();
      manager.createTask(async () => {
        manager.createTask(async () => undefined, { name: 'child' });
      }, { name: 'parent' });
      await manager.waitForAll({ timeoutMs: 1_000 });
      await manager.waitForAll({ timeoutMs: 1_000 });
      expect(otel.span('child').parentSpanContext?.spanId).to.equal(otel.span('parent').spanContext().spanId);
    });

    it('records each outcome: attributes, status, exception, timeout, cancellation and detached work, redacted', async () => {
      instrument();
      manager.createTask(async () => 'ok', { name: 'completes', timeoutMs: 5_000 });
      manager.createTask(async () => {
        throw new Error('login failed: password=hunter2');
      }, { name: 'fails' });
      manager.createTask((signal) => untilAborted(signal), { name: 'times out', timeoutMs: 5 });
      const cancelled = manager.createTask((signal) => untilAborted(signal), { name: 'cancelled' });
      cancelled.cancel('token=abc123');
      const release = deferred();
      manager.createTask(() => release.promise, { name: 'detached', timeoutMs: 5 }); // ignores its signal
      await manager.waitForAll({ timeoutMs: 1_000, returnExceptions: true });

      const completes = otel.span('completes');
      expect(completes.attributes).to.include({ 'agentflow.task.name': 'completes', 'agentflow.task.timeout_ms': 5_000, 'agentflow.task.status': 'completed' });
      expect(completes.attributes['agentflow.task.id']).to.be.a('number');
      expect(completes.status.code).to.equal(SpanStatusCode.UNSET);

      const fails = otel.span('fails');
      expect(fails.attributes['agentflow.task.status']).to.equal('failed');
      expect(fails.status.code).to.equal(SpanStatusCode.ERROR);
      const exception = fails.events.find((event) => event.name === 'exception');
      expect(exception?.attributes?.['exception.type']).to.equal('Error');
      expect(String(exception?.attributes?.['exception.message'])).to.contain('password=[REDACTED]');
      expect(JSON.stringify([fails.events, fails.status, fails.attributes])).to.not.contain('hunter2');

      const timedOut = otel.span('times out');
      expect(timedOut.attributes['agentflow.task.status']).to.equal('timed_out');
      expect(timedOut.status.code).to.equal(SpanStatusCode.ERROR);
      expect(timedOut.events.map((event) => event.name)).to.include('agentflow.task.timeout');

      const cancel = otel.span('cancelled');
      expect(cancel.attributes['agentflow.task.status']).to.equal('cancelled');
      expect(cancel.status.code).to.equal(SpanStatusCode.UNSET);
      const reason = cancel.events.find((event) => event.name === 'agentflow.task.cancelled')?.attributes?.['agentflow.task.cancel_reason'];
      expect(String(reason)).to.contain('token=[REDACTED]').and.not.contain('abc123');

      // the span ends when the task settles in the books, while its work still runs
      const detached = otel.span('detached');
      expect(detached.events.map((event) => event.name)).to.include('agentflow.task.detached');
      const detachedPoint = async (): Promise<number | undefined> =>
        (await otel.points('agentflow.tasks.detached')).find((point) => point.attributes['agentflow.task.name'] === 'detached')?.value;
      expect(await detachedPoint()).to.equal(1);
      release.resolve();
      await manager.shutdown({ timeoutMs: 1_000 });
      expect(await detachedPoint()).to.equal(0);
      expect((await otel.points('agentflow.tasks.detached')).every((point) => point.value === 0)).to.equal(true);
      expect(instrumentation?.failures).to.equal(0);
    });

    it('records the recordContext keys as attributes, redacted, and nothing else of the context', async () => {
      instrument({ recordContext: ['tenantId', 'apiKey', 'url', 'nested', 'missing'] });
      manager.createTask(async () => undefined, {
        name: 'with context',
        context: { tenantId: 't-1', apiKey: 'sk-live-123', url: 'https://user:pw@example.com/x', nested: { token: 'x' }, other: 'left out' },
      });
      await manager.waitForAll({ timeoutMs: 1_000 });
      const { attributes } = otel.span('with context');
      expect(attributes['agentflow.task.context.tenantId']).to.equal('t-1');
      expect(attributes['agentflow.task.context.apiKey']).to.equal('[REDACTED]');
      expect(String(attributes['agentflow.task.context.url'])).to.not.contain('pw@');
      expect(String(attributes['agentflow.task.context.nested'])).to.not.contain("'x'");
      expect(attributes).to.not.have.property('agentflow.task.context.other');
      expect(attributes).to.not.have.property('agentflow.task.context.missing');
    });

    it('uses the global providers by default', async () => {
      trace.setGlobalTracerProvider(otel.tracerProvider);
      try {
        instrumentation = instrumentOpenTelemetry(manager);
        manager.createTask(async () => undefined, { name: 'global' });
        await manager.waitForAll({ timeoutMs: 1_000 });
        expect(otel.span('global').instrumentationScope.name).to.equal('agentflow-rx');
      } finally {
        trace.disable();
      }
    });
  });

  describe('metrics', () => {
    it('counts created, settled (by status), dropped (by reason) and durations in seconds, per task name', async () => {
      const small = new BackgroundTaskManager({ logger: capturingLogger('silent').logger, maxPendingTasks: 1, overflow: 'drop-newest' });
      instrumentation = instrumentOpenTelemetry(small, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
      const release = deferred();
      small.createTask(() => release.promise, { name: 'held' });
      small.createTask(async () => undefined, { name: 'refused' }); // overflow: dropped at once
      release.resolve();
      await small.waitForAll({ timeoutMs: 1_000 });
      small.createTask(async () => {
        throw new Error('no');
      }, { name: 'fails' });
      await small.waitForAll({ timeoutMs: 1_000, returnExceptions: true });
      const shuttingDown = small.shutdown();
      small.createTask(async () => undefined, { name: 'late' }); // refused: shutting down
      await shuttingDown;
      await Promise.resolve(); // the instrumentation stops with its manager (a microtask after)
      small.createTask(async () => undefined, { name: 'after' }); // no longer recorded

      expect(await otel.points('agentflow.tasks.created')).to.deep.equal([
        { attributes: { 'agentflow.task.name': 'held' }, value: 1 },
        { attributes: { 'agentflow.task.name': 'fails' }, value: 1 },
      ]);
      expect(await otel.points('agentflow.tasks.settled')).to.deep.equal([
        { attributes: { 'agentflow.task.name': 'held', 'agentflow.task.status': 'completed' }, value: 1 },
        { attributes: { 'agentflow.task.name': 'fails', 'agentflow.task.status': 'failed' }, value: 1 },
      ]);
      expect(await otel.points('agentflow.tasks.dropped')).to.deep.equal([
        { attributes: { 'agentflow.task.name': 'refused', 'agentflow.drop.reason': 'overflow' }, value: 1 },
        { attributes: { 'agentflow.task.name': 'late', 'agentflow.drop.reason': 'shutdown' }, value: 1 },
      ]);
      const durations = await otel.points('agentflow.task.duration');
      expect(durations.map((point) => point.value)).to.deep.equal([1, 1]);
      expect(durations.every((point) => (point.sum ?? -1) >= 0 && (point.sum ?? Infinity) < 1)).to.equal(true); // seconds, not ms
      expect(await otel.unit('agentflow.task.duration')).to.equal('s');
      expect(await otel.unit('agentflow.tasks.created')).to.equal('{task}');
      expect(await otel.points('agentflow.tasks.active')).to.deep.equal([
        { attributes: { 'agentflow.task.name': 'held' }, value: 0 },
        { attributes: { 'agentflow.task.name': 'fails' }, value: 0 },
      ]);
    });

    it('counts tasks in flight in agentflow.tasks.active', async () => {
      instrument();
      const release = deferred();
      manager.createTask(() => release.promise, { name: 'a' });
      manager.createTask(() => release.promise, { name: 'a' });
      expect(await otel.points('agentflow.tasks.active')).to.deep.equal([{ attributes: { 'agentflow.task.name': 'a' }, value: 2 }]);
      release.resolve();
      await manager.waitForAll({ timeoutMs: 1_000 });
      expect(await otel.points('agentflow.tasks.active')).to.deep.equal([{ attributes: { 'agentflow.task.name': 'a' }, value: 0 }]);
    });

    it('guards the cardinality of agentflow.task.name: beyond maxTaskNames distinct names, tasks count as other', async () => {
      instrument({ maxTaskNames: 2 });
      for (const name of ['a', 'b', 'user-1', 'user-2', 'a']) manager.createTask(async () => undefined, { name });
      await manager.waitForAll({ timeoutMs: 1_000 });
      expect(await otel.points('agentflow.tasks.created')).to.deep.equal([
        { attributes: { 'agentflow.task.name': 'a' }, value: 2 },
        { attributes: { 'agentflow.task.name': 'b' }, value: 1 },
        { attributes: { 'agentflow.task.name': 'other' }, value: 2 },
      ]);
      // spans keep the real names: they are not time series
      expect(otel.finished().map((span) => span.name).sort()).to.deep.equal(['a', 'a', 'b', 'user-1', 'user-2']);
    });
  });

  describe('stop()', () => {
    it('leaves no listener or wrapper: later tasks get no span, and open spans end with a stopped event', async () => {
      const before = hasSubscribers(TASK_CHANNELS.settled);
      const instrumented = instrument();
      expect(hasSubscribers(TASK_CHANNELS.settled)).to.equal(true);
      manager.createTask((signal) => untilAborted(signal), { name: 'open' });
      instrumented.stop();
      instrumented.stop();
      expect(hasSubscribers(TASK_CHANNELS.settled)).to.equal(before);
      expect(hasSubscribers(TASK_CHANNELS.workStopped)).to.equal(false);
      expect(otel.span('open').events.map((event) => event.name)).to.deep.equal(['agentflow.instrumentation.stopped']);
      expect(await otel.points('agentflow.tasks.active')).to.deep.equal([{ attributes: { 'agentflow.task.name': 'open' }, value: 0 }]);
      manager.createTask(async () => undefined, { name: 'after stop' });
      await manager.shutdown({ timeoutMs: 1_000 });
      expect(otel.finished().map((span) => span.name)).to.deep.equal(['open']);
    });

    it('is disposable', () => {
      {
        using _instrumented = instrument();
        expect(hasSubscribers(TASK_CHANNELS.workStopped)).to.equal(true);
      }
      expect(hasSubscribers(TASK_CHANNELS.workStopped)).to.equal(false);
      instrumentation = undefined;
    });

    it('leaves no span open after shutdown: every task span has ended', async () => {
      instrument();
      for (let index = 0; index < 50; index++) manager.createTask((signal) => untilAborted(signal), { name: `t${index % 5}` });
      await manager.shutdown({ timeoutMs: 1_000 });
      expect(otel.finished()).to.have.length(50);
      expect(otel.finished().every((span) => span.ended && span.attributes['agentflow.task.status'] === 'cancelled')).to.equal(true);
      instrumentation?.stop(); // nothing left to end
      expect(otel.finished()).to.have.length(50);
    });
  });

  describe('faults', () => {
    it('never changes an outcome when OpenTelemetry throws: failures are counted, tasks run in their creator’s context', async () => {
      const throwing = {
        getTracer: () => ({
          startSpan: () => {
            throw new Error('tracer down');
          },
        }),
      };
      instrument({ tracerProvider: throwing });
      const store = new (await import('node:async_hooks')).AsyncLocalStorage<string>();
      const handle = store.run('caller', () => manager.createTask(async () => store.getStore(), { name: 'x' }));
      expect(await handle.result()).to.equal('caller');
      expect(instrumentation?.failures).to.equal(1);
    });

    it('brings the up-down counters back to 0 whatever a span throws, and counts what it absorbed', async () => {
      const throwingSpan = new Proxy({}, { get: () => () => { throw new Error('span down'); } });
      const tracerProvider = { getTracer: () => ({ startSpan: () => throwingSpan }) };
      instrument({ tracerProvider });
      const release = deferred();
      manager.createTask(async () => 'done', { name: 'ok' });
      manager.createTask(() => release.promise, { name: 'open' });
      await manager.createTask(async () => 'done', { name: 'ok' }).done;
      instrumentation?.stop();
      release.resolve();
      const active = await otel.points('agentflow.tasks.active');
      expect(active.every((point) => point.value === 0), JSON.stringify(active)).to.equal(true);
      expect(instrumentation?.failures).to.be.greaterThan(0);
    });

    it('still ends a span whose other methods throw', async () => {
      let ended = 0;
      const span = new Proxy(
        {},
        {
          get: (_target, key) =>
            key === 'end'
              ? () => void ended++
              : () => {
                  throw new Error(`${String(key)} down`);
                },
        },
      );
      instrument({ tracerProvider: { getTracer: () => ({ startSpan: () => span }) } });
      await manager.createTask(async () => {
        throw new Error('failed');
      }).done;
      expect(ended).to.equal(1);
    });

    it('absorbs a context manager whose active() throws: tasks run, failures are counted', async () => {
      const broken = { active: () => { throw new Error('no context'); }, with: (_: unknown, fn: () => unknown) => fn(), bind: <T>(_: unknown, target: T) => target, enable() { return this; }, disable() { return this; } };
      context.disable();
      context.setGlobalContextManager(broken as never);
      try {
        instrument();
        expect(await manager.createTask(async () => 'ran').result()).to.equal('ran');
        expect(instrumentation?.failures).to.be.greaterThan(0);
      } finally {
        context.disable();
        otel.install();
      }
    });

    it('refuses to instrument a manager twice, and stops by itself when the manager shuts down', async () => {
      const first = instrument();
      expect(() => instrumentOpenTelemetry(manager, { tracerProvider: otel.tracerProvider })).to.throw(InvalidArgumentError, 'instrumented already');
      await manager.shutdown();
      await Promise.resolve();
      expect(hasSubscribers(TASK_CHANNELS.settled)).to.equal(false);
      first.stop();
      const again = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      instrumentOpenTelemetry(again, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider }).stop();
      await again.shutdown();
    });

    it('shares the cardinality guard of one meter between instrumentations, and cuts long names', async () => {
      const other = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      instrument({ maxTaskNames: 2 });
      const second = instrumentOpenTelemetry(other, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, maxTaskNames: 2 });
      for (const name of ['a', 'b']) await manager.createTask(async () => undefined, { name }).done;
      for (const name of ['c', 'd', 'x'.repeat(10_000)]) await other.createTask(async () => undefined, { name }).done;
      const names = new Set((await otel.points('agentflow.tasks.created')).map((point) => point.attributes['agentflow.task.name']));
      expect([...names].sort()).to.deep.equal(['a', 'b', 'other']);
      expect(Math.max(...otel.finished().map((span) => span.name.length))).to.equal(256);
      second.stop();
      await other.shutdown();
    });

    it('refuses a provider that throws, naming it', () => {
      const getTracer = () => {
        throw new Error('tracer down');
      };
      expect(() => instrumentOpenTelemetry(manager, { tracerProvider: { getTracer } })).to.throw(InvalidArgumentError, 'tracerProvider');
      expect(() => instrumentOpenTelemetry(manager, { meterProvider: { getMeter: () => null } })).to.throw(InvalidArgumentError, 'meterProvider');
      expect(hasSubscribers(TASK_CHANNELS.settled)).to.equal(false);
    });

    it('refuses a bad target or option with an InvalidArgumentError naming it', () => {
      const cases: [() => unknown, string][] = [
        [() => instrumentOpenTelemetry({} as BackgroundTaskManager), 'target'],
        [() => instrumentOpenTelemetry(manager, { tracerProvider: {} as never }), 'tracerProvider'],
        [() => instrumentOpenTelemetry(manager, { meterProvider: 1 as never }), 'meterProvider'],
        [() => instrumentOpenTelemetry(manager, { recordContext: 'tenantId' as never }), 'recordContext'],
        [() => instrumentOpenTelemetry(manager, { maxTaskNames: -1 }), 'maxTaskNames'],
        [() => instrumentOpenTelemetry(manager, { tracer: 1 } as never), '`tracer`'],
        [() => instrumentOpenTelemetry(manager, { recordContext: new Proxy(['a'], { get: () => { throw new Error('x'); } }) }), 'recordContext'],
        [() => instrumentOpenTelemetry(manager, { recordContext: [, 'a'] as string[] }), 'recordContext'],
        [() => instrumentOpenTelemetry(manager, { maxTaskNames: 1e12 }), 'maxTaskNames'],
        [() => instrumentOpenTelemetry(new Proxy(manager, {})), 'target'],
        [() => instrumentOpenTelemetry(Object.create(BackgroundTaskManager.prototype) as BackgroundTaskManager), 'target'],
      ];
      for (const [call, argument] of cases) {
        expect(call, argument).to.throw(InvalidArgumentError).with.property('message').that.contains(argument);
      }
      expect(hasSubscribers(TASK_CHANNELS.settled)).to.equal(false);
    });
  });

  describe('log correlation', () => {
    it('puts the task span’s trace_id and span_id on the task’s log lines: fields for pino, pairs for a text logger', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk, _encoding, callback) {
          lines.push(String(chunk));
          callback();
        },
      });
      const structured = new BackgroundTaskManager({ logger: pino({ level: 'debug' }, stream) });
      const text = capturingLogger('debug');
      const plain = new BackgroundTaskManager({ logger: text.logger });
      const tracing = { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider };
      const stops = [instrumentOpenTelemetry(structured, tracing), instrumentOpenTelemetry(plain, tracing)];
      await structured.createTask(async () => undefined, { name: 'structured' }).done;
      await plain.createTask(async () => {
        throw new Error('failed');
      }, { name: 'plain' }).done;
      const ids = (name: string) => ({ trace_id: otel.span(name).spanContext().traceId, span_id: otel.span(name).spanContext().spanId });
      const record = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => String(line.msg).includes('completed'));
      expect(record).to.include(ids('structured'));
      const errorLine = text.messages('error').find((line) => line.includes("'plain' failed"));
      expect(errorLine).to.contain(` trace_id=${ids('plain').trace_id} span_id=${ids('plain').span_id}`);
      for (const stop of stops) stop.stop();
      await structured.createTask(async () => undefined, { name: 'after' }).done;
      const after = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => String(line.msg).includes("'after'"));
      expect(after).to.not.have.property('trace_id');
      await structured.shutdown();
      await plain.shutdown();
    });
  });

  describe('a compiled graph', () => {
    type State = { n: number };
    function graphWith(node: (state: State, config: RunConfig, taskManager: BackgroundTaskManager) => State | Promise<State>) {
      return new StateGraph<State>()
        .addNode('plan', (state: State) => state)
        .addNode('work', (state: State, config: RunConfig, taskManager = inject(BackgroundTaskManager)) => node(state, config, taskManager))
        .addEdge(START, 'plan')
        .addEdge('plan', 'work')
        .addEdge('work', END)
        .compile();
    }

    it('gives a span to each run and each node, the run a child of the caller’s span, and tasks created in a node the node’s children', async () => {
      const graph = graphWith((state, _config, taskManager) => {
        taskManager.createTask(async () => undefined, { name: 'from-node' });
        return state;
      });
      instrumentation = instrumentOpenTelemetry(graph, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
      await otel.tracer.startActiveSpan('request', async (request) => {
        await graph.invoke({ n: 1 }, { threadId: 'thread-1', runId: 'run-1' });
        request.end();
      });
      await graph.close();
      const run = otel.span('agentflow.graph.run');
      expect(run.parentSpanContext?.spanId).to.equal(otel.span('request').spanContext().spanId);
      expect(run.attributes).to.include({ 'agentflow.graph.run_id': 'run-1', 'agentflow.graph.thread_id': 'thread-1' });
      const plan = otel.span('plan');
      const work = otel.span('work');
      expect(plan.parentSpanContext?.spanId).to.equal(run.spanContext().spanId);
      expect(work.parentSpanContext?.spanId).to.equal(run.spanContext().spanId);
      expect(work.attributes).to.include({ 'agentflow.graph.node': 'work', 'agentflow.graph.step': 2 });
      expect(otel.span('from-node').parentSpanContext?.spanId).to.equal(work.spanContext().spanId);
      expect(run.status.code).to.equal(SpanStatusCode.UNSET);
    });

    it('marks a failed node and its run ERROR, redacted, and a cancelled run interrupted', async () => {
      const failing = graphWith(() => {
        const error = new Error('db password=hunter2 refused');
        error.name = `Authorization: Bearer abc.def.ghi password=hunter2 ${'x'.repeat(100_000)}`;
        throw error;
      });
      instrumentation = instrumentOpenTelemetry(failing, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
      const error = await failing.invoke({ n: 1 }).then(() => undefined, (rejection: unknown) => rejection);
      expect(String(error)).to.contain('hunter2'); // the caller gets its error as it is
      const work = otel.span('work');
      expect(work.status.code).to.equal(SpanStatusCode.ERROR);
      expect(otel.span('agentflow.graph.run').status.code).to.equal(SpanStatusCode.ERROR);
      expect(JSON.stringify(otel.finished().map((span) => [span.status, span.events]))).to.not.contain('hunter2');
      const type = String(work.events.find((event) => event.name === 'exception')?.attributes?.['exception.type']);
      expect(type.length).to.be.at.most(256);
      instrumentation.stop();
      await failing.close();

      otel.spans.reset();
      const hanging = graphWith((_state, config) => untilAborted(config.signal as AbortSignal).then(() => ({ n: 0 })));
      instrumentation = instrumentOpenTelemetry(hanging, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
      const controller = new AbortController();
      const run = hanging.invoke({ n: 1 }, { signal: controller.signal }).then(() => undefined, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort(new Error('user left, token=abc'));
      await run;
      const interrupted = otel.span('agentflow.graph.run');
      expect(interrupted.status.code).to.equal(SpanStatusCode.UNSET);
      const event = interrupted.events.find((each) => each.name === 'agentflow.graph.interrupted');
      expect(String(event?.attributes?.['agentflow.graph.interrupt_reason'])).to.contain('user left').and.not.contain('abc');
      await hanging.close();
    });

    it('stop() leaves no wrapper on the graph', async () => {
      const graph = graphWith((state) => state);
      instrumentOpenTelemetry(graph, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider }).stop();
      await graph.invoke({ n: 1 });
      await graph.close();
      expect(otel.finished()).to.deep.equal([]);
    });
  });

  it('keeps the context manager installed for the suite (sanity of the fixture)', () => {
    expect(context.active()).to.not.equal(undefined);
  });
});
