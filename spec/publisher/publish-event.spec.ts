import { expect } from 'chai';
import sinon from 'sinon';
import { Container } from 'typedi';
import {
  BackgroundTaskManager,
  BasePublisher,
  DependencyNotFoundError,
  InvalidArgumentError,
  PUBLISH_EVENT_TASK_NAME,
  PublishFailedError,
  StateGraph,
  createGraphExecutionEvent,
  createNodeExecutionEvent,
  publishEvent,
  type EventModel,
  type TaskHandle,
} from '../../lib';
import { RecordingPublisher, pending, quietLogger, thrownBy } from '../support/graph-test-helpers';

describe('publishEvent()', () => {
  let manager: BackgroundTaskManager;
  beforeEach(() => {
    manager = new BackgroundTaskManager();
  });
  afterEach(async () => {
    sinon.restore();
    await manager.shutdown();
  });

  it("creates one 'publish_event' task with the event kind and thread as context, and returns at once", async () => {
    const publisher = new RecordingPublisher();
    const createTask = sinon.spy(manager, 'createTask');
    const event = createNodeExecutionEvent('fetch', 'start', { threadId: 't-1' });
    expect(publishEvent(event, publisher, manager)).to.equal(undefined);
    expect(publisher.events).to.deep.equal([]);
    expect(createTask.calledOnce).to.equal(true);
    const [, options] = createTask.firstCall.args;
    expect(options).to.deep.equal({ name: PUBLISH_EVENT_TASK_NAME, timeoutMs: undefined, context: { event: 'node_execution', threadId: 't-1' } });
    await (createTask.firstCall.returnValue as TaskHandle<unknown>).done;
    expect(publisher.events).to.deep.equal([event]);
  });

  it("uses the publisher's publishTimeoutMs as the task timeout, and passes the task signal to publish()", async () => {
    const received = pending<AbortSignal | undefined>();
    const publisher = new (class extends BasePublisher {
      async publish(_event: EventModel, signal?: AbortSignal): Promise<void> {
        received.resolve(signal);
      }
    })({ publishTimeoutMs: 2_500 });
    const createTask = sinon.spy(manager, 'createTask');
    publishEvent(createGraphExecutionEvent('start'), publisher, manager);
    expect(createTask.firstCall.args[1]?.timeoutMs).to.equal(2_500);
    const handle = createTask.firstCall.returnValue as TaskHandle<unknown>;
    expect(await received.promise).to.equal(handle.signal);
  });

  it('does nothing and creates no task when there is no publisher', () => {
    const createTask = sinon.spy(manager, 'createTask');
    publishEvent(createGraphExecutionEvent('start'), null, manager);
    publishEvent(createGraphExecutionEvent('start'), undefined, manager);
    expect(createTask.called).to.equal(false);
    expect(manager.getTaskCount()).to.equal(0);
  });

  it('needs no manager when no publisher is bound (outside a graph, with nothing bound globally)', () => {
    expect(() => publishEvent(createGraphExecutionEvent('start'))).not.to.throw();
  });

  it('fails with DependencyNotFoundError when a publisher is given but no manager is bound', () => {
    const error = thrownBy(() => publishEvent(createGraphExecutionEvent('start'), new RecordingPublisher()));
    expect(error).to.be.instanceOf(DependencyNotFoundError);
    expect((error as DependencyNotFoundError).tokenName).to.equal('BackgroundTaskManager');
  });

  it("resolves the publisher and the manager from the global Container outside a graph", async () => {
    const publisher = new RecordingPublisher();
    Container.set({ id: BasePublisher as never, value: publisher });
    Container.set(BackgroundTaskManager, manager);
    try {
      publishEvent(createGraphExecutionEvent('start'));
      expect(manager.getTaskCount()).to.equal(1);
      await manager.waitForAll();
      expect(publisher.events).to.have.length(1);
    } finally {
      Container.remove([BasePublisher as never, BackgroundTaskManager]);
    }
  });

  it("resolves them from the running graph's container inside a node", async () => {
    const publisher = new RecordingPublisher();
    const app = new StateGraph<{ ok?: boolean }>({ publisher })
      .addNode('custom', () => {
        publishEvent(createNodeExecutionEvent('custom', 'progress', { content: 'halfway' }));
        return { ok: true };
      })
      .setEntryPoint('custom')
      .compile();
    try {
      await app.invoke();
      await app.taskManager.waitForAll();
      expect(publisher.events.map((event) => event.content)).to.include('halfway');
    } finally {
      await app.close();
    }
  });

  it('logs a failing publish at ERROR as one line without a stack (an operational fault), never throws it, and the task still completes', async () => {
    const { error } = quietLogger();
    const failure = new Error('broker down');
    const publisher = new (class extends BasePublisher {
      async publish(): Promise<void> {
        throw failure;
      }
    })();
    const createTask = sinon.spy(manager, 'createTask');
    publishEvent(createGraphExecutionEvent('end', { runId: 'r-1', threadId: 't-1' }), publisher, manager);
    const outcome = await (createTask.firstCall.returnValue as TaskHandle<unknown>).done;
    expect(outcome.status).to.equal('completed');
    expect(error.calledOnce).to.equal(true);
    expect(error.firstCall.args, 'the message alone: no stack, never the error object').to.deep.equal([
      'Failed to publish event graph_execution.end (run r-1, thread t-1): Error: broker down',
    ]);
  });

  it('does not log a PublishFailedError at ERROR (its publisher counted it and warns, rate-limited): one ERROR per event would flood an outage', async () => {
    const { error, warn } = quietLogger();
    const publisher = new (class extends BasePublisher {
      async publish(): Promise<void> {
        throw new PublishFailedError('dropped', 'Redis was not reachable within publishTimeoutMs (5000 ms)');
      }
    })();
    const createTask = sinon.spy(manager, 'createTask');
    for (let i = 0; i < 20; i++) publishEvent(createGraphExecutionEvent('end', { runId: `r-${i}` }), publisher, manager);
    const outcomes = await Promise.all(createTask.getCalls().map((call) => (call.returnValue as TaskHandle<unknown>).done));
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(Array.from({ length: 20 }, () => 'completed'));
    expect(error.callCount + warn.callCount).to.equal(0);
  });

  it('does not log a publish that stops because its task was cancelled', async () => {
    const { error } = quietLogger();
    const publishing = pending();
    const stopped = pending();
    const publisher = new (class extends BasePublisher {
      publish(_event: EventModel, signal?: AbortSignal): Promise<void> {
        publishing.resolve();
        return new Promise((_, reject) =>
          signal?.addEventListener('abort', () => {
            reject(signal.reason);
            stopped.resolve();
          }),
        );
      }
    })();
    const createTask = sinon.spy(manager, 'createTask');
    publishEvent(createGraphExecutionEvent('start'), publisher, manager);
    const handle = createTask.firstCall.returnValue as TaskHandle<unknown>;
    await publishing.promise;
    handle.cancel('test');
    await stopped.promise;
    await manager.shutdown();
    expect(error.called).to.equal(false);
  });

  it("swallows the manager's refusal under the 'reject' overflow policy (the manager counts it)", async () => {
    quietLogger();
    const strict = new BackgroundTaskManager({ maxPendingTasks: 1, overflow: 'reject' });
    const publisher = new (class extends BasePublisher {
      publish(): Promise<void> {
        return new Promise(() => undefined);
      }
    })();
    try {
      publishEvent(createGraphExecutionEvent('start'), publisher, strict);
      expect(() => publishEvent(createGraphExecutionEvent('end'), publisher, strict)).not.to.throw();
      expect(strict.droppedCount).to.equal(1);
    } finally {
      await strict.shutdown({ timeoutMs: 1 });
    }
  });

  it('refuses an event or a publisher of the wrong type', () => {
    expect((thrownBy(() => publishEvent(null as never, new RecordingPublisher(), manager)) as InvalidArgumentError).argument).to.equal('event');
    expect((thrownBy(() => publishEvent(createGraphExecutionEvent('start'), {} as never, manager)) as InvalidArgumentError).argument).to.equal(
      'publisher',
    );
  });
});
