import { Annotation, END, MemorySaver, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { expect } from 'chai';
import {
  BackgroundTaskManager,
  GraphError,
  InvalidArgumentError,
  ObservablePublisher,
  createNodeExecutionEvent,
  getRunContext,
  inject,
  publishEvent,
  toServerSentEvents,
  type EventModel,
  type TaskEvent,
} from '../../lib';
import { getTaskScope, withBackgroundTasks } from '../../lib/langgraph';
import { callerSignalLinks } from '../../lib/util/caller-signal-links';
import { deferred, rejectionOf, thrownBy, untilAborted } from '../support/helpers';
import { asResponse, FakeResponse, fakeRequest } from '../ui/support/fake-response';

const State = Annotation.Root({ log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
type Node = (state: typeof State.State, config: LangGraphRunnableConfig) => Promise<Partial<typeof State.State>>;

/** A two-node LangGraph.js graph: `first` runs `work`, then `second`. */
function graphOf(work: Node, second: Node = async () => ({ log: ['second'] })) {
  return new StateGraph(State).addNode('first', work).addNode('second', second).addEdge(START, 'first').addEdge('first', 'second').addEdge('second', END);
}

/** A graph whose first node starts a task named 'long' that runs until cancelled. */
function spawningLong() {
  return graphOf(async () => {
    inject(BackgroundTaskManager).createTask((signal) => untilAborted(signal), { name: 'long' });
    return { log: ['first'] };
  });
}

async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const taskChunks = (chunks: unknown[]): TaskEvent[] =>
  chunks.flatMap((chunk) =>
    Array.isArray(chunk) && chunk[0] === 'custom' && typeof chunk[1] === 'object' && chunk[1] !== null && 'agentflowTask' in chunk[1]
      ? [(chunk[1] as { agentflowTask: TaskEvent }).agentflowTask]
      : [],
  );

describe('withBackgroundTasks() (LangGraph.js)', () => {
  let manager: BackgroundTaskManager;

  beforeEach(() => {
    manager = new BackgroundTaskManager();
  });

  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 1_000 });
  });

  it('runs nodes inside an agentflow run context: inject(), getRunContext(), getTaskScope() and publishEvent() work', async () => {
    const publisher = new ObservablePublisher();
    const published: EventModel[] = [];
    publisher.events$.subscribe((event) => published.push(event));
    const seen: Record<string, unknown> = {};
    const app = withBackgroundTasks(
      graphOf(async (_state, config) => {
        seen.manager = inject(BackgroundTaskManager);
        seen.runId = getRunContext()?.config.runId;
        seen.threadId = getRunContext()?.config.threadId;
        seen.scope = getTaskScope(config);
        publishEvent(createNodeExecutionEvent('first', 'result', { content: 'hello' }));
        return { log: ['first'] };
      }).compile({ checkpointer: new MemorySaver() }),
      manager,
      { publisher },
    );
    const state = await app.invoke({ log: [] }, { runId: '5f0e7b7e-0000-4000-8000-000000000001', configurable: { thread_id: 'thread-a', waitForTasks: true } });
    expect(state.log).to.deep.equal(['first', 'second']);
    expect(seen.manager).to.equal(manager);
    expect(seen.runId).to.equal('5f0e7b7e-0000-4000-8000-000000000001');
    expect(seen.threadId).to.equal('thread-a');
    expect((seen.scope as { runId: string }).runId).to.equal('5f0e7b7e-0000-4000-8000-000000000001');
    expect(published.map((event) => `${event.event}.${event.eventType}:${event.content}`)).to.deep.equal(['node_execution.result:hello']);
  });

  it("tags each task with LangGraph's thread_id, the run's id and the node that created it", async () => {
    const events: TaskEvent[] = [];
    manager.events$.subscribe((event) => events.push(event));
    const app = withBackgroundTasks(
      graphOf(
        async () => {
          inject(BackgroundTaskManager).createTask(async () => 'a', { name: 'from_first' });
          return { log: ['first'] };
        },
        async () => {
          // created in a helper after an await, and from a timer: still the node's
          await Promise.resolve();
          await new Promise<void>((resolve) => setTimeout(() => resolve(void manager.createTask(async () => 'b', { name: 'from_second' })), 1));
          return { log: ['second'] };
        },
      ).compile(),
      manager,
    );
    await app.invoke({ log: [] }, { configurable: { thread_id: 'thread-b', waitForTasks: true } });
    const created = events.filter((event) => event.type === 'created');
    expect(created.map(({ name, threadId, nodeName }) => ({ name, threadId, nodeName }))).to.deep.equal([
      { name: 'from_first', threadId: 'thread-b', nodeName: 'first' },
      { name: 'from_second', threadId: 'thread-b', nodeName: 'second' },
    ]);
    const runIds = new Set(created.map((event) => event.runId));
    expect(runIds.size).to.equal(1);
    expect([...runIds][0]).to.match(/^[0-9a-f-]{36}$/);
    expect(created[0]?.context).to.deep.equal({});
  });

  it("forwards the run's task events as custom chunks while the stream is open, in each stream-mode shape", async () => {
    const app = withBackgroundTasks(
      graphOf(async () => {
        inject(BackgroundTaskManager).createTask(async () => 'sent', { name: 'notify', context: { password: 'hunter2' } });
        return { log: ['first'] };
      }).compile(),
      manager,
      { waitForTasks: true },
    );
    const tuples = await collect(await app.stream({ log: [] }, { streamMode: ['updates', 'custom'], configurable: { thread_id: 't' } }));
    expect(taskChunks(tuples).map((event) => event.type)).to.deep.equal(['created', 'started', 'completed']);
    expect(taskChunks(tuples)[0]?.context).to.deep.equal({ password: '[REDACTED]' });
    expect(tuples.filter((chunk) => Array.isArray(chunk) && chunk[0] === 'updates')).to.have.length(2);

    const bare = await collect(await app.stream({ log: [] }, { streamMode: 'custom' }));
    expect(bare.map((chunk) => (chunk as { agentflowTask: TaskEvent }).agentflowTask.type)).to.deep.equal(['created', 'started', 'completed']);

    const updatesOnly = await collect(await app.stream({ log: [] }, { streamMode: 'updates' }));
    expect(updatesOnly).to.deep.equal([{ first: { log: ['first'] } }, { second: { log: ['second'] } }]);
  });

  it('waits for the run’s tasks with waitForTasks, and not without', async () => {
    const release = deferred();
    const app = withBackgroundTasks(
      graphOf(async () => {
        inject(BackgroundTaskManager).createTask(() => release.promise, { name: 'slow' });
        return { log: ['first'] };
      }).compile(),
      manager,
    );
    await app.invoke({ log: [] }); // does not wait
    expect(manager.getTaskCount({ name: 'slow' })).to.equal(1);
    const waiting = app.invoke({ log: [] }, { configurable: { waitForTasks: true } });
    let resolved = false;
    void waiting.then(() => (resolved = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(resolved).to.equal(false);
    release.resolve();
    await waiting;
    expect(manager.getTaskCount({ name: 'slow' })).to.equal(0);
    const bounded = withBackgroundTasks(graphOf(async () => {
      inject(BackgroundTaskManager).createTask(() => new Promise(() => undefined), { name: 'hangs' });
      return { log: [] };
    }).compile(), manager);
    const started = performance.now();
    await bounded.invoke({ log: [] }, { configurable: { waitForTasks: { timeoutMs: 30 } } });
    expect(performance.now() - started).to.be.lessThan(1_000);
  });

  it('keeps a task that outlives the run: its later events reach events$ and the SSE stream', async () => {
    const release = deferred();
    const handler = toServerSentEvents(manager, { heartbeatMs: 0, lingerMs: 0 });
    const res = new FakeResponse();
    handler(fakeRequest(), asResponse(res));
    const app = withBackgroundTasks(
      graphOf(async () => {
        inject(BackgroundTaskManager).createTask(async () => {
          await release.promise;
          return 'late';
        }, { name: 'outlives' });
        return { log: ['first'] };
      }).compile(),
      manager,
    );
    const chunks = await collect(await app.stream({ log: [] }, { streamMode: ['custom'], configurable: { thread_id: 'late' } }));
    expect(taskChunks(chunks).map((event) => event.type)).to.deep.equal(['created', 'started']);
    const completed = new Promise<TaskEvent>((resolve) => manager.events$.subscribe((event) => event.type === 'completed' && resolve(event)));
    release.resolve();
    const event = await completed;
    expect({ name: event.name, threadId: event.threadId, nodeName: event.nodeName }).to.deep.equal({ name: 'outlives', threadId: 'late', nodeName: 'first' });
    await new Promise((resolve) => setImmediate(resolve));
    const sse = res.messagesFrom(0).filter((message) => message.event?.startsWith('task.') === true);
    const last = JSON.parse(sse[sse.length - 1]?.data ?? '{}') as TaskEvent;
    expect({ type: last.type, threadId: last.threadId, nodeName: last.nodeName }).to.deep.equal({ type: 'completed', threadId: 'late', nodeName: 'first' });
    handler.close();
  });

  it("cancels the run's tasks in flight when the caller's signal aborts the run", async () => {
    const controller = new AbortController();
    const entered = deferred();
    const app = withBackgroundTasks(
      graphOf(async (_state, config) => {
        inject(BackgroundTaskManager).createTask((signal) => untilAborted(signal), { name: 'cooperative' });
        entered.resolve();
        await untilAborted(config.signal as AbortSignal);
        return { log: [] };
      }).compile(),
      manager,
    );
    const other = manager.createTask((signal) => untilAborted(signal), { name: 'unrelated' });
    const running = app.invoke({ log: [] }, { signal: controller.signal });
    await entered.promise;
    const [task] = manager.getTaskInfo({ name: 'cooperative' });
    controller.abort(new Error('user left'));
    await rejectionOf(running);
    const handle = manager.getTask(task?.id ?? -1);
    expect(handle === undefined || handle.status === 'cancelled').to.equal(true);
    expect(manager.getTaskCount({ name: 'cooperative' })).to.equal(0);
    expect(other.status).to.equal('running');
    other.cancel();
  });

  it('cancels the run’s tasks when the stream consumer stops before the end', async () => {
    const entered = deferred();
    const app = withBackgroundTasks(
      graphOf(
        async () => {
          inject(BackgroundTaskManager).createTask((signal) => untilAborted(signal), { name: 'cooperative' });
          return { log: ['first'] };
        },
        async (_state, config) => {
          entered.resolve();
          await untilAborted(config.signal as AbortSignal);
          return { log: [] };
        },
      ).compile(),
      manager,
    );
    const stream = await app.stream({ log: [] }, { streamMode: 'updates' });
    for await (const chunk of stream) {
      expect(chunk).to.deep.equal({ first: { log: ['first'] } });
      break;
    }
    await entered.promise;
    expect(manager.getTaskCount({ name: 'cooperative' })).to.equal(0);
  });

  it('stops at once and cancels the run’s tasks when the consumer stops while the stream waits for them', async () => {
    const app = withBackgroundTasks(spawningLong().compile(), manager);
    const stream = await app.stream({ log: [] }, { streamMode: 'updates', configurable: { waitForTasks: true } });
    let chunks = 0;
    const started = performance.now();
    for await (const chunk of stream) {
      void chunk;
      chunks++;
      if (chunks === 2) {
        await new Promise((resolve) => setTimeout(resolve, 30)); // the graph is over: the stream waits for 'long'
        break;
      }
    }
    expect(performance.now() - started).to.be.lessThan(1_000);
    expect(manager.getTaskCount({ name: 'long' })).to.equal(0);
  });

  it('keeps the tasks of two concurrent threads apart', async () => {
    const gates = { a: deferred(), b: deferred() };
    const app = withBackgroundTasks(
      graphOf(async (_state, config) => {
        const thread = config.configurable?.thread_id as 'a' | 'b';
        inject(BackgroundTaskManager).createTask(() => gates[thread].promise, { name: `task_${thread}` });
        return { log: [thread] };
      }).compile({ checkpointer: new MemorySaver() }),
      manager,
    );
    const streamA = app.stream({ log: [] }, { streamMode: ['custom'], configurable: { thread_id: 'a', waitForTasks: true } });
    const streamB = app.stream({ log: [] }, { streamMode: ['custom'], configurable: { thread_id: 'b', waitForTasks: true } });
    const [chunksA, chunksB] = [collect(await streamA), collect(await streamB)];
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(manager.getTaskInfo({ threadId: 'a' }).map((task) => task.name)).to.deep.equal(['task_a']);
    expect(manager.getTaskInfo({ threadId: 'b' }).map((task) => task.name)).to.deep.equal(['task_b']);
    gates.b.resolve();
    const eventsB = taskChunks(await chunksB);
    expect(manager.getTaskCount({ threadId: 'a' })).to.equal(1); // a is still waiting on its own task
    gates.a.resolve();
    const eventsA = taskChunks(await chunksA);
    expect(new Set(eventsA.map((event) => event.name))).to.deep.equal(new Set(['task_a']));
    expect(new Set(eventsB.map((event) => event.name))).to.deep.equal(new Set(['task_b']));
    expect(eventsA.map((event) => event.type)).to.deep.equal(['created', 'started', 'completed']);
  });

  it('leaves other methods to the graph, bound to it', async () => {
    const compiled = graphOf(async () => ({ log: ['first'] })).compile({ checkpointer: new MemorySaver() });
    const app = withBackgroundTasks(compiled, manager);
    await app.invoke({ log: [] }, { configurable: { thread_id: 'state' } });
    const snapshot = await app.getState({ configurable: { thread_id: 'state' } });
    expect(snapshot.values.log).to.deep.equal(['first', 'second']);
    expect(app.getGraph().nodes).to.have.property('first');
  });

  it("cancels the run's tasks and rejects with the reason when the caller's signal aborts while invoke() waits for them", async () => {
    const controller = new AbortController();
    const app = withBackgroundTasks(spawningLong().compile(), manager);
    const running = app.invoke({ log: [] }, { signal: controller.signal, configurable: { waitForTasks: true } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(manager.getTaskCount({ name: 'long' })).to.equal(1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await rejectionOf(running)).to.equal(reason);
    expect(manager.getTaskCount({ name: 'long' })).to.equal(0);
  });

  it("links a signal shared by many runs once, and lets go of it when each run ends, streams nobody reads included", async () => {
    // a stand-in graph that never touches the signal itself (LangGraph.js adds listeners of its own)
    const fake = {
      invoke: (_input: unknown, _config?: unknown) => new Promise((resolve) => setTimeout(resolve, 5, {})),
      stream: async (_input: unknown, _config?: unknown) =>
        (async function* () {
          yield { step: 1 };
        })(),
    };
    const app = withBackgroundTasks(fake, manager);
    const request = new AbortController();
    await Promise.all(Array.from({ length: 20 }, () => app.invoke({}, { signal: request.signal })));
    for (let index = 0; index < 50; index++) await app.stream({}, { signal: request.signal }); // never read
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(callerSignalLinks.size).to.equal(0);
  });

  it('reads only the config’s own fields: a polluted Object.prototype changes no run', async () => {
    const release = deferred();
    const app = withBackgroundTasks(
      graphOf(async () => {
        inject(BackgroundTaskManager).createTask(() => release.promise, { name: 'slow' });
        return { log: [] };
      }).compile(),
      manager,
    );
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.waitForTasks = true;
    try {
      await app.invoke({ log: [] }, {}); // would wait for 'slow' forever if the polluted key were read
    } finally {
      delete prototype.waitForTasks;
    }
    expect(manager.getTaskCount({ name: 'slow' })).to.equal(1);
    release.resolve();
  });

  it('refuses a config it cannot read or whose runId or signal is of the wrong kind, naming the field', async () => {
    const app = withBackgroundTasks(graphOf(async () => ({ log: [] })).compile(), manager);
    const throwing = Object.defineProperty({}, 'configurable', {
      enumerable: true,
      get() {
        throw new Error('getter boom');
      },
    });
    expect(await rejectionOf(app.invoke({ log: [] }, throwing))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'config');
    expect(await rejectionOf(app.invoke({ log: [] }, { runId: 42 } as never))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'runId');
    expect(await rejectionOf(app.invoke({ log: [] }, { signal: {} } as never))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'signal');
  });

  it('refuses what it cannot use, naming the argument', () => {
    const compiled = graphOf(async () => ({ log: [] })).compile();
    expect(thrownBy(() => withBackgroundTasks({} as never, manager))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'graph');
    expect(thrownBy(() => withBackgroundTasks(compiled, {} as never))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'manager');
    expect(thrownBy(() => withBackgroundTasks(compiled, manager, { publsher: null } as never))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'publsher');
    expect(thrownBy(() => withBackgroundTasks(compiled, manager, { waitForTasks: 'yes' } as never))).to.be.instanceOf(InvalidArgumentError);
    const app = withBackgroundTasks(compiled, manager);
    return rejectionOf(app.invoke({ log: [] }, { configurable: { waitForTasks: { timeoutMs: -1 } } })).then((error) =>
      expect(error).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'configurable.waitForTasks.timeoutMs'),
    );
  });
});

describe('getTaskScope() (LangGraph.js)', () => {
  it('throws a GraphError outside a run of a wrapped graph', () => {
    const error = thrownBy(() => getTaskScope({}));
    expect(error).to.be.instanceOf(GraphError);
    expect((error as Error).message).to.include('withBackgroundTasks');
  });

  it("throws a GraphError when given another thread's config, and gives the run's scope for its own", async () => {
    const manager = new BackgroundTaskManager();
    const results: unknown[] = [];
    const app = withBackgroundTasks(
      graphOf(async (_state, config) => {
        results.push(getTaskScope(config).threadId);
        results.push(thrownBy(() => getTaskScope({ configurable: { thread_id: 'other' } })));
        return { log: [] };
      }).compile(),
      manager,
    );
    await app.invoke({ log: [] }, { configurable: { thread_id: 'mine' } });
    expect(results[0]).to.equal('mine');
    expect(results[1]).to.be.instanceOf(GraphError);
    await manager.shutdown();
  });
});
