import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Service } from 'typedi';
import {
  BackgroundTaskManager,
  END,
  GraphError,
  GraphRecursionError,
  InvalidArgumentError,
  START,
  StateGraph,
  type CompiledGraph,
  type GraphNode,
  type ResolvedRunConfig,
  type RunConfig,
} from '../../lib';
import { pending, rejectionOf } from '../support/graph-test-helpers';

interface State {
  count: number;
  trail: string[];
  note?: string;
}

const initialState: State = { count: 0, trail: [] };

class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

@Service()
class GreeterNode implements GraphNode<State> {
  static instances = 0;
  constructor(
    readonly greeter: Greeter,
    readonly tasks: BackgroundTaskManager,
  ) {
    GreeterNode.instances++;
  }
  async run(state: State, config: ResolvedRunConfig): Promise<Partial<State>> {
    this.tasks.createTask(async () => 'background', { name: 'greeted', context: { threadId: config.threadId } });
    return { note: this.greeter.greet(config.threadId ?? 'nobody'), trail: [...state.trail, 'greeter'] };
  }
}
Service()(Greeter);

describe('CompiledGraph', () => {
  const open: CompiledGraph<State>[] = [];
  const build = (configure: (graph: StateGraph<State>) => StateGraph<State>, recursionLimit?: number): CompiledGraph<State> => {
    const app = configure(new StateGraph<State>({ initialState })).compile(recursionLimit === undefined ? {} : { recursionLimit });
    open.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  describe('invoke()', () => {
    it('merges the input over the initial state and runs the nodes in order', async () => {
      const app = build((g) =>
        g
          .addNode('a', (s) => ({ trail: [...s.trail, 'a'] }))
          .addNode('b', async (s) => ({ trail: [...s.trail, 'b'], count: s.count + 1 }))
          .addEdge(START, 'a')
          .addEdge('a', 'b')
          .addEdge('b', END),
      );
      expect(await app.invoke({ count: 10 })).to.deep.equal({ count: 11, trail: ['a', 'b'] });
      expect(await app.invoke()).to.deep.equal({ count: 1, trail: ['a', 'b'] });
    });

    it('accepts a full state, a partial state, or nothing from a node', async () => {
      const app = build((g) =>
        g
          .addNode('full', (s) => ({ ...s, count: 5 }))
          .addNode('partial', () => ({ note: 'partial' }))
          .addNode('nothing', () => undefined)
          .addNode('nullish', async () => null)
          .setEntryPoint('full')
          .addEdge('full', 'partial')
          .addEdge('partial', 'nothing')
          .addEdge('nothing', 'nullish'),
      );
      expect(await app.invoke()).to.deep.equal({ count: 5, trail: [], note: 'partial' });
    });

    it('keeps the Python style of mutating and returning the state', async () => {
      const app = build((g) =>
        g
          .addNode('mutate', (state) => {
            state.count += 2;
            return state;
          })
          .setEntryPoint('mutate'),
      );
      expect((await app.invoke()).count).to.equal(2);
      expect(initialState.count).to.equal(0);
    });

    it('fails with a GraphError naming the node when a node returns something that is not a state', async () => {
      const app = build((g) => g.addNode('bad', () => 42 as never).setEntryPoint('bad'));
      const error = (await rejectionOf(app.invoke())) as GraphError;
      expect(error).to.be.instanceOf(GraphError);
      expect(error.nodeName).to.equal('bad');
      expect(error.message).to.include("Node 'bad' returned 42");
    });

    it("rejects with the node's own error when a node throws or rejects", async () => {
      const boom = new Error('boom');
      const sync = build((g) => g.addNode('sync', () => { throw boom; }).setEntryPoint('sync'));
      const async = build((g) => g.addNode('async', async () => Promise.reject(boom)).setEntryPoint('async'));
      expect(await rejectionOf(sync.invoke())).to.equal(boom);
      expect(await rejectionOf(async.invoke())).to.equal(boom);
    });

    it('ends the run after a node with no outgoing edge', async () => {
      const app = build((g) => g.addNode('only', (s) => ({ trail: [...s.trail, 'only'] })).setEntryPoint('only'));
      expect((await app.invoke()).trail).to.deep.equal(['only']);
    });

    it('gives nodes a config with a generated runId, the recursion limit, the run signal and the caller fields', async () => {
      const seen: ResolvedRunConfig[] = [];
      const app = build((g) => g.addNode('probe', (_s, config) => void seen.push(config)).setEntryPoint('probe'), 9);
      const controller = new AbortController();
      await app.invoke({}, { threadId: 't-1', userId: 'alice', signal: controller.signal });
      await app.invoke({}, { runId: 'mine', recursionLimit: 3 });
      const [first, second] = seen;
      expect(first?.runId).to.be.a('string').and.not.equal('');
      expect(first?.threadId).to.equal('t-1');
      expect(first?.userId).to.equal('alice');
      expect(first?.recursionLimit).to.equal(9);
      expect(first?.signal).to.be.instanceOf(AbortSignal);
      expect(first?.signal).not.to.equal(controller.signal);
      expect(second?.runId).to.equal('mine');
      expect(second?.recursionLimit).to.equal(3);
    });

    it('refuses a config of the wrong shape, as a rejection naming the field', async () => {
      const app = build((g) => g.addNode('a', () => undefined).setEntryPoint('a'));
      for (const [config, argument] of [
        ['x', 'config'],
        [{ threadId: 1 }, 'threadId'],
        [{ runId: {} }, 'runId'],
        [{ userId: false }, 'userId'],
        [{ recursionLimit: 0 }, 'recursionLimit'],
        [{ signal: 'stop' }, 'signal'],
      ] as const) {
        const error = (await rejectionOf(app.invoke({}, config as unknown as RunConfig))) as InvalidArgumentError;
        expect(error, argument).to.be.instanceOf(InvalidArgumentError);
        expect(error.argument).to.equal(argument);
      }
      expect(((await rejectionOf(app.invoke(7 as never))) as InvalidArgumentError).argument).to.equal('input');
    });
  });

  describe('conditional edges', () => {
    const counter = (g: StateGraph<State>): StateGraph<State> =>
      g.addNode('inc', (s) => ({ count: s.count + 1, trail: [...s.trail, `inc${s.count + 1}`] })).addNode('done', (s) => ({
        trail: [...s.trail, 'done'],
      }));

    it('route through a path map', async () => {
      const app = build((g) =>
        counter(g)
          .setEntryPoint('inc')
          .addConditionalEdges('inc', (s) => (s.count < 3 ? 'again' : 'stop'), { again: 'inc', stop: 'done' })
          .addEdge('done', END),
      );
      expect((await app.invoke()).trail).to.deep.equal(['inc1', 'inc2', 'inc3', 'done']);
    });

    it('take a returned node name directly, and may be async, and may return END', async () => {
      const app = build((g) =>
        counter(g)
          .setEntryPoint('inc')
          .addConditionalEdges('inc', async (s) => {
            await sleep(1);
            return s.count < 2 ? 'inc' : s.count === 2 ? 'done' : END;
          })
          .addConditionalEdges('done', () => END),
      );
      expect((await app.invoke()).trail).to.deep.equal(['inc1', 'inc2', 'done']);
    });

    it('accept a list of allowed node names as the path map', async () => {
      const app = build((g) => counter(g).setEntryPoint('inc').addConditionalEdges('inc', () => 'done', ['done']));
      expect((await app.invoke()).trail).to.deep.equal(['inc1', 'done']);
    });

    it('pick the entry point when they start at START', async () => {
      const app = build((g) => counter(g).addConditionalEdges(START, (s) => (s.count > 0 ? 'done' : 'inc')));
      expect((await app.invoke()).trail).to.deep.equal(['inc1']);
      expect((await app.invoke({ count: 1 })).trail).to.deep.equal(['done']);
    });

    it('fail with a GraphError naming the node when a result has no mapping', async () => {
      const app = build((g) => counter(g).setEntryPoint('inc').addConditionalEdges('inc', () => 'sideways', { up: 'done' }));
      const error = (await rejectionOf(app.invoke())) as GraphError;
      expect(error).to.be.instanceOf(GraphError);
      expect(error.nodeName).to.equal('inc');
      expect(error.message).to.include("returned 'sideways', which has no mapping");
      expect(error.message).to.include("'up'");
    });

    it('fail with a GraphError when a result without a path map is not a node', async () => {
      const app = build((g) => counter(g).setEntryPoint('inc').addConditionalEdges('inc', () => 'ghost'));
      const error = (await rejectionOf(app.invoke())) as GraphError;
      expect(error.nodeName).to.equal('inc');
      expect(error.message).to.include("'ghost', which is not a node");
    });

    it('fail with a GraphError when a condition returns something that is not a string', async () => {
      const app = build((g) => counter(g).setEntryPoint('inc').addConditionalEdges('inc', () => 3 as never, ['done']));
      expect(((await rejectionOf(app.invoke())) as GraphError).message).to.include('must return a string');
    });
  });

  describe('recursion limit', () => {
    const loop = (g: StateGraph<State>): StateGraph<State> =>
      g.addNode('loop', (s) => ({ count: s.count + 1 })).setEntryPoint('loop').addEdge('loop', 'loop');

    it('is 25 by default and raises GraphRecursionError past it', async () => {
      const app = build(loop);
      const error = (await rejectionOf(app.invoke({}, { runId: 'r-1' }))) as GraphRecursionError;
      expect(error).to.be.instanceOf(GraphRecursionError);
      expect(error.code).to.equal('GRAPH_RECURSION');
      expect(error.recursionLimit).to.equal(25);
      expect(error.runId).to.equal('r-1');
      expect(error.nodeName).to.equal('loop');
      expect(error.message).to.include('recursion limit of 25');
    });

    it('allows exactly recursionLimit nodes', async () => {
      const app = build(
        (g) => g.addNode('inc', (s) => ({ count: s.count + 1 })).setEntryPoint('inc').addConditionalEdges('inc', (s) => (s.count < 4 ? 'inc' : END)),
        4,
      );
      expect((await app.invoke()).count).to.equal(4);
      expect(await rejectionOf(app.invoke({}, { recursionLimit: 3 }))).to.be.instanceOf(GraphRecursionError);
    });

    it('takes the limit from compile() and lets the run config override it', async () => {
      const counted: number[] = [];
      const app = build((g) => g.addNode('loop', (s) => void counted.push(s.count)).setEntryPoint('loop').addEdge('loop', 'loop'), 5);
      expect(((await rejectionOf(app.invoke())) as GraphRecursionError).recursionLimit).to.equal(5);
      expect(counted).to.have.length(5);
      expect(((await rejectionOf(app.invoke({}, { recursionLimit: 2 }))) as GraphRecursionError).recursionLimit).to.equal(2);
    });
  });

  describe('class nodes', () => {
    it('are instantiated from the graph container with constructor injection, once per compiled graph', async () => {
      GreeterNode.instances = 0;
      const builder = new StateGraph<State>({ initialState }).addNode('greeter', GreeterNode).setEntryPoint('greeter');
      const a = builder.compile();
      const b = builder.compile();
      open.push(a, b);
      expect((await a.invoke({}, { threadId: 'ada' })).note).to.equal('hello ada');
      await a.invoke();
      await b.invoke();
      expect(GreeterNode.instances).to.equal(2);
      const nodeOfA = a.container.get(GreeterNode);
      expect(nodeOfA.tasks).to.equal(a.taskManager);
      expect(b.container.get(GreeterNode).tasks).to.equal(b.taskManager);
    });

    it('create background tasks on their graph manager', async () => {
      const app = build((g) => g.addNode('greeter', GreeterNode).setEntryPoint('greeter'));
      const created = pending<string>();
      const subscription = app.taskManager.events$.subscribe((event) => {
        if (event.type === 'created' && event.name === 'greeted') created.resolve(String(event.context.threadId));
      });
      await app.invoke({}, { threadId: 'thread-9' });
      expect(await created.promise).to.equal('thread-9');
      subscription.unsubscribe();
    });
  });
});
