import { expect } from 'chai';
import sinon from 'sinon';
import { runInChild } from '../support/run-in-child';
import {
  BackgroundTaskManager,
  GraphClosedError,
  InvalidArgumentError,
  ObservablePublisher,
  StateGraph,
  inject,
  type CompiledGraph,
  type GraphCloseResult,
  type ResolvedRunConfig,
} from '../../lib';
import {
  RecordingPublisher,
  hasSettled,
  pending,
  quietLogger,
  rejectionOf,
  scopedContainerIds,
} from '../support/graph-test-helpers';

interface State {
  done?: boolean;
}

type Spawner = (tasks: BackgroundTaskManager, config: ResolvedRunConfig) => void;

/** A one-node graph whose node starts background tasks with `spawn`. */
function spawning(spawn: Spawner, options: ConstructorParameters<typeof StateGraph<State>>[0] = {}): StateGraph<State> {
  return new StateGraph<State>(options)
    .addNode('spawn', (_state, config, tasks = inject(BackgroundTaskManager)) => {
      spawn(tasks, config);
      return { done: true };
    })
    .setEntryPoint('spawn');
}

/** Work that honours its signal: it settles (rejects) as soon as the signal aborts. */
function cooperative(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

function useFakeClock(): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
}

describe('CompiledGraph.close()', () => {
  const open: CompiledGraph<State>[] = [];
  const track = (app: CompiledGraph<State>): CompiledGraph<State> => {
    open.push(app);
    return app;
  };
  afterEach(async () => {
    sinon.restore();
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  it('shuts the manager down and resolves to { backgroundTasks: ShutdownStats }', async () => {
    const app = track(spawning((tasks) => tasks.createTask(cooperative, { name: 'listener' })).compile());
    await app.invoke();
    await app.invoke();
    const { backgroundTasks } = await app.close();
    expect(backgroundTasks).to.include({ status: 'completed', initialTasks: 2, completedTasks: 2, remainingTasks: 0, cancelled: 2 });
    expect(app.taskManager.state).to.equal('shutdown');
    expect(app.closed).to.equal(true);
  });

  it('waits the shutdownTimeoutMs given to compile() for work that ignores its signal', async () => {
    const clock = useFakeClock();
    const { warn } = quietLogger();
    const app = track(
      spawning((tasks) => tasks.createTask(() => new Promise<never>(() => undefined), { name: 'stuck' })).compile({
        shutdownTimeoutMs: 5_000,
      }),
    );
    await app.invoke();
    const closing = app.close();
    await clock.tickAsync(4_999);
    expect(await hasSettled(closing)).to.equal(false);
    await clock.tickAsync(1);
    const { backgroundTasks } = await closing;
    expect(backgroundTasks).to.include({ status: 'timeout', initialTasks: 1, remainingTasks: 1 });
    expect(backgroundTasks.remaining.map((task) => task.name)).to.deep.equal(['stuck']);
    expect(warn.called).to.equal(true);
    expect(clock.countTimers()).to.equal(0);
  });

  it('lets tasks finish for drainMs before cancelling them', async () => {
    const clock = useFakeClock();
    const app = track(
      spawning((tasks) =>
        tasks.createTask(() => new Promise<string>((resolve) => setTimeout(resolve, 50, 'sent')), { name: 'notify' }),
      ).compile(),
    );
    await app.invoke();
    const closing = app.close({ drainMs: 100 });
    await clock.tickAsync(50);
    const { backgroundTasks } = await closing;
    expect(backgroundTasks).to.include({ status: 'completed', succeeded: 1, cancelled: 0 });
  });

  it('is idempotent: concurrent calls share one close, later calls report already_shutdown', async () => {
    const publisher = new RecordingPublisher();
    const app = spawning(() => undefined, { publisher }).compile();
    await app.invoke();
    const id = app.container.id;
    const [first, second] = await Promise.all([app.close(), app.close()]);
    expect(second).to.equal(first);
    expect(first.backgroundTasks.status).to.equal('completed');
    const third: GraphCloseResult = await app.close();
    expect(third.backgroundTasks.status).to.equal('already_shutdown');
    expect(publisher.closeCalls).to.equal(1);
    expect(scopedContainerIds()).not.to.include(id);
  });

  it('is what [Symbol.asyncDispose] calls, so `await using` closes the graph', async () => {
    const publisher = new RecordingPublisher();
    let app: CompiledGraph<State> | undefined;
    {
      await using graph = spawning(() => undefined, { publisher }).compile();
      app = graph;
      await graph.invoke();
      expect(graph.closed).to.equal(false);
    }
    expect(app.closed).to.equal(true);
    expect(app.taskManager.state).to.equal('shutdown');
    expect(publisher.closeCalls).to.equal(1);
    expect(scopedContainerIds()).not.to.include(app.container.id);
  });

  it('makes invoke() reject and stream() error with GRAPH_CLOSED, from the moment it is called', async () => {
    const app = spawning(() => undefined).compile();
    const closing = app.close();
    const refused = (await rejectionOf(app.invoke())) as GraphClosedError;
    expect(refused).to.be.instanceOf(GraphClosedError);
    expect(refused.code).to.equal('GRAPH_CLOSED');
    expect(refused.runId).to.equal(undefined);
    expect(refused.message).to.include('closed and accepts no new runs');
    await closing;
    expect(await rejectionOf(app.invoke())).to.be.instanceOf(GraphClosedError);
    const streamed = pending<unknown>();
    app.stream().subscribe({ error: streamed.resolve });
    expect(await streamed.promise).to.be.instanceOf(GraphClosedError);
  });

  it('interrupts runs in progress with a GraphClosedError, publishing the interruption first', async () => {
    const publisher = new RecordingPublisher();
    const entered = pending<AbortSignal>();
    const app = new StateGraph<State>({ publisher })
      .addNode('wait', (_state, config) => {
        entered.resolve(config.signal);
        return new Promise<void>(() => undefined);
      })
      .setEntryPoint('wait')
      .compile();
    const running = app.invoke({}, { runId: 'run-1' });
    const signal = await entered.promise;
    const closing = app.close();
    const error = (await rejectionOf(running)) as GraphClosedError;
    expect(error).to.be.instanceOf(GraphClosedError);
    expect(error.runId).to.equal('run-1');
    expect(signal.reason).to.equal(error);
    await closing;
    expect(publisher.summary()).to.deep.equal([
      'graph_execution.start',
      'node_execution.start:wait',
      'graph_execution.interrupted',
    ]);
  });

  it("closes the publisher after the graph's background tasks are done", async () => {
    const publisher = new RecordingPublisher();
    const app = spawning((tasks) => tasks.createTask(cooperative, { name: 'listener' }), { publisher }).compile();
    let stateAtClose: string | undefined;
    let tasksAtClose: number | undefined;
    sinon.stub(publisher, 'close').callsFake(async () => {
      stateAtClose = app.taskManager.state;
      tasksAtClose = app.taskManager.getTaskInfo().length;
    });
    await app.invoke();
    expect(app.taskManager.getTaskInfo().map((task) => task.name)).to.include('listener');
    await app.close();
    expect(stateAtClose).to.equal('shutdown');
    expect(tasksAtClose).to.equal(0);
  });

  it('closes a publisher shared by several graphs once, when the last of them closes', async () => {
    const publisher = new RecordingPublisher();
    const builder = spawning(() => undefined, { publisher });
    const first = builder.compile();
    const second = builder.compile();
    const other = spawning(() => undefined, { publisher }).compile();
    await first.close();
    await other.close();
    expect(publisher.closeCalls).to.equal(0);
    await second.invoke();
    await second.taskManager.waitForAll();
    expect(publisher.events.length).to.be.greaterThan(0);
    await second.close();
    await second.close();
    expect(publisher.closeCalls).to.equal(1);
  });

  it('never rejects because the publisher fails to close; it logs the failure', async () => {
    const { error } = quietLogger();
    const publisher = new RecordingPublisher();
    sinon.stub(publisher, 'close').rejects(new Error('socket already gone'));
    const app = spawning(() => undefined, { publisher }).compile();
    const { backgroundTasks } = await app.close();
    expect(backgroundTasks.status).to.equal('completed');
    expect(error.calledOnce).to.equal(true);
    expect(String(error.firstCall.args[0])).to.include('socket already gone');
  });

  it('waits at most shutdownTimeoutMs for a publisher whose close() hangs, then warns and goes on', async () => {
    const { warn } = quietLogger();
    const publisher = new RecordingPublisher();
    sinon.stub(publisher, 'close').returns(new Promise<void>(() => undefined));
    const app = spawning(() => undefined, { publisher }).compile({ shutdownTimeoutMs: 30 });
    const { backgroundTasks } = await app.close();
    expect(backgroundTasks.status).to.equal('completed');
    expect(warn.calledWithMatch(/publisher did not close within 30 ms/)).to.equal(true);
    expect(scopedContainerIds()).not.to.include(app.container.id);
  });

  it('refuses options out of range', async () => {
    const app = track(spawning(() => undefined).compile());
    const error = (await rejectionOf(app.close({ drainMs: -5 }))) as InvalidArgumentError;
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect(error.argument).to.equal('drainMs');
    expect(app.closed).to.equal(false);
  });

  describe('leaves nothing behind', () => {
    it('no timer: task timeouts and the shutdown timer are all cleared (fake clock)', async () => {
      const clock = useFakeClock();
      const publisher = new ObservablePublisher({ publishTimeoutMs: 30_000 });
      const app = spawning(
        (tasks) => {
          tasks.createTask(cooperative, { name: 'with-timeout', timeoutMs: 60_000 });
          tasks.createTask(async () => 'quick', { name: 'quick', timeoutMs: 60_000 });
        },
        { publisher },
      ).compile({ shutdownTimeoutMs: 10_000 });
      await app.invoke();
      await app.invoke();
      expect(clock.countTimers()).to.be.greaterThan(0);
      await app.close();
      expect(clock.countTimers()).to.equal(0);
    });

    it('no container: the owned container leaves TypeDI static list', async () => {
      const before = scopedContainerIds();
      const apps = [spawning(() => undefined).compile(), spawning(() => undefined).compile()];
      expect(scopedContainerIds()).to.have.length(before.length + 2);
      await Promise.all(apps.map((app) => app.invoke()));
      await Promise.all(apps.map((app) => app.close()));
      expect(scopedContainerIds()).to.deep.equal(before);
    });

    it('no subscription: publisher streams complete, interrupted streams end, caller signals are unlinked', async () => {
      const publisher = new ObservablePublisher();
      const completed = pending();
      const publisherSubscription = publisher.events$.subscribe({ complete: completed.resolve });
      const entered = pending();
      const app = new StateGraph<State>({ publisher })
        .addNode('wait', () => {
          entered.resolve();
          return new Promise<void>(() => undefined);
        })
        .setEntryPoint('wait')
        .compile();
      const controller = new AbortController();
      const add = sinon.spy(controller.signal, 'addEventListener');
      const remove = sinon.spy(controller.signal, 'removeEventListener');
      const failed = pending<unknown>();
      const runSubscription = app.stream({}, { signal: controller.signal }).subscribe({ error: failed.resolve });
      await entered.promise;
      await app.close();
      expect(await failed.promise).to.be.instanceOf(GraphClosedError);
      expect(runSubscription.closed).to.equal(true);
      await completed.promise;
      expect(publisherSubscription.closed).to.equal(true);
      expect(add.callCount).to.equal(1);
      expect(remove.callCount).to.equal(1);
    });

    it('no handle at all: a process that compiles, runs and closes a graph exits by itself', async function () {
      this.timeout(20_000);
      const script = `
        const { StateGraph, inject, BackgroundTaskManager, ObservablePublisher, getDefaultLogger } = require('./lib');
        getDefaultLogger().setLevel('silent');
        const publisher = new ObservablePublisher({ publishTimeoutMs: 60000 });
        const app = new StateGraph({ publisher })
          .addNode('spawn', (state, config, tasks = inject(BackgroundTaskManager)) => {
            tasks.createTask((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { name: 'cooperative', timeoutMs: 60000 });
            tasks.createTask(() => new Promise(() => {}), { name: 'stuck', timeoutMs: 60000 });
            return { done: true };
          })
          .setEntryPoint('spawn')
          .compile({ shutdownTimeoutMs: 200 });
        app.invoke({}, { threadId: 't' })
          .then(() => app.close())
          .then(({ backgroundTasks }) => console.log(JSON.stringify({ status: backgroundTasks.status, remaining: backgroundTasks.remainingTasks })));
      `;
      const result = await runInChild(script, 15_000);
      expect(result.killed, result.stderr).to.equal(false);
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout.trim())).to.deep.equal({ status: 'timeout', remaining: 1 });
    });
  });
});
