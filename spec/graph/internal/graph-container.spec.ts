import { expect } from 'chai';
import { Container, type ContainerInstance } from 'typedi';
import {
  BackgroundTaskManager,
  BasePublisher,
  GraphError,
  IdGenerator,
  InvalidArgumentError,
  StateGraph,
  bindValue,
  inject,
  type CompiledGraph,
} from '../../../lib';
import { RecordingPublisher, scopedContainerIds, thrownBy } from '../../support/graph-test-helpers';

interface State {
  manager?: unknown;
  publisher?: unknown;
  runId?: string;
}

/** A graph whose node reports what it injects. */
function probeGraph(options: ConstructorParameters<typeof StateGraph<State>>[0] = {}): StateGraph<State> {
  return new StateGraph<State>(options)
    .addNode('probe', (_state, config) => ({
      manager: inject(BackgroundTaskManager),
      publisher: inject(BasePublisher, { optional: true }),
      runId: config.runId,
    }))
    .setEntryPoint('probe');
}

class SequentialIds extends IdGenerator {
  #next = 1;
  override generate(): string {
    return `run-${this.#next++}`;
  }
}

describe('Graph containers', () => {
  const open: CompiledGraph<State>[] = [];
  const track = (graph: CompiledGraph<State>): CompiledGraph<State> => {
    open.push(graph);
    return graph;
  };
  const userContainers: ContainerInstance[] = [];
  const userContainer = (): ContainerInstance => {
    const container = Container.of(`user-container-${Math.random().toString(36).slice(2)}`);
    userContainers.push(container);
    return container;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((graph) => graph.close()));
    for (const container of userContainers.splice(0)) Container.reset(container.id);
  });

  describe('isolation', () => {
    it('gives two graphs in one process their own container, manager and publisher', async () => {
      const publisherA = new RecordingPublisher();
      const publisherB = new RecordingPublisher();
      const a = track(probeGraph({ publisher: publisherA }).compile());
      const b = track(probeGraph({ publisher: publisherB }).compile());

      expect(a.container).not.to.equal(b.container);
      expect(a.container.id).not.to.equal(b.container.id);
      expect(a.taskManager).not.to.equal(b.taskManager);

      const [stateA, stateB] = await Promise.all([a.invoke(), b.invoke()]);
      expect(stateA.manager).to.equal(a.taskManager);
      expect(stateB.manager).to.equal(b.taskManager);
      expect(stateA.publisher).to.equal(publisherA);
      expect(stateB.publisher).to.equal(publisherB);

      await Promise.all([a.taskManager.waitForAll(), b.taskManager.waitForAll()]);
      expect(publisherA.events.every((event) => event.runId === stateA.runId)).to.equal(true);
      expect(publisherB.events.every((event) => event.runId === stateB.runId)).to.equal(true);
      expect(publisherA.events).to.have.length.greaterThan(0);
      expect(publisherB.events).to.have.length.greaterThan(0);
    });

    it('keeps a graph without a publisher from seeing a publisher bound globally', async () => {
      const globalPublisher = new RecordingPublisher();
      Container.set(BasePublisher as never, globalPublisher);
      try {
        const graph = track(probeGraph().compile());
        const { publisher } = await graph.invoke();
        expect(publisher).to.equal(undefined);
        expect(globalPublisher.events).to.deep.equal([]);
      } finally {
        Container.remove(BasePublisher as never);
      }
    });

    it('compiles one builder twice into two independent graphs', async () => {
      const builder = probeGraph();
      const first = track(builder.compile());
      const second = track(builder.compile());
      expect(first.taskManager).not.to.equal(second.taskManager);
      expect(first.container.id).not.to.equal(second.container.id);
      await first.close();
      expect((await second.invoke()).manager).to.equal(second.taskManager);
    });
  });

  describe('an owned container', () => {
    it('is in TypeDI static list while the graph is open, and leaves it on close()', async () => {
      const graph = probeGraph().compile();
      const id = graph.container.id;
      expect(id).to.match(/^agentflow-graph-/);
      expect(scopedContainerIds()).to.include(id);
      await graph.invoke();
      await graph.close();
      expect(scopedContainerIds()).not.to.include(id);
    });

    it('binds the manager, "no publisher" and an IdGenerator', async () => {
      const graph = track(probeGraph().compile());
      expect(graph.container.get(BackgroundTaskManager)).to.equal(graph.taskManager);
      expect(graph.container.get(BasePublisher as never)).to.equal(null);
      expect(graph.container.get(IdGenerator)).to.be.instanceOf(IdGenerator);
      const { runId } = await graph.invoke();
      expect(runId).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe('a container passed by the user', () => {
    it('keeps the publisher the user bound in it', async () => {
      const container = userContainer();
      const own = new RecordingPublisher();
      bindValue(container, BasePublisher, own);
      const graph = track(probeGraph({ container }).compile());
      expect(graph.container).to.equal(container);
      expect((await graph.invoke()).publisher).to.equal(own);
    });

    it("uses the user's IdGenerator for run ids", async () => {
      const container = userContainer();
      container.set({ id: IdGenerator, value: new SequentialIds() });
      const graph = track(probeGraph({ container }).compile());
      expect((await graph.invoke()).runId).to.equal('run-1');
      expect((await graph.invoke()).runId).to.equal('run-2');
      expect((await graph.invoke({}, { runId: 'given' })).runId).to.equal('given');
    });

    it("on close() removes only the graph's own bindings and does not reset the container", async () => {
      const container = userContainer();
      const own = new RecordingPublisher();
      bindValue(container, BasePublisher, own);
      container.set({ id: 'user-value', value: 42 });
      const graph = probeGraph({ container }).compile();
      await graph.close();
      expect(container.has(BackgroundTaskManager)).to.equal(false);
      expect(container.has(IdGenerator)).to.equal(false);
      expect(container.get(BasePublisher as never)).to.equal(own);
      expect(container.get('user-value')).to.equal(42);
      expect(scopedContainerIds()).to.include(container.id);
    });

    it('refuses a second open graph on the same container, and accepts one after close()', async () => {
      const container = userContainer();
      const builder = probeGraph({ container });
      const first = builder.compile();
      const error = thrownBy(() => builder.compile()) as GraphError;
      expect(error).to.be.instanceOf(GraphError);
      expect(error.code).to.equal('GRAPH_INVALID');
      expect(error.message).to.include(container.id);
      expect(error.message).to.include('BackgroundTaskManager');
      await first.close();
      const second = track(builder.compile());
      expect((await second.invoke()).manager).to.equal(second.taskManager);
    });

    it('refuses a publisher option when the container already binds a publisher', () => {
      const container = userContainer();
      bindValue(container, BasePublisher, new RecordingPublisher());
      const error = thrownBy(() => probeGraph({ container, publisher: new RecordingPublisher() }).compile()) as InvalidArgumentError;
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect(error.argument).to.equal('publisher');
      expect(container.has(BackgroundTaskManager)).to.equal(false);
    });

    it('refuses a container that is not a TypeDI ContainerInstance', () => {
      const error = thrownBy(() => new StateGraph({ container: {} as never })) as InvalidArgumentError;
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect(error.argument).to.equal('container');
    });
  });
});
