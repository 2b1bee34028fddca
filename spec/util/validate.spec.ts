import { expect } from 'chai';
import fc from 'fast-check';
import {
  BackgroundTaskManager,
  createEvent,
  DependencyNotFoundError,
  END,
  inject,
  InvalidArgumentError,
  ObservablePublisher,
  START,
  StateGraph,
  type RunConfig,
} from '../../lib';
import { capturingLogger } from '../support/helpers';
import { readOptions } from '../../lib/util/validate';

const KNOWN = ['alpha', 'beta', 'gamma'] as const;
type Options = { alpha?: unknown; beta?: unknown; gamma?: unknown };

describe('readOptions()', () => {
  it('reads the own properties among the known keys, and only those (property)', () => {
    const value = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean());
    const record = fc.dictionary(fc.constantFrom(...KNOWN), value);
    fc.assert(
      fc.property(record, record, (own, inherited) => {
        const options = Object.assign(Object.create(inherited) as object, own) as Options;
        const read = readOptions<Options>('options', options, [...KNOWN]);
        const expected = Object.fromEntries(Object.entries(own).filter(([, item]) => item !== undefined));
        expect({ ...read }).to.deep.equal(expected);
        expect(Object.getPrototypeOf(read)).to.equal(null); // a key left out reads as undefined, whatever the prototypes hold
      }),
    );
  });

  it('never takes an inherited key for an unknown option, nor its value for a known one', () => {
    const polluted = Object.prototype as Record<string, unknown>;
    polluted.agentflowPolluted = 'x';
    polluted.alpha = 'inherited';
    try {
      const read = readOptions<Options>('options', { beta: 1 }, [...KNOWN]);
      expect({ ...read }).to.deep.equal({ beta: 1 });
      expect(read.alpha).to.equal(undefined);
    } finally {
      delete polluted.agentflowPolluted;
      delete polluted.alpha;
    }
  });

  it('refuses an own unknown key, naming it', () => {
    expect(() => readOptions<Options>('options', { beta: 1, delta: 2 } as Options, [...KNOWN]))
      .to.throw(InvalidArgumentError)
      .with.property('message')
      .that.contains('delta');
  });
});

describe('a polluted Object.prototype', () => {
  const pollution: Record<string, unknown> = {
    redact: false,
    timeoutMs: 1,
    maxPendingTasks: 1,
    overflow: 'reject',
    publishTimeoutMs: 1,
    optional: true,
    control: true,
    runId: 'attacker-run',
    threadId: 'attacker-thread',
    withCredentials: true,
    recordContext: ['secret'],
    signal: 42, // Node reads listener options' signal: an inherited one made addEventListener throw
    capture: true,
  };

  /** Runs `check` with every key of `pollution` on Object.prototype, and takes them away after. */
  async function polluted(check: () => unknown): Promise<void> {
    const prototype = Object.prototype as Record<string, unknown>;
    for (const [key, value] of Object.entries(pollution)) prototype[key] = value;
    try {
      await check();
    } finally {
      for (const key of Object.keys(pollution)) delete prototype[key];
    }
  }

  it('changes no option an entry point leaves out: redaction stays on, no timeout appears, no cap, no optional inject', async () => {
    await polluted(async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      expect(manager.redactor.active).to.equal(true);
      const first = manager.createTask(async () => 'a');
      const second = manager.createTask(async () => 'b'); // no cap of 1, no 'reject'
      expect(first.timeoutMs).to.equal(undefined);
      expect((await second.done).status).to.equal('completed');
      expect(new ObservablePublisher().publishTimeoutMs).to.equal(undefined);
      expect(() => inject(class NotRegistered {})).to.throw(DependencyNotFoundError);
      const event = createEvent({ event: 'graph_execution', eventType: 'start' });
      expect([event.runId, event.threadId]).to.deep.equal([undefined, undefined]);
      const stats = await manager.shutdown();
      expect(stats.status).to.equal('completed');
    });
  });

  it('adds nothing to a graph run’s configuration', async () => {
    let seen: unknown[] = [];
    const graph = new StateGraph<{ n: number }>()
      .addNode('only', (state: { n: number }, config: RunConfig) => {
        seen = [config.threadId, config.userId];
        return state;
      })
      .addEdge(START, 'only')
      .addEdge('only', END)
      .compile();
    await polluted(() => graph.invoke({ n: 1 }));
    await graph.close();
    expect(seen).to.deep.equal([undefined, undefined]);
  });
});
