import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import sinon from 'sinon';
import { END, getDefaultLogger, InvalidArgumentError, START, StateGraph, wrapGraphSteps, type CompiledGraph, type GraphStep } from '../../lib';

type State = { seen: string[] };

describe('wrapGraphSteps()', () => {
  const storage = new AsyncLocalStorage<string>();
  let graph: CompiledGraph<State>;

  beforeEach(() => {
    graph = new StateGraph<State>({ initialState: { seen: [] } })
      .addNode('a', (state: State) => ({ seen: [...state.seen, `a:${storage.getStore()}`] }))
      .addNode('b', (state: State) => ({ seen: [...state.seen, `b:${storage.getStore()}`] }))
      .addEdge(START, 'a')
      .addEdge('a', 'b')
      .addEdge('b', END)
      .compile();
  });
  afterEach(async () => {
    await graph.close();
  });

  it('tells each run and node step, and runs each inside the context its wrapper proceeded in', async () => {
    const steps: GraphStep[] = [];
    const remove = wrapGraphSteps(graph, (step, proceed) => {
      steps.push(step);
      storage.run(step.kind === 'run' ? 'run' : `node-${step.node}`, proceed);
    });
    const state = await graph.invoke({}, { runId: 'r-1', threadId: 't-1' });
    expect(state.seen).to.deep.equal(['a:node-a', 'b:node-b']);
    expect(steps.map((step) => [step.kind, step.runId, step.threadId, step.node, step.step])).to.deep.equal([
      ['run', 'r-1', 't-1', undefined, undefined],
      ['node', 'r-1', 't-1', 'a', 1],
      ['node', 'r-1', 't-1', 'b', 2],
    ]);
    remove();
    remove();
    expect((await graph.invoke({})).seen).to.deep.equal(['a:undefined', 'b:undefined']);
  });

  it('never changes a run: a wrapper that throws, forgets to proceed, proceeds twice or returns something else', async () => {
    const error = sinon.stub(getDefaultLogger(), 'error');
    try {
      const calls: string[] = [];
      const counting = new StateGraph<{ n: number }>({ initialState: { n: 0 } })
        .addNode('only', (state: { n: number }) => {
          calls.push('only');
          return { n: state.n + 1 };
        })
        .addEdge(START, 'only')
        .addEdge('only', END)
        .compile();
      const wrappers = [
        () => {
          throw new Error('wrapper down');
        },
        () => undefined,
        (_step: GraphStep, proceed: () => Promise<unknown>) => {
          void proceed();
          void proceed();
          return 'something else';
        },
      ];
      for (const wrapper of wrappers) {
        const remove = wrapGraphSteps(counting, wrapper as never);
        expect(await counting.invoke({ n: 0 })).to.deep.equal({ n: 1 });
        remove();
      }
      expect(calls).to.deep.equal(['only', 'only', 'only']);
      expect(error.callCount).to.equal(2); // the throwing wrapper, for the run and for the node
      await counting.close();
    } finally {
      error.restore();
    }
  });

  it('runs an inner wrapper once per step, and never after the step began', async () => {
    const inner: string[] = [];
    const late: (() => Promise<unknown>)[] = [];
    wrapGraphSteps(graph, (_step, proceed) => {
      void proceed();
      void proceed();
      late.push(proceed);
    });
    wrapGraphSteps(graph, (step, proceed) => {
      inner.push(step.node ?? step.kind);
      void proceed();
    });
    await graph.invoke({});
    for (const proceed of late) void proceed();
    expect(inner).to.deep.equal(['run', 'a', 'b']);
  });

  it('refuses what is not a compiled graph or a function, naming the argument', () => {
    expect(() => wrapGraphSteps({} as CompiledGraph<State>, () => undefined)).to.throw(InvalidArgumentError, 'graph');
    expect(() => wrapGraphSteps(graph, 1 as never)).to.throw(InvalidArgumentError, 'wrapper');
  });
});
