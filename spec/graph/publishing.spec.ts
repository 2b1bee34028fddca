import { expect } from 'chai';
import sinon from 'sinon';
import {
  BasePublisher,
  PUBLISH_EVENT_TASK_NAME,
  StateGraph,
  type CompiledGraph,
  type EventModel,
  type TaskEvent,
} from '../../lib';
import { RecordingPublisher, hasSettled, pending, quietLogger, type Pending } from '../support/graph-test-helpers';

interface State {
  count: number;
}

/** Two nodes: `inc` then `double`. */
function twoNodes(publisher?: BasePublisher): StateGraph<State> {
  return new StateGraph<State>({ initialState: { count: 1 }, ...(publisher === undefined ? {} : { publisher }) })
    .addNode('inc', (state) => ({ count: state.count + 1 }))
    .addNode('double', (state) => ({ count: state.count * 2 }))
    .setEntryPoint('inc')
    .addEdge('inc', 'double');
}

const EXPECTED_SUMMARY = [
  'graph_execution.start',
  'node_execution.start:inc',
  'node_execution.end:inc',
  'node_execution.start:double',
  'node_execution.end:double',
  'graph_execution.end',
];

/** Publishes nothing until the test says so: every publish() waits for its own gate. */
class SlowPublisher extends BasePublisher {
  readonly gates: Pending<void>[] = [];
  readonly delivered: EventModel[] = [];
  async publish(event: EventModel): Promise<void> {
    const gate = pending();
    this.gates.push(gate);
    await gate.promise;
    this.delivered.push(event);
  }
  release(): void {
    for (const gate of this.gates) gate.resolve();
  }
}

/** Never settles, and ignores the signal it is given. */
class HangingPublisher extends BasePublisher {
  calls = 0;
  publish(): Promise<void> {
    this.calls++;
    return new Promise<void>(() => undefined);
  }
}

/** Throws synchronously on every other event, rejects on the others. */
class ThrowingPublisher extends BasePublisher {
  calls = 0;
  publish(event: EventModel): Promise<void> {
    this.calls++;
    if (this.calls % 2 === 1) throw new Error(`sync failure on ${event.eventType}`);
    return Promise.reject(new Error(`async failure on ${event.eventType}`));
  }
}

describe('Graph event publishing', () => {
  const open: CompiledGraph<State>[] = [];
  const track = (app: CompiledGraph<State>): CompiledGraph<State> => {
    open.push(app);
    return app;
  };
  afterEach(async () => {
    sinon.restore();
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  it('publishes graph start/end and node start/end on every run, with the run fields', async () => {
    const publisher = new RecordingPublisher();
    const app = track(twoNodes(publisher).compile());
    expect(await app.invoke({}, { threadId: 't-1', userId: 'ada', runId: 'run-1' })).to.deep.equal({ count: 4 });
    await app.invoke({}, { threadId: 't-2' });
    await app.taskManager.waitForAll();

    expect(publisher.summary()).to.deep.equal([...EXPECTED_SUMMARY, ...EXPECTED_SUMMARY]);
    const firstRun = publisher.events.slice(0, 6);
    expect(firstRun.every((event) => event.runId === 'run-1' && event.threadId === 't-1' && event.userId === 'ada')).to.equal(true);
    expect(publisher.events.slice(6).every((event) => event.threadId === 't-2' && event.runId !== 'run-1')).to.equal(true);
    const [start, , endInc, , , end] = firstRun;
    expect(start?.data).to.deep.equal({ state: { count: 1 } });
    expect(endInc?.data).to.deep.equal({ update: { count: 2 } });
    expect(endInc?.metadata).to.deep.equal({ step: 1 });
    expect(end?.data).to.deep.equal({ state: { count: 4 } });
    expect(end?.metadata).to.deep.equal({ steps: 2 });
    expect(firstRun.some((event) => event.isError)).to.equal(false);
  });

  it("publishes through publishEvent: one 'publish_event' task per event, with the event and thread as context", async () => {
    const app = track(twoNodes(new RecordingPublisher()).compile());
    const created: TaskEvent[] = [];
    const subscription = app.taskManager.events$.subscribe((event) => {
      if (event.type === 'created') created.push(event);
    });
    await app.invoke({}, { threadId: 't-9' });
    subscription.unsubscribe();
    expect(created).to.have.length(6);
    expect(created.every((event) => event.name === PUBLISH_EVENT_TASK_NAME)).to.equal(true);
    expect(created.map((event) => event.context)).to.deep.equal([
      { event: 'graph_execution', threadId: 't-9' },
      { event: 'node_execution', threadId: 't-9' },
      { event: 'node_execution', threadId: 't-9' },
      { event: 'node_execution', threadId: 't-9' },
      { event: 'node_execution', threadId: 't-9' },
      { event: 'graph_execution', threadId: 't-9' },
    ]);
  });

  it('publishes a node error and the graph error when a node fails', async () => {
    const publisher = new RecordingPublisher();
    const app = track(
      new StateGraph<State>({ publisher })
        .addNode('bad', () => {
          throw new Error('kaput');
        })
        .setEntryPoint('bad')
        .compile(),
    );
    const failure = await app.invoke().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure, 'invoke() rejects with the node’s error').to.be.instanceOf(Error);
    expect((failure as Error).message).to.equal('kaput');
    await app.taskManager.waitForAll();
    expect(publisher.summary()).to.deep.equal([
      'graph_execution.start',
      'node_execution.start:bad',
      'node_execution.error:bad',
      'graph_execution.error',
    ]);
    const nodeError = publisher.events[2];
    expect(nodeError?.isError).to.equal(true);
    expect(nodeError?.content).to.include('kaput');
  });

  it('creates no task at all when the graph has no publisher', async () => {
    const app = track(twoNodes().compile());
    await app.invoke();
    const counts = await new Promise<{ created: number }>((resolve) => app.taskManager.counts$.subscribe(resolve).unsubscribe());
    expect(counts.created).to.equal(0);
  });

  describe('a publisher that misbehaves never slows or breaks a run', () => {
    it('one that throws or rejects: the run succeeds and each failure is logged at ERROR', async () => {
      const { error } = quietLogger();
      const publisher = new ThrowingPublisher();
      const app = track(twoNodes(publisher).compile());
      expect(await app.invoke({}, { threadId: 't-1' })).to.deep.equal({ count: 4 });
      await app.taskManager.waitForAll();
      expect(publisher.calls).to.equal(6);
      expect(error.callCount).to.equal(6);
      const messages = error.getCalls().map((call) => String(call.args[0]));
      expect(messages[0]).to.include('Failed to publish event graph_execution.start');
      expect(messages[0]).to.include('sync failure on start');
      expect(messages[1]).to.include("node_execution.start of node 'inc'");
      expect(messages[1]).to.include('async failure on start');
      expect(messages.every((message) => message.includes('thread t-1'))).to.equal(true);
    });

    it('one that is slow: invoke resolves while every publish is still pending', async () => {
      const publisher = new SlowPublisher();
      const app = track(twoNodes(publisher).compile());
      const state = await app.invoke();
      expect(state).to.deep.equal({ count: 4 });
      expect(publisher.gates).to.have.length(6);
      expect(publisher.delivered).to.have.length(0);
      expect(app.taskManager.getTaskCount()).to.equal(6);
      publisher.release();
      await app.taskManager.waitForAll();
      expect(publisher.delivered.map((event) => event.eventType)).to.deep.equal(['start', 'start', 'end', 'start', 'end', 'end']);
    });

    it('one that hangs: with publishTimeoutMs and maxPendingTasks, runs finish at once, excess is shed and counted, hung publishes time out', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
      const { warn } = quietLogger();
      const publisher = new HangingPublisher({ publishTimeoutMs: 1_000 });
      const app = twoNodes(publisher).compile({ maxPendingTasks: 4, shutdownTimeoutMs: 500 });

      const runs = [app.invoke(), app.invoke(), app.invoke()];
      for (const run of runs) expect(await hasSettled(run)).to.equal(true);
      expect(await Promise.all(runs)).to.deep.equal([{ count: 4 }, { count: 4 }, { count: 4 }]);
      expect(Date.now()).to.equal(0);
      expect(publisher.calls).to.equal(4);
      expect(app.taskManager.getTaskCount()).to.equal(4);
      expect(app.taskManager.droppedCount).to.equal(3 * 6 - 4);
      expect(warn.called).to.equal(true);

      await clock.tickAsync(1_000);
      expect(app.taskManager.getTaskCount()).to.equal(0);
      expect(app.taskManager.detachedCount).to.equal(4);
      const counts = await new Promise<{ timedOut: number }>((resolve) => app.taskManager.counts$.subscribe(resolve).unsubscribe());
      expect(counts.timedOut).to.equal(4);

      expect(await app.invoke()).to.deep.equal({ count: 4 });
      expect(publisher.calls).to.equal(8);

      const closing = app.close();
      await clock.tickAsync(500);
      const { backgroundTasks } = await closing;
      expect(backgroundTasks.status).to.equal('timeout');
      expect(backgroundTasks.remainingTasks).to.equal(8);
      expect(clock.countTimers()).to.equal(0);
    });
  });
});
