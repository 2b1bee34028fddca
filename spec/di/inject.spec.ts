import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Container, Service, Token } from 'typedi';
import {
  BackgroundTaskManager,
  BasePublisher,
  DependencyNotFoundError,
  END,
  InvalidArgumentError,
  StateGraph,
  getRunContext,
  inject,
  type CompiledGraph,
  type RunContext,
} from '../../lib';
import { thrownBy } from '../support/graph-test-helpers';

interface State {
  seen?: unknown;
}

class Mailer {
  readonly sent: string[] = [];
}

@Service()
class Counter {
  count = 0;
}

class MissingDependency {}

@Service()
class NeedsMissing {
  constructor(readonly dependency: MissingDependency) {}
}

/** A one-node graph whose node is `node`. */
function oneNode(node: (state: State) => unknown): CompiledGraph<State> {
  return new StateGraph<State>()
    .addNode('only', async (state) => ({ seen: await node(state) }))
    .setEntryPoint('only')
    .addEdge('only', END)
    .compile();
}

describe('inject()', () => {
  const graphs: CompiledGraph<State>[] = [];
  const compile = (node: (state: State) => unknown): CompiledGraph<State> => {
    const graph = oneNode(node);
    graphs.push(graph);
    return graph;
  };

  afterEach(async () => {
    await Promise.all(graphs.splice(0).map((graph) => graph.close()));
    Container.remove([Mailer, 'mailer']);
  });

  describe('outside a graph run', () => {
    it("resolves from TypeDI's global Container", () => {
      const mailer = new Mailer();
      Container.set(Mailer, mailer);
      expect(inject(Mailer)).to.equal(mailer);
    });

    it('resolves string tokens and Token instances', () => {
      const TOKEN = new Token<string>('greeting');
      Container.set(TOKEN, 'hello');
      Container.set('mailer', 'by-name');
      try {
        expect(inject(TOKEN)).to.equal('hello');
        expect(inject<string>('mailer')).to.equal('by-name');
      } finally {
        Container.remove(TOKEN);
      }
    });

    it('throws a DependencyNotFoundError naming the token and saying how to bind it', () => {
      const error = thrownBy(() => inject(Mailer)) as DependencyNotFoundError;
      expect(error).to.be.instanceOf(DependencyNotFoundError);
      expect(error.code).to.equal('DEPENDENCY_NOT_FOUND');
      expect(error.tokenName).to.equal('Mailer');
      expect(error.containerId).to.equal('default');
      expect(error.message).to.include('Mailer');
      expect(error.message).to.include("TypeDI's global Container");
      expect(error.message).to.include('Container.set({ id: Mailer, value, global: true })');
      expect(error.message).to.include('@Service()');
      expect(error.message).to.include('inject(Mailer, { optional: true })');
    });

    it('names string and Token tokens readably', () => {
      expect((thrownBy(() => inject('nothing-here')) as DependencyNotFoundError).tokenName).to.equal('"nothing-here"');
      const token = new Token<number>('answer');
      expect((thrownBy(() => inject(token)) as DependencyNotFoundError).tokenName).to.equal('Token<answer>');
    });

    it('returns undefined with { optional: true } when nothing is bound', () => {
      expect(inject(Mailer, { optional: true })).to.equal(undefined);
    });

    it('reports a missing constructor dependency of a bound class, even with { optional: true }', () => {
      const error = thrownBy(() => inject(NeedsMissing, { optional: true })) as DependencyNotFoundError;
      expect(error).to.be.instanceOf(DependencyNotFoundError);
      expect(error.tokenName).to.equal('NeedsMissing');
      expect(error.message).to.include('MissingDependency');
      expect(error.cause).to.be.instanceOf(Error);
    });

    it('refuses a token that is not a class, a Token or a non-empty string', () => {
      for (const bad of ['', 42, null, undefined, {}]) {
        const error = thrownBy(() => inject(bad as never)) as InvalidArgumentError;
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect(error.argument).to.equal('token');
      }
    });

    it('refuses options that are not a plain object with a boolean optional', () => {
      expect((thrownBy(() => inject(Mailer, 'yes' as never)) as InvalidArgumentError).argument).to.equal('options');
      expect((thrownBy(() => inject(Mailer, { optional: 1 } as never)) as InvalidArgumentError).argument).to.equal('optional');
    });
  });

  describe('inside a graph run', () => {
    it("resolves from the running graph's container, not from the global one", async () => {
      const globalManager = new BackgroundTaskManager();
      Container.set(BackgroundTaskManager, globalManager);
      try {
        const graph = compile(() => inject(BackgroundTaskManager));
        const { seen } = await graph.invoke();
        expect(seen).to.equal(graph.taskManager);
        expect(seen).not.to.equal(globalManager);
        expect(inject(BackgroundTaskManager)).to.equal(globalManager);
      } finally {
        Container.remove(BackgroundTaskManager);
        await globalManager.shutdown();
      }
    });

    it('works as a default parameter of a node, as in the Python pattern', async () => {
      let injected: BackgroundTaskManager | undefined;
      const graph = new StateGraph<State>()
        .addNode('node', async (state, _config, taskManager = inject(BackgroundTaskManager)) => {
          injected = taskManager;
          return state;
        })
        .setEntryPoint('node')
        .compile();
      graphs.push(graph);
      await graph.invoke();
      expect(injected).to.equal(graph.taskManager);
    });

    it('works in nested async calls of a node, across awaits, timers and microtasks', async () => {
      const deepest = async (): Promise<BackgroundTaskManager> => {
        await sleep(2);
        return new Promise((resolve) => setTimeout(() => queueMicrotask(() => resolve(inject(BackgroundTaskManager))), 1));
      };
      const middle = async (): Promise<BackgroundTaskManager[]> => {
        const before = inject(BackgroundTaskManager);
        await Promise.resolve();
        return [before, await deepest()];
      };
      const graph = compile(async () => {
        const results = await Promise.all([middle(), middle()]);
        return results.flat();
      });
      const { seen } = await graph.invoke();
      expect(seen).to.have.length(4);
      for (const manager of seen as BackgroundTaskManager[]) expect(manager).to.equal(graph.taskManager);
    });

    it('works in the work of a background task a node started', async () => {
      const fromTask: unknown[] = [];
      const graph = compile(() => {
        const tasks = inject(BackgroundTaskManager);
        tasks.createTask(async () => {
          await sleep(1);
          fromTask.push(inject(BackgroundTaskManager));
        });
        return 'started';
      });
      await graph.invoke();
      await graph.taskManager.waitForAll();
      expect(fromTask).to.deep.equal([graph.taskManager]);
    });

    it('keeps concurrent runs of two graphs apart', async () => {
      const probe = async (): Promise<BackgroundTaskManager[]> => {
        const seen: BackgroundTaskManager[] = [];
        for (let i = 0; i < 5; i++) {
          seen.push(inject(BackgroundTaskManager));
          await sleep(1);
        }
        return seen;
      };
      const a = compile(probe);
      const b = compile(probe);
      const [resultA, resultB] = await Promise.all([a.invoke(), b.invoke()]);
      expect(resultA.seen).to.deep.equal(Array(5).fill(a.taskManager));
      expect(resultB.seen).to.deep.equal(Array(5).fill(b.taskManager));
    });

    it('gives each graph its own instance of a globally registered @Service class', async () => {
      const a = compile(() => inject(Counter));
      const b = compile(() => inject(Counter));
      const [a1, a2, b1] = [(await a.invoke()).seen, (await a.invoke()).seen, (await b.invoke()).seen];
      expect(a1).to.be.instanceOf(Counter);
      expect(a1).to.equal(a2);
      expect(a1).not.to.equal(b1);
      expect(a1).not.to.equal(Container.get(Counter));
    });

    it('treats "no publisher" as unbound: undefined with { optional: true }, an error without', async () => {
      const graph = compile(() => {
        const optional = inject(BasePublisher, { optional: true });
        const error = thrownBy(() => inject(BasePublisher));
        return { optional, error };
      });
      const { seen } = await graph.invoke();
      const { optional, error } = seen as { optional: unknown; error: DependencyNotFoundError };
      expect(optional).to.equal(undefined);
      expect(error).to.be.instanceOf(DependencyNotFoundError);
      expect(error.containerId).to.equal(graph.container.id);
      expect(error.message).to.include(`the graph container '${graph.container.id}'`);
    });

    it('throws a DependencyNotFoundError naming the graph container for an unbound token', async () => {
      const graph = compile(() => thrownBy(() => inject(Mailer)));
      const { seen } = await graph.invoke();
      expect(seen).to.be.instanceOf(DependencyNotFoundError);
      expect((seen as DependencyNotFoundError).containerId).to.equal(graph.container.id);
    });
  });
});

describe('getRunContext()', () => {
  it('is undefined outside a graph run', () => {
    expect(getRunContext()).to.equal(undefined);
  });

  it("gives a node the run's container and resolved config, across awaits", async () => {
    let context: RunContext | undefined;
    const graph = new StateGraph<State>()
      .addNode('node', async () => {
        await sleep(1);
        context = getRunContext();
      })
      .setEntryPoint('node')
      .compile({ recursionLimit: 7 });
    try {
      await graph.invoke({}, { threadId: 'thread-1', runId: 'run-1' });
      expect(context?.container).to.equal(graph.container);
      expect(context?.config.runId).to.equal('run-1');
      expect(context?.config.threadId).to.equal('thread-1');
      expect(context?.config.recursionLimit).to.equal(7);
      expect(context?.config.signal).to.be.instanceOf(AbortSignal);
      expect(getRunContext()).to.equal(undefined);
    } finally {
      await graph.close();
    }
  });
});
