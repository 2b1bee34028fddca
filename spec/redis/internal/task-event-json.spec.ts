import { expect } from 'chai';
import fc from 'fast-check';
import { BackgroundTaskManager, Redactor, TaskTimeoutError, type TaskEvent } from '../../../lib';
import { taskEventJson } from '../../../lib/redis/internal/task-event-json';
import { EMPTY_TASK_CONTEXT } from '../../../lib/tasks/task-context';
import { capturingLogger } from '../../support/helpers';

/**
 * The field-by-field JSON of a task event is an optimisation of `redactor.stringify(event)`: these specs hold it
 * to the walk's output, byte for byte, on every shape of task event and on hostile values in its user fields.
 */
const TYPES = ['created', 'started', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped'] as const;

/** A secret-looking value in every place a user puts one. */
const secretish = fc.constantFrom('password=hunter2', 'Bearer abc.def.ghi', 'https://u:p@host/x', 'sk-live-1234567890abcdef', 'plain');
const userValue = fc.oneof(
  fc.anything({ maxDepth: 4 }),
  secretish,
  fc.dictionary(fc.constantFrom('apiKey', 'token', 'userId', 'name', 'value', 'runId', '__proto__'), fc.oneof(secretish, fc.integer())),
  fc.string().map((message) => new Error(message)),
  fc.constant(new TaskTimeoutError('t', 5)),
);
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.NaN, Infinity, -0, 1.7e12 + 0.5));
const eventArb = fc.record({
  type: fc.constantFrom(...TYPES),
  seq: number,
  timestamp: number,
  id: number,
  name: fc.oneof(fc.string(), secretish),
  context: fc.oneof(fc.constant(EMPTY_TASK_CONTEXT), fc.dictionary(fc.string(), userValue), fc.constant({})),
  timeoutMs: fc.option(number, { nil: undefined }),
  error: userValue,
  reason: userValue,
  durationMs: fc.oneof(number, fc.constant(undefined)),
});

type EventInput = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

/** An event shaped as the manager shapes each type (only that type's fields, in its order). */
function shaped(input: EventInput): TaskEvent {
  const { type, seq, timestamp, id, name, context } = input;
  const base = { type, seq, timestamp, id, name, context };
  switch (type) {
    case 'created':
      return { ...base, timeoutMs: input.timeoutMs } as TaskEvent;
    case 'started':
      return base as TaskEvent;
    case 'completed':
      return { ...base, durationMs: input.durationMs } as TaskEvent;
    case 'failed':
      return { ...base, error: input.error, durationMs: input.durationMs } as TaskEvent;
    default:
      return { ...base, reason: input.reason, durationMs: input.durationMs } as TaskEvent;
  }
}

describe('taskEventJson()', () => {
  const redactors = [Redactor.DEFAULT, new Redactor(false), new Redactor({ keys: ['userId'] })];

  it('writes exactly what redactor.stringify(event) writes, for every type and hostile user fields (property)', () => {
    fc.assert(
      fc.property(eventArb, fc.constantFrom(...redactors), (input, redactor) => {
        const event = shaped(input);
        expect(taskEventJson(event, redactor)).to.equal(redactor.stringify(event));
      }),
      { numRuns: 500 },
    );
  });

  it('falls back to the walk for rules that would redact a field or type name, for a toJSON, and for what is not a task event', () => {
    const event = { type: 'completed', seq: 1, timestamp: 2, id: 3, name: 'n', context: {}, durationMs: 4 } as TaskEvent;
    for (const redactor of [new Redactor({ keys: ['id'] }), new Redactor({ keys: ['context'] }), new Redactor({ values: [{ name: 'type', pattern: /complet/ }] })]) {
      expect(taskEventJson(event, redactor)).to.equal(redactor.stringify(event));
    }
    const withToJson = { ...event, toJSON: () => ({ replaced: true }) } as unknown as TaskEvent;
    expect(taskEventJson(withToJson, Redactor.DEFAULT)).to.equal('{"replaced":true}');
    const extra = { ...event, extra: 1 };
    const reordered = { seq: 1, type: 'completed', timestamp: 2, id: 3, name: 'n', context: {}, durationMs: 4 };
    for (const odd of [null, 7, 'text', { ...event, type: 'toString' }, { ...event, seq: '1' }, { ...event, durationMs: '4' }, { ...event, context: null }, { ...event, name: 'n'.repeat(5_000) }, extra, reordered]) {
      expect(taskEventJson(odd as unknown as TaskEvent, Redactor.DEFAULT)).to.equal(Redactor.DEFAULT.stringify(odd));
    }
  });

  it('stays within the walk’s limits: a huge context and a huge error share one budget, and a context pointing back to the event is circular', () => {
    const big = 'x'.repeat(700 * 1024);
    const event = {
      type: 'failed',
      seq: 1,
      timestamp: 2,
      id: 3,
      name: 'huge',
      context: { a: big, nodes: Array.from({ length: 900 }, (_, index) => ({ index, more: [index, index] })) },
      error: Object.assign(new Error(big), { cause: { b: big } }),
      durationMs: 4,
    } as unknown as TaskEvent;
    const fast = taskEventJson(event, Redactor.DEFAULT);
    const walked = Redactor.DEFAULT.stringify(event);
    expect(() => JSON.parse(fast)).to.not.throw();
    expect(fast.length).to.be.at.most(walked.length + 2_048); // within a kilobyte or two of the walk's own output
    expect(fast.length).to.be.below(1.2 * 1024 * 1024);

    const circular = { type: 'started', seq: 1, timestamp: 2, id: 3, name: 'loop', context: {} as Record<string, unknown> };
    circular.context.self = circular;
    circular.context.again = { event: circular };
    expect(taskEventJson(circular as unknown as TaskEvent, Redactor.DEFAULT)).to.equal(Redactor.DEFAULT.stringify(circular));
  });

  it('never throws on a hostile event: throwing getters and proxies give the walk’s output', () => {
    const throwing = new Proxy({}, { get: () => { throw new Error('boom'); } }) as TaskEvent;
    expect(taskEventJson(throwing, Redactor.DEFAULT)).to.equal(Redactor.DEFAULT.stringify(throwing));
    const getter = { type: 'started', seq: 1, timestamp: 1, id: 1, name: 'n', get context() { throw new Error('no'); } } as unknown as TaskEvent;
    expect(() => taskEventJson(getter, Redactor.DEFAULT)).to.not.throw();
  });

  it('matches the walk on the events a real manager emits, with every outcome', async () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
    const events: TaskEvent[] = [];
    manager.events$.subscribe((event) => events.push(event));
    const context = { userId: 7, apiKey: 'secret', runId: 'run-1' };
    manager.createTask(async () => 'ok', { name: 'ok', context });
    manager.createTask(async () => { throw new Error('password=hunter2'); }, { name: 'fails' });
    manager.createTask((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { name: 'times out', timeoutMs: 5 });
    const hanging = manager.createTask((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { name: 'cancelled' });
    hanging.cancel('token=abc');
    await manager.waitForAll({ timeoutMs: 1_000, returnExceptions: true });
    await manager.shutdown();
    expect(new Set(events.map((event) => event.type))).to.include.members(['created', 'started', 'completed', 'failed', 'cancelled', 'timed_out']);
    for (const event of events) expect(taskEventJson(event, manager.redactor)).to.equal(manager.redactor.stringify(event));
  });
});
