import { expect } from 'chai';
import sinon from 'sinon';
import { lastValueFrom, take, toArray } from 'rxjs';
import {
  END,
  StateGraph,
  type CompiledGraph,
  type GraphEvent,
  type ResolvedRunConfig,
} from '../../lib';
import { pending, quietLogger, turn } from '../support/graph-test-helpers';

interface State {
  trail: string[];
}

/** `type` or `type:node` for each event. */
function shape(events: readonly GraphEvent<State>[]): string[] {
  return events.map((event) => ('node' in event ? `${event.type}:${event.node}` : event.type));
}

describe('CompiledGraph.stream()', () => {
  const open: CompiledGraph<State>[] = [];
  const build = (configure: (graph: StateGraph<State>) => StateGraph<State>): CompiledGraph<State> => {
    const app = configure(new StateGraph<State>({ initialState: { trail: [] } })).compile();
    open.push(app);
    return app;
  };
  afterEach(async () => {
    sinon.restore();
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  it('emits graph_start, node_start/node_end per node, graph_end, then completes', async () => {
    const app = build((g) =>
      g
        .addNode('a', (s) => ({ trail: [...s.trail, 'a'] }))
        .addNode('b', () => undefined)
        .setEntryPoint('a')
        .addEdge('a', 'b')
        .addEdge('b', END),
    );
    const events = await lastValueFrom(app.stream({}, { threadId: 't-1', runId: 'run-7' }).pipe(toArray()));
    expect(shape(events)).to.deep.equal(['graph_start', 'node_start:a', 'node_end:a', 'node_start:b', 'node_end:b', 'graph_end']);
    expect(events.every((event) => event.runId === 'run-7' && event.threadId === 't-1')).to.equal(true);
    const [, , endA, , endB, end] = events;
    expect(endA).to.include({ type: 'node_end', node: 'a', step: 1 });
    expect(endA?.type === 'node_end' && endA.update).to.deep.equal({ trail: ['a'] });
    expect(endB?.type === 'node_end' && endB.update).to.equal(undefined);
    expect(end?.type === 'graph_end' && end.state).to.deep.equal({ trail: ['a'] });
    expect(end?.type === 'graph_end' && end.steps).to.equal(2);
  });

  it('is cold: each subscription is a new run', async () => {
    let runs = 0;
    const app = build((g) => g.addNode('a', () => void runs++).setEntryPoint('a'));
    const stream = app.stream();
    expect(runs).to.equal(0);
    await lastValueFrom(stream);
    await lastValueFrom(stream);
    expect(runs).to.equal(2);
  });

  it('emits node_error and then errors with the node error', async () => {
    const boom = new Error('boom');
    const app = build((g) => g.addNode('bad', () => { throw boom; }).setEntryPoint('bad'));
    const events: GraphEvent<State>[] = [];
    const failed = pending<unknown>();
    app.stream().subscribe({ next: (event) => events.push(event), error: failed.resolve });
    expect(await failed.promise).to.equal(boom);
    expect(shape(events)).to.deep.equal(['graph_start', 'node_start:bad', 'node_error:bad']);
    const last = events[2];
    expect(last?.type === 'node_error' && last.error).to.equal(boom);
  });

  it('cancels the run when unsubscribed: the node signal aborts and later nodes never run', async () => {
    const started = pending<AbortSignal>();
    let secondRan = false;
    const app = build((g) =>
      g
        .addNode('slow', (_s, config: ResolvedRunConfig) => {
          started.resolve(config.signal);
          return new Promise<void>(() => undefined);
        })
        .addNode('second', () => void (secondRan = true))
        .setEntryPoint('slow')
        .addEdge('slow', 'second'),
    );
    const subscription = app.stream().subscribe();
    const signal = await started.promise;
    expect(signal.aborted).to.equal(false);
    subscription.unsubscribe();
    expect(signal.aborted).to.equal(true);
    expect((signal.reason as DOMException).name).to.equal('AbortError');
    await turn();
    expect(secondRan).to.equal(false);
  });

  it('stops, before the node starts, when a downstream operator unsubscribes on node_start (take)', async () => {
    let nodes = 0;
    const app = build((g) =>
      g
        .addNode('a', () => void nodes++)
        .addNode('b', () => void nodes++)
        .setEntryPoint('a')
        .addEdge('a', 'b'),
    );
    const events = await lastValueFrom(app.stream().pipe(take(2), toArray()));
    expect(shape(events)).to.deep.equal(['graph_start', 'node_start:a']);
    await turn();
    expect(nodes).to.equal(0);
  });

  it('does not abort the run signal after a run completes (its background tasks stay alive)', async () => {
    let signal: AbortSignal | undefined;
    const app = build((g) => g.addNode('a', (_s, config) => void (signal = config.signal)).setEntryPoint('a'));
    await lastValueFrom(app.stream());
    expect(signal?.aborted).to.equal(false);
  });

  it('is cancelled by config.signal, erroring with its reason', async () => {
    const controller = new AbortController();
    const entered = pending();
    const app = build((g) =>
      g
        .addNode('wait', () => {
          entered.resolve();
          return new Promise<void>(() => undefined);
        })
        .setEntryPoint('wait'),
    );
    const failed = pending<unknown>();
    app.stream({}, { signal: controller.signal }).subscribe({ error: failed.resolve });
    await entered.promise;
    const reason = new Error('user pressed stop');
    controller.abort(reason);
    expect(await failed.promise).to.equal(reason);
  });

  it('errors at once when config.signal is already aborted, running no node', async () => {
    let ran = false;
    const app = build((g) => g.addNode('a', () => void (ran = true)).setEntryPoint('a'));
    const reason = new Error('too late');
    const failed = pending<unknown>();
    app.stream({}, { signal: AbortSignal.abort(reason) }).subscribe({ error: failed.resolve });
    expect(await failed.promise).to.equal(reason);
    expect(ran).to.equal(false);
  });

  it('removes its listener from config.signal when the run ends', async () => {
    const controller = new AbortController();
    const add = sinon.spy(controller.signal, 'addEventListener');
    const remove = sinon.spy(controller.signal, 'removeEventListener');
    const app = build((g) => g.addNode('a', () => undefined).setEntryPoint('a'));
    await lastValueFrom(app.stream({}, { signal: controller.signal }));
    expect(add.callCount).to.equal(1);
    expect(remove.callCount).to.equal(1);
    expect(remove.firstCall.args[1]).to.equal(add.firstCall.args[1]);
  });

  it('logs a subscriber that throws instead of breaking the run', async () => {
    const { error } = quietLogger();
    const app = build((g) => g.addNode('a', (s) => ({ trail: [...s.trail, 'a'] })).setEntryPoint('a'));
    const completed = pending();
    app.stream().subscribe({
      next: () => {
        throw new Error('bad subscriber');
      },
      complete: completed.resolve,
    });
    await completed.promise;
    expect(error.callCount).to.equal(4);
    expect(String(error.firstCall.args[0])).to.include('bad subscriber');
  });

  it('logs the run error of a subscriber with no error callback, instead of an uncaught exception', async () => {
    const { error } = quietLogger();
    const app = build((g) => g.addNode('bad', () => Promise.reject(new Error('no handler'))).setEntryPoint('bad'));
    const subscription = app.stream().subscribe(() => undefined);
    await turn();
    await turn();
    expect(subscription.closed).to.equal(true);
    expect(error.calledOnce).to.equal(true);
    expect(String(error.firstCall.args[0])).to.include('no handler');
  });

  it('throws synchronously for a bad config', () => {
    const app = build((g) => g.addNode('a', () => undefined).setEntryPoint('a'));
    expect(() => app.stream({}, { recursionLimit: -1 })).to.throw('recursionLimit');
  });
});
