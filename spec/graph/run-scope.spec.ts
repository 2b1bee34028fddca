import { expect } from 'chai';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  StateGraph,
  getCurrentTaskScope,
  getRunContext,
  inject,
  type CompiledGraph,
  type TaskEvent,
} from '../../lib';
import { deferred, rejectionOf, untilAborted } from '../support/helpers';
import { RecordingPublisher, hasSettled } from '../support/graph-test-helpers';

interface State {
  trail: string[];
}

describe('CompiledGraph runs as task scopes', () => {
  const apps: CompiledGraph<State>[] = [];
  const compile = (graph: StateGraph<State>): CompiledGraph<State> => {
    const app = graph.compile({ shutdownTimeoutMs: 200 });
    apps.push(app);
    return app;
  };

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it("tags every task created in a run with its runId, threadId and the node that created it, apart from the context", async () => {
    const events: TaskEvent[] = [];
    const app = compile(
      new StateGraph<State>()
        .addNode('plan', (state) => {
          inject(BackgroundTaskManager).createTask(async () => 1, { name: 'in_plan', context: { userId: 'u1' } });
          return state;
        })
        .addNode('act', async (state) => {
          await Promise.resolve();
          getRunContext()?.tasks.createTask(async () => 2, { name: 'in_act' });
          return state;
        })
        .addEdge('plan', 'act')
        .setEntryPoint('plan'),
    );
    app.taskManager.events$.subscribe((event) => events.push(event));
    await app.invoke({ trail: [] }, { runId: 'run-1', threadId: 'thread-1', waitForTasks: true });
    const created = events.filter((event) => event.type === 'created');
    expect(created.map(({ name, runId, threadId, nodeName, context }) => ({ name, runId, threadId, nodeName, context }))).to.deep.equal([
      { name: 'in_plan', runId: 'run-1', threadId: 'thread-1', nodeName: 'plan', context: { userId: 'u1' } },
      { name: 'in_act', runId: 'run-1', threadId: 'thread-1', nodeName: 'act', context: {} },
    ]);
  });

  it('gives each run its own scope in getRunContext().tasks, and getCurrentTaskScope() in a node is it', async () => {
    const scopes: unknown[] = [];
    const app = compile(
      new StateGraph<State>()
        .addNode('only', (state) => {
          scopes.push(getRunContext()?.tasks, getCurrentTaskScope());
          return state;
        })
        .setEntryPoint('only'),
    );
    await app.invoke({ trail: [] }, { runId: 'a' });
    await app.invoke({ trail: [] }, { runId: 'b' });
    expect(scopes[0]).to.equal(scopes[1]);
    expect(scopes[2]).to.equal(scopes[3]);
    expect(scopes[0]).to.not.equal(scopes[2]);
    expect((scopes[0] as { runId: string }).runId).to.equal('a');
  });

  it('resolves invoke() with waitForTasks only once the run’s tasks settled, and not for other runs’ tasks', async () => {
    const gates = new Map([['a', deferred()], ['b', deferred()]]);
    const app = compile(
      new StateGraph<State>()
        .addNode('spawn', (state, config) => {
          inject(BackgroundTaskManager).createTask(() => gates.get(config.runId)?.promise, { name: `work_${config.runId}` });
          return state;
        })
        .setEntryPoint('spawn'),
    );
    const runA = app.invoke({ trail: [] }, { runId: 'a', waitForTasks: true });
    const runB = app.invoke({ trail: [] }, { runId: 'b', waitForTasks: true });
    expect(await hasSettled(runA)).to.equal(false);
    gates.get('b')?.resolve();
    await runB;
    expect(await hasSettled(runA)).to.equal(false);
    expect(app.taskManager.getTaskCount({ runId: 'a' })).to.equal(1);
    gates.get('a')?.resolve();
    await runA;
    expect(app.taskManager.getTaskCount()).to.equal(0);
  });

  it('waits for the tasks of a failed run too, then rejects with the run’s own error; { timeoutMs } bounds the wait', async () => {
    const release = deferred();
    const app = compile(
      new StateGraph<State>()
        .addNode('fails', () => {
          inject(BackgroundTaskManager).createTask(() => release.promise, { name: 'cleanup' });
          throw new Error('node failed');
        })
        .setEntryPoint('fails'),
    );
    const running = app.invoke({ trail: [] }, { waitForTasks: true });
    expect(await hasSettled(running)).to.equal(false);
    release.resolve();
    expect(((await rejectionOf(running)) as Error).message).to.equal('node failed');

    const hanging = compile(
      new StateGraph<State>()
        .addNode('spawn', (state) => {
          inject(BackgroundTaskManager).createTask(() => new Promise(() => undefined), { name: 'hangs' });
          return state;
        })
        .setEntryPoint('spawn'),
    );
    const started = performance.now();
    await hanging.invoke({ trail: [] }, { waitForTasks: { timeoutMs: 20 } });
    expect(performance.now() - started).to.be.lessThan(1_000);
  });

  it('cancels the run’s tasks in flight when the run is aborted, and still publishes the interruption', async () => {
    const publisher = new RecordingPublisher();
    const controller = new AbortController();
    const entered = deferred();
    const app = compile(
      new StateGraph<State>({ publisher })
        .addNode('wait', async (state, config) => {
          inject(BackgroundTaskManager).createTask((signal) => untilAborted(signal), { name: 'cooperative' });
          entered.resolve();
          await untilAborted(config.signal);
          return state;
        })
        .setEntryPoint('wait'),
    );
    const other = app.taskManager.createTask((signal) => untilAborted(signal), { name: 'outside' });
    const running = app.invoke({ trail: [] }, { signal: controller.signal });
    await entered.promise;
    controller.abort(new Error('stop'));
    await rejectionOf(running);
    expect(app.taskManager.getTaskCount({ name: 'cooperative' })).to.equal(0);
    expect(other.status).to.equal('running');
    await app.taskManager.waitForAll({ name: 'publish_event', timeoutMs: 1_000 });
    expect(publisher.summary()).to.include('graph_execution.interrupted');
    other.cancel();
  });

  it('lets tasks outlive a finished run: they keep their tags and are not cancelled by a later abort of the caller’s signal', async () => {
    const controller = new AbortController();
    const release = deferred();
    const app = compile(
      new StateGraph<State>()
        .addNode('spawn', (state) => {
          inject(BackgroundTaskManager).createTask(() => release.promise, { name: 'outlives' });
          return state;
        })
        .setEntryPoint('spawn'),
    );
    await app.invoke({ trail: [] }, { runId: 'done-run', signal: controller.signal });
    controller.abort();
    const [task] = app.taskManager.getTaskInfo({ runId: 'done-run' });
    expect(task?.status).to.equal('running');
    release.resolve();
    await app.taskManager.waitForAll({ runId: 'done-run' });
  });

  it('completes a stream with waitForTasks only once the run’s tasks settled', async () => {
    const release = deferred();
    const app = compile(
      new StateGraph<State>()
        .addNode('spawn', (state) => {
          inject(BackgroundTaskManager).createTask(() => release.promise, { name: 'slow' });
          return state;
        })
        .setEntryPoint('spawn'),
    );
    const completed = new Promise<void>((resolve) => app.stream({ trail: [] }, { waitForTasks: true }).subscribe({ complete: resolve }));
    expect(await hasSettled(completed)).to.equal(false);
    release.resolve();
    await completed;
  });

  it('refuses a waitForTasks that is not a boolean or { timeoutMs }, naming it', async () => {
    const app = compile(new StateGraph<State>().addNode('only', (state) => state).setEntryPoint('only'));
    for (const [value, argument] of [
      ['yes', 'waitForTasks'],
      [{ timeoutMs: 0 }, 'waitForTasks.timeoutMs'],
      [{}, 'waitForTasks.timeoutMs'],
      [{ timeout: 5 }, 'timeout'],
    ] as const) {
      const error = await rejectionOf(app.invoke({ trail: [] }, { waitForTasks: value as never }));
      expect(error, String(argument)).to.be.instanceOf(InvalidArgumentError).with.property('argument', argument);
    }
  });
});
