import { expect } from 'chai';
import { Service } from 'typedi';
import {
  CompositePublisher,
  END,
  GraphError,
  InvalidArgumentError,
  START,
  StateGraph,
  type CompiledGraph,
  type GraphNode,
} from '../../lib';
import { RecordingPublisher, thrownBy } from '../support/graph-test-helpers';

interface State {
  trail: string[];
}

const step = (name: string) => (state: State) => ({ trail: [...state.trail, name] });

class NotAService implements GraphNode<State> {
  run(state: State): State {
    return state;
  }
}

@Service()
class AService implements GraphNode<State> {
  run(state: State): Partial<State> {
    return { trail: [...state.trail, 'service'] };
  }
}

/** The GraphError `compile()` throws for `graph`. */
function compileError(graph: StateGraph<State>): GraphError {
  const error = thrownBy(() => graph.compile());
  expect(error).to.be.instanceOf(GraphError);
  expect((error as GraphError).code).to.equal('GRAPH_INVALID');
  return error as GraphError;
}

describe('StateGraph', () => {
  const compiled: CompiledGraph<State>[] = [];
  const compile = (graph: StateGraph<State>): CompiledGraph<State> => {
    const app = graph.compile();
    compiled.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(compiled.splice(0).map((app) => app.close()));
  });

  it('exposes START and END as the virtual entry and exit', () => {
    expect(START).to.equal('__start__');
    expect(END).to.equal('__end__');
  });

  describe('builder methods', () => {
    it('each return the builder', () => {
      const graph = new StateGraph<State>();
      expect(graph.addNode('a', step('a'))).to.equal(graph);
      expect(graph.addNode('b', step('b'))).to.equal(graph);
      expect(graph.addEdge('a', 'b')).to.equal(graph);
      expect(graph.addConditionalEdges('b', () => END)).to.equal(graph);
      expect(graph.setEntryPoint('a')).to.equal(graph);
    });

    it('addNode(fn) names the node after the function', async () => {
      async function greet(state: State): Promise<Partial<State>> {
        return { trail: [...state.trail, 'greet'] };
      }
      const app = compile(new StateGraph<State>({ initialState: { trail: [] } }).addNode(greet).setEntryPoint('greet'));
      expect(await app.invoke()).to.deep.equal({ trail: ['greet'] });
    });

    it('addNode(Class) names the node after the class', async () => {
      const app = compile(new StateGraph<State>({ initialState: { trail: [] } }).addNode(AService).setEntryPoint('AService'));
      expect(await app.invoke()).to.deep.equal({ trail: ['service'] });
    });

    it('refuses a node that is neither a function nor a class with run()', () => {
      const notANode = thrownBy(() => new StateGraph<State>().addNode('a', 42 as never)) as InvalidArgumentError;
      expect(notANode).to.be.instanceOf(InvalidArgumentError);
      expect(notANode.argument).to.equal('node');
      expect(notANode.value).to.equal(42);
      class NoRun {}
      const noRun = thrownBy(() => new StateGraph<State>().addNode('a', NoRun as never)) as InvalidArgumentError;
      expect(noRun.argument).to.equal('node');
      expect(noRun.message).to.include('run(state, config)');
    });

    it('refuses an empty name, and an anonymous function without a name', () => {
      expect((thrownBy(() => new StateGraph<State>().addNode('', step('a'))) as InvalidArgumentError).argument).to.equal('name');
      expect((thrownBy(() => new StateGraph<State>().addNode((() => () => undefined)())) as InvalidArgumentError).argument).to.equal(
        'name',
      );
    });

    it('refuses edge endpoints, conditions and path maps of the wrong type', () => {
      const graph = new StateGraph<State>();
      expect((thrownBy(() => graph.addEdge('', 'b')) as InvalidArgumentError).argument).to.equal('from');
      expect((thrownBy(() => graph.addEdge('a', 7 as never)) as InvalidArgumentError).argument).to.equal('to');
      expect((thrownBy(() => graph.addConditionalEdges('a', 'x' as never)) as InvalidArgumentError).argument).to.equal(
        'condition',
      );
      expect((thrownBy(() => graph.addConditionalEdges('a', () => 'b', 5 as never)) as InvalidArgumentError).argument).to.equal(
        'pathMap',
      );
      expect((thrownBy(() => graph.addConditionalEdges('a', () => 'b', { yes: 3 } as never)) as InvalidArgumentError).argument).to.equal(
        'pathMap.yes',
      );
      expect((thrownBy(() => graph.addConditionalEdges('a', () => 'b', ['b', ''])) as InvalidArgumentError).argument).to.equal(
        'pathMap[1]',
      );
      expect((thrownBy(() => graph.setEntryPoint(undefined as never)) as InvalidArgumentError).argument).to.equal('to');
    });

    it('refuses constructor options of the wrong type', () => {
      expect((thrownBy(() => new StateGraph<State>('x' as never)) as InvalidArgumentError).argument).to.equal('options');
      expect((thrownBy(() => new StateGraph<State>({ initialState: 3 as never })) as InvalidArgumentError).argument).to.equal(
        'initialState',
      );
      expect((thrownBy(() => new StateGraph<State>({ publisher: {} as never })) as InvalidArgumentError).argument).to.equal(
        'publisher',
      );
      const badInList = thrownBy(() => new StateGraph<State>({ publisher: [new RecordingPublisher(), 'x' as never] }));
      expect((badInList as InvalidArgumentError).argument).to.equal('publishers[1]');
    });

    it('wraps a list of publishers in a CompositePublisher', async () => {
      const a = new RecordingPublisher();
      const b = new RecordingPublisher();
      const app = compile(new StateGraph<State>({ initialState: { trail: [] }, publisher: [a, b] }).addNode('a', step('a')).setEntryPoint('a'));
      await app.invoke();
      await app.taskManager.waitForAll();
      expect(a.summary()).to.deep.equal(b.summary());
      expect(a.events.length).to.be.greaterThan(0);
      expect(new CompositePublisher([a, b]).publishers).to.deep.equal([a, b]);
    });
  });

  describe('compile()', () => {
    it('fails on a duplicate node name, naming it', () => {
      const error = compileError(new StateGraph<State>().addNode('a', step('a')).addNode('a', step('b')).setEntryPoint('a'));
      expect(error.nodeName).to.equal('a');
      expect(error.message).to.include("Node 'a' was added twice");
    });

    it('fails on a node named START or END', () => {
      expect(compileError(new StateGraph<State>().addNode(END, step('a')).setEntryPoint(END)).nodeName).to.equal(END);
      expect(compileError(new StateGraph<State>().addNode(START, step('a'))).nodeName).to.equal(START);
    });

    it('fails when there is no node', () => {
      expect(compileError(new StateGraph<State>()).message).to.include('no nodes');
    });

    it('fails when there is no entry point', () => {
      const error = compileError(new StateGraph<State>().addNode('a', step('a')));
      expect(error.message).to.include('no entry point');
      expect(error.message).to.include('setEntryPoint');
    });

    it('fails on an entry point that is not a node, naming it', () => {
      const error = compileError(new StateGraph<State>().addNode('a', step('a')).setEntryPoint('missing'));
      expect(error.nodeName).to.equal('missing');
      expect(error.message).to.include("unknown node 'missing'");
    });

    it('fails on an edge from or to an unknown node, naming it', () => {
      const to = compileError(new StateGraph<State>().addNode('a', step('a')).setEntryPoint('a').addEdge('a', 'b'));
      expect(to.nodeName).to.equal('b');
      const from = compileError(new StateGraph<State>().addNode('a', step('a')).setEntryPoint('a').addEdge('ghost', 'a'));
      expect(from.nodeName).to.equal('ghost');
      expect(from.message).to.include("unknown node 'ghost'");
    });

    it('fails on a path map target that is not a node, naming it', () => {
      const error = compileError(
        new StateGraph<State>().addNode('a', step('a')).setEntryPoint('a').addConditionalEdges('a', () => 'x', { x: 'nowhere' }),
      );
      expect(error.nodeName).to.equal('nowhere');
    });

    it('fails on END used as a source', () => {
      const error = compileError(new StateGraph<State>().addNode('a', step('a')).setEntryPoint('a').addEdge(END, 'a'));
      expect(error.nodeName).to.equal(END);
      expect(error.message).to.include('END cannot be the source');
    });

    it('fails on START used as a target', () => {
      const error = compileError(new StateGraph<State>().addNode('a', step('a')).setEntryPoint('a').addEdge('a', START));
      expect(error.nodeName).to.equal('a');
    });

    it('fails on a node with two outgoing edges, naming it', () => {
      const error = compileError(
        new StateGraph<State>()
          .addNode('a', step('a'))
          .addNode('b', step('b'))
          .addNode('c', step('c'))
          .setEntryPoint('a')
          .addEdge('a', 'b')
          .addConditionalEdges('a', () => 'c', ['c']),
      );
      expect(error.nodeName).to.equal('a');
      expect(error.message).to.include('more than one outgoing edge');
    });

    it('fails on two entry points', () => {
      const error = compileError(new StateGraph<State>().addNode('a', step('a')).addNode('b', step('b')).setEntryPoint('a').setEntryPoint('b'));
      expect(error.nodeName).to.equal(START);
    });

    it('fails on an unreachable node, naming it', () => {
      const error = compileError(
        new StateGraph<State>().addNode('a', step('a')).addNode('island', step('i')).setEntryPoint('a').addEdge('a', END),
      );
      expect(error.nodeName).to.equal('island');
      expect(error.message).to.include("Node 'island' is unreachable");
    });

    it('counts nodes reached through path maps as reachable', () => {
      compile(
        new StateGraph<State>()
          .addNode('a', step('a'))
          .addNode('b', step('b'))
          .addNode('c', step('c'))
          .setEntryPoint('a')
          .addConditionalEdges('a', () => 'left', { left: 'b', right: 'c' }),
      );
    });

    it('trusts a condition without a path map to reach any node', () => {
      compile(new StateGraph<State>().addNode('a', step('a')).addNode('b', step('b')).setEntryPoint('a').addConditionalEdges('a', () => 'b'));
    });

    it('fails on a class node that is not a TypeDI service, naming it', () => {
      const error = compileError(new StateGraph<State>().addNode('plain', NotAService).setEntryPoint('plain'));
      expect(error.nodeName).to.equal('plain');
      expect(error.message).to.include('@Service()');
    });

    it('refuses options out of range', () => {
      const graph = new StateGraph<State>().addNode('a', step('a')).setEntryPoint('a');
      for (const [options, argument] of [
        [{ shutdownTimeoutMs: -1 }, 'shutdownTimeoutMs'],
        [{ recursionLimit: 0 }, 'recursionLimit'],
        [{ recursionLimit: 2.5 }, 'recursionLimit'],
        [{ maxPendingTasks: -1 }, 'maxPendingTasks'],
        [{ overflow: 'explode' }, 'overflow'],
      ] as const) {
        const error = thrownBy(() => graph.compile(options as never)) as InvalidArgumentError;
        expect(error, argument).to.be.instanceOf(InvalidArgumentError);
        expect(error.argument).to.equal(argument);
      }
    });

    it('snapshots the builder: later changes do not change the compiled graph', async () => {
      const graph = new StateGraph<State>({ initialState: { trail: [] } }).addNode('a', step('a')).setEntryPoint('a');
      const before = compile(graph);
      graph.addNode('b', step('b')).addEdge('a', 'b');
      const after = compile(graph);
      expect(await before.invoke()).to.deep.equal({ trail: ['a'] });
      expect(await after.invoke()).to.deep.equal({ trail: ['a', 'b'] });
    });
  });
});
