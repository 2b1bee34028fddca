import { expect } from 'chai';
import sinon from 'sinon';
import { defer, Observable, of, EMPTY, throwError, Subject } from 'rxjs';
import {
  DEFAULT_REDACT_KEYS,
  DEFAULT_REDACT_VALUE_RULES,
  BackgroundTaskManager,
  DEFAULT_MANAGER_OPTIONS,
  DEFAULT_TASK_NAME,
  InvalidArgumentError,
  type TaskEvent,
  type TaskCounts,
  type TaskHandle,
} from '../../lib';
import { capturingLogger, deferred, nextTurn, thrownBy, untilAborted, useFakeClock } from '../support/helpers';

function newManager(options: ConstructorParameters<typeof BackgroundTaskManager>[0] = {}): BackgroundTaskManager {
  return new BackgroundTaskManager({ logger: capturingLogger().logger, ...options });
}

/** Asserts `error` is the library's InvalidArgumentError for `argument`, naming `valueText` in its message. */
function expectInvalidArgument(error: unknown, argument: string, value: unknown, valueText: string): void {
  expect(error).to.be.instanceOf(InvalidArgumentError);
  expect(error).to.be.instanceOf(TypeError);
  const invalid = error as InvalidArgumentError;
  expect(invalid.name).to.equal('InvalidArgumentError');
  expect(invalid.code).to.equal('INVALID_ARGUMENT');
  expect(invalid.argument).to.equal(argument);
  if (Number.isNaN(value)) expect(Number.isNaN(invalid.value)).to.equal(true);
  else expect(invalid.value).to.equal(value);
  expect(invalid.message).to.contain(`\`${argument}\``);
  expect(invalid.message).to.match(new RegExp(`got ${escapeRegExp(valueText)}$`));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('BackgroundTaskManager', () => {
  describe('constructor', () => {
    it('uses the documented defaults when given no options', async () => {
      expect(DEFAULT_MANAGER_OPTIONS).to.deep.equal({
        defaultShutdownTimeoutMs: 30_000,
        maxPendingTasks: 1000,
        overflow: 'drop-newest',
        redact: { keys: DEFAULT_REDACT_KEYS, values: DEFAULT_REDACT_VALUE_RULES },
      });
      const manager = new BackgroundTaskManager();
      expect(manager.state).to.equal('running');
      expect(manager.getTaskCount()).to.equal(0);
      expect(manager.pendingCount).to.equal(0);
      expect(manager.droppedCount).to.equal(0);
      expect(manager.detachedCount).to.equal(0);
      expect(manager.getTaskInfo()).to.deep.equal([]);
      await manager.shutdown();
    });

    const badOptions: [string, unknown, string][] = [
      ['defaultShutdownTimeoutMs', -1, '-1'],
      ['defaultShutdownTimeoutMs', Number.NaN, 'NaN'],
      ['defaultShutdownTimeoutMs', Number.POSITIVE_INFINITY, 'Infinity'],
      ['defaultShutdownTimeoutMs', '1000', '"1000"'],
      ['maxPendingTasks', -1, '-1'],
      ['maxPendingTasks', 1.5, '1.5'],
      ['maxPendingTasks', Number.NaN, 'NaN'],
      ['maxPendingTasks', Number.POSITIVE_INFINITY, 'Infinity'],
      ['maxPendingTasks', '10', '"10"'],
      ['overflow', 'drop-everything', '"drop-everything"'],
      ['overflow', 1, '1'],
      ['logger', {}, '{}'],
      ['logger', null, 'null'],
    ];
    for (const [argument, value, valueText] of badOptions) {
      it(`throws InvalidArgumentError for ${argument} = ${valueText}`, () => {
        const error = thrownBy(() => new BackgroundTaskManager({ [argument]: value }));
        expectInvalidArgument(error, argument, value, valueText);
      });
    }

    it('names an unknown option with the closest known one, or with where it belongs', () => {
      const manager = new BackgroundTaskManager();
      const cases: readonly (readonly [() => unknown, string])[] = [
        [
          () => manager.createTask(() => 1, { timeout: 5 } as never),
          'Unknown option `timeout` (did you mean `timeoutMs`?); the options are `name`, `timeoutMs`, `context`, `signal`',
        ],
        [
          () => new BackgroundTaskManager({ timeout: 5 } as never),
          "Unknown option `timeout` (a task's timeout goes to createTask(work, { timeoutMs })); the options are `defaultShutdownTimeoutMs`, `maxPendingTasks`, `overflow`, `logger`, `redact`, `scheduler`",
        ],
        [
          () => new BackgroundTaskManager({ maxPendingTask: 5 } as never),
          'Unknown option `maxPendingTask` (did you mean `maxPendingTasks`?); the options are `defaultShutdownTimeoutMs`, `maxPendingTasks`, `overflow`, `logger`, `redact`, `scheduler`',
        ],
        [
          () => new BackgroundTaskManager(JSON.parse('{"constructor": 1}') as never),
          'Unknown option `constructor`; the options are `defaultShutdownTimeoutMs`, `maxPendingTasks`, `overflow`, `logger`, `redact`, `scheduler`',
        ],
      ];
      for (const [call, message] of cases) {
        let thrown: unknown;
        try {
          call();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).to.be.instanceOf(InvalidArgumentError);
        expect((thrown as Error).message).to.equal(message);
      }
    });

    it('throws InvalidArgumentError when the options are not an object', () => {
      for (const [value, text] of [
        [null, 'null'],
        ['fast', '"fast"'],
        [[], '[]'],
      ] as const) {
        const error = thrownBy(() => new BackgroundTaskManager(value as never));
        expectInvalidArgument(error, 'options', value, text);
      }
    });

    it('accepts a defaultShutdownTimeoutMs of 0 and a maxPendingTasks of 0 (no cap)', async () => {
      const manager = newManager({ defaultShutdownTimeoutMs: 0, maxPendingTasks: 0 });
      for (let i = 0; i < 1500; i++) manager.createTask(async () => undefined);
      expect(manager.getTaskCount()).to.equal(1500);
      expect(manager.droppedCount).to.equal(0);
      await manager.waitForAll();
      await manager.shutdown();
    });
  });

  describe('createTask()', () => {
    let manager: BackgroundTaskManager;

    beforeEach(() => {
      manager = newManager();
    });

    it('reads only the options the caller gave: inherited ones (a polluted Object.prototype) are neither values nor unknown keys', async () => {
      const inherited = Object.create({ name: 'inherited', timeoutMs: 1, context: { secret: 1 } }) as { name?: string };
      const handle = manager.createTask(async () => 'ok', inherited);
      expect(handle.name).to.not.equal('inherited');
      expect(handle.context).to.deep.equal({});
      expect(await handle.done).to.include({ status: 'completed', value: 'ok' });
      const polluted = Object.prototype as Record<string, unknown>;
      polluted.agentflowPolluted = true;
      polluted.timeoutMs = 1;
      try {
        const next = manager.createTask(async () => new Promise((resolve) => setTimeout(() => resolve('late'), 20)), { name: 'own' });
        expect(next.name).to.equal('own');
        expect(next.timeoutMs).to.equal(undefined);
        expect(await next.done).to.include({ status: 'completed', value: 'late' });
      } finally {
        delete polluted.agentflowPolluted;
        delete polluted.timeoutMs;
      }
    });

    afterEach(async () => {
      await manager.shutdown({ timeoutMs: 100 });
    });

    describe('argument validation', () => {
      const work = async (): Promise<number> => 1;

      const badTimeouts: [unknown, string][] = [
        [0, '0'],
        [-0, '-0'],
        [-1, '-1'],
        [-Infinity, '-Infinity'],
        [Number.NaN, 'NaN'],
        [Number.POSITIVE_INFINITY, 'Infinity'],
        [2 ** 31, String(2 ** 31)],
        ['100', '"100"'],
        [null, 'null'],
      ];
      for (const [value, text] of badTimeouts) {
        it(`throws InvalidArgumentError for timeoutMs = ${text}`, () => {
          const error = thrownBy(() => manager.createTask(work, { timeoutMs: value as number }));
          expectInvalidArgument(error, 'timeoutMs', value, text);
        });
      }

      const badWork: [unknown, string][] = [
        [42, '42'],
        ['send_email', '"send_email"'],
        [null, 'null'],
        [undefined, 'undefined'],
        [{ then: 'not a function' }, '{"then":"not a function"}'],
        [[1, 2], '[1,2]'],
      ];
      for (const [value, text] of badWork) {
        it(`throws InvalidArgumentError for work = ${text}`, () => {
          const error = thrownBy(() => manager.createTask(value as never));
          expectInvalidArgument(error, 'work', value, text);
        });
      }

      const badContexts: [unknown, string][] = [
        ['user-7', '"user-7"'],
        [7, '7'],
        [true, 'true'],
        [null, 'null'],
        [['a'], '["a"]'],
      ];
      for (const [value, text] of badContexts) {
        it(`throws InvalidArgumentError for context = ${text}`, () => {
          const error = thrownBy(() => manager.createTask(work, { context: value as never }));
          expectInvalidArgument(error, 'context', value, text);
        });
      }

      it('throws InvalidArgumentError for a name that is not a string', () => {
        const error = thrownBy(() => manager.createTask(work, { name: 42 as never }));
        expectInvalidArgument(error, 'name', 42, '42');
      });

      it('throws InvalidArgumentError for a signal that is not an AbortSignal', () => {
        const fake = { aborted: false };
        const error = thrownBy(() => manager.createTask(work, { signal: fake as never }));
        expectInvalidArgument(error, 'signal', fake, '{"aborted":false}');
      });

      it('throws InvalidArgumentError for options that are not an object', () => {
        const error = thrownBy(() => manager.createTask(work, 'fast' as never));
        expectInvalidArgument(error, 'options', 'fast', '"fast"');
      });

      it('tracks nothing, counts nothing and emits nothing when it throws', async () => {
        const events: TaskEvent[] = [];
        const counts: TaskCounts[] = [];
        manager.events$.subscribe((event) => events.push(event));
        manager.counts$.subscribe((value) => counts.push(value));
        const spy = sinon.spy(async () => 1);
        expect(() => manager.createTask(spy, { timeoutMs: 0 })).to.throw(InvalidArgumentError);
        expect(() => manager.createTask(spy, { context: 'x' as never })).to.throw(InvalidArgumentError);
        expect(() => manager.createTask(17 as never)).to.throw(InvalidArgumentError);
        await nextTurn();
        expect(spy.called).to.equal(false);
        expect(manager.getTaskCount()).to.equal(0);
        expect(manager.droppedCount).to.equal(0);
        expect(manager.getTaskInfo()).to.deep.equal([]);
        expect(events).to.deep.equal([]);
        expect(counts).to.have.length(1);
        expect(counts[0]).to.include({ created: 0, active: 0, dropped: 0 });
      });

      it('accepts the longest timeout a timer can wait, 2147483647 ms', () => {
        const handle = manager.createTask((signal) => untilAborted(signal), { timeoutMs: 2_147_483_647 });
        expect(handle.timeoutMs).to.equal(2_147_483_647);
        handle.cancel();
      });

      it('accepts every valid option together', async () => {
        const controller = new AbortController();
        const handle = manager.createTask(work, {
          name: 'send_email',
          timeoutMs: 1,
          context: { userId: 7 },
          signal: controller.signal,
        });
        expect(handle.name).to.equal('send_email');
        expect(handle.timeoutMs).to.equal(1);
        expect(handle.context).to.deep.equal({ userId: 7 });
        expect(await handle.result()).to.equal(1);
      });
    });

    describe('handle fields', () => {
      it('gives defaults: name background_task, empty context, no timeout', () => {
        const handle = manager.createTask(async () => 1);
        expect(DEFAULT_TASK_NAME).to.equal('background_task');
        expect(handle.name).to.equal('background_task');
        expect(handle.context).to.deep.equal({});
        expect(handle.timeoutMs).to.equal(undefined);
      });

      it('gives each task a distinct, increasing id and its creation time', () => {
        const clock = useFakeClock();
        try {
          clock.tick(12_345);
          const first = manager.createTask(async () => 1);
          const second = manager.createTask(async () => 2);
          expect(second.id).to.be.greaterThan(first.id);
          expect(first.createdAt).to.equal(12_345);
        } finally {
          clock.restore();
        }
      });

      it('reports each task’s age in getTaskInfo()', async () => {
        const clock = useFakeClock();
        try {
          manager.createTask((signal) => untilAborted(signal));
          await clock.tickAsync(1_500);
          expect(manager.getTaskInfo()[0]?.ageMs).to.equal(1_500);
          expect(manager.getTaskInfo()[0]?.createdAt).to.equal(0);
        } finally {
          clock.restore();
        }
      });

      it('keeps the name, timeout and context in getTaskInfo()', () => {
        const handle = manager.createTask(() => untilAborted(new AbortController().signal), {
          name: 'process_order',
          timeoutMs: 5_000,
          context: { orderId: 3 },
        });
        const [info] = manager.getTaskInfo();
        expect(info).to.include({ id: handle.id, name: 'process_order', status: 'pending', timeoutMs: 5_000, done: false, cancelled: false });
        expect(info?.context).to.deep.equal({ orderId: 3 });
        expect(info?.ageMs).to.be.a('number').and.at.least(0);
      });
    });

    describe('when work starts', () => {
      it('does not call the work inside createTask: the task is pending until the next microtask', async () => {
        const work = sinon.spy((signal: AbortSignal) => untilAborted(signal));
        const handle = manager.createTask(work);
        expect(work.called).to.equal(false);
        expect(handle.status).to.equal('pending');
        expect(manager.getTaskInfo()[0]?.status).to.equal('pending');
        await Promise.resolve();
        expect(work.calledOnce).to.equal(true);
        expect(handle.status).to.equal('running');
        expect(manager.getTaskInfo()[0]?.status).to.equal('running');
      });

      it('starts the tasks of one tick in creation order', async () => {
        const order: string[] = [];
        manager.createTask(() => order.push('a'));
        manager.createTask(() => order.push('b'));
        manager.createTask(() => order.push('c'));
        expect(order).to.deep.equal([]);
        await Promise.resolve();
        expect(order).to.deep.equal(['a', 'b', 'c']);
      });

      it('does not subscribe to Observable work before it starts', async () => {
        let subscriptions = 0;
        const work$ = defer(() => {
          subscriptions++;
          return of('x');
        });
        const handle = manager.createTask(work$);
        expect(subscriptions).to.equal(0);
        expect(await handle.result()).to.equal('x');
        expect(subscriptions).to.equal(1);
      });
    });

    describe('function work', () => {
      it('passes the task’s AbortSignal to the function', async () => {
        let received: AbortSignal | undefined;
        const handle = manager.createTask((signal) => {
          received = signal;
          return untilAborted(signal);
        });
        await Promise.resolve();
        expect(received).to.be.instanceOf(AbortSignal);
        expect(received).to.equal(handle.signal);
        expect(received?.aborted).to.equal(false);
        handle.cancel();
        expect(received?.aborted).to.equal(true);
      });

      it('completes with the value of the returned promise', async () => {
        const handle = manager.createTask(async () => ({ sent: true }));
        expect(await handle.result()).to.deep.equal({ sent: true });
        expect(handle.status).to.equal('completed');
      });

      it('completes with a value returned synchronously', async () => {
        const handle = manager.createTask(() => 42);
        expect(await handle.result()).to.equal(42);
        expect(handle.status).to.equal('completed');
      });

      it('completes with the last value of a returned Observable', async () => {
        const handle = manager.createTask(() => of(1, 2, 3));
        expect(await handle.result()).to.equal(3);
      });

      it('turns a synchronous throw into a failed task, never thrown at the caller', async () => {
        const boom = new Error('boom');
        let handle!: TaskHandle<never>;
        expect(() => {
          handle = manager.createTask<never>(() => {
            throw boom;
          });
        }).not.to.throw();
        const outcome = await handle.done;
        expect(outcome).to.deep.include({ status: 'failed', error: boom });
        expect(handle.status).to.equal('failed');
        expect(manager.getTaskCount()).to.equal(0);
      });

      it('turns a rejected promise into a failed task', async () => {
        const boom = new Error('async boom');
        const handle = manager.createTask(async () => {
          throw boom;
        });
        const outcome = await handle.done;
        expect(outcome.status).to.equal('failed');
        expect(outcome.status === 'failed' && outcome.error).to.equal(boom);
      });

      it('turns an erroring returned Observable into a failed task', async () => {
        const boom = new Error('stream boom');
        const handle = manager.createTask(() => throwError(() => boom));
        const outcome = await handle.done;
        expect(outcome).to.deep.include({ status: 'failed', error: boom });
      });

      it('accepts a thenable that is not a native promise', async () => {
        const thenable = { then: (resolve: (value: string) => void) => resolve('thenable') } as unknown as PromiseLike<string>;
        const handle = manager.createTask(() => thenable);
        expect(await handle.result()).to.equal('thenable');
      });
    });

    describe('Observable work', () => {
      it('completes with the Observable’s last value', async () => {
        const handle = manager.createTask(of('a', 'b', 'c'));
        expect(await handle.result()).to.equal('c');
      });

      it('completes with undefined when the Observable completes without a value', async () => {
        const handle = manager.createTask(EMPTY);
        const outcome = await handle.done;
        expect(outcome).to.deep.include({ status: 'completed', value: undefined });
      });

      it('fails with the Observable’s error', async () => {
        const boom = new Error('observable boom');
        const handle = manager.createTask(throwError(() => boom));
        expect(await handle.done).to.deep.include({ status: 'failed', error: boom });
      });

      it('really stops the work when cancelled: it unsubscribes and sees no later value', async () => {
        const source = new Subject<number>();
        let tornDown = false;
        let emittedAfterCancel = 0;
        const work$ = new Observable<number>((subscriber) => {
          const sub = source.subscribe(subscriber);
          return () => {
            tornDown = true;
            sub.unsubscribe();
          };
        });
        const handle = manager.createTask(work$);
        await Promise.resolve();
        expect(source.observed).to.equal(true);
        source.next(1);
        handle.cancel();
        expect(tornDown).to.equal(true);
        expect(source.observed).to.equal(false);
        source.subscribe(() => emittedAfterCancel++);
        source.next(2);
        expect(emittedAfterCancel).to.equal(1);
        expect(handle.status).to.equal('cancelled');
        expect(manager.detachedCount).to.equal(0);
        expect(manager.getTaskInfo()).to.deep.equal([]);
      });

      it('stops an interval-driven Observable on timeout (no more ticks run)', async () => {
        const clock = useFakeClock();
        try {
          let ticks = 0;
          const work$ = new Observable<number>((subscriber) => {
            const timer = setInterval(() => subscriber.next(++ticks), 100);
            return () => clearInterval(timer);
          });
          const handle = manager.createTask(work$, { timeoutMs: 350 });
          await Promise.resolve();
          await clock.tickAsync(350);
          expect(handle.status).to.equal('timed_out');
          expect(ticks).to.equal(3);
          await clock.tickAsync(1_000);
          expect(ticks).to.equal(3);
          expect(clock.countTimers()).to.equal(0);
        } finally {
          clock.restore();
        }
      });
    });

    describe('promise work (already started)', () => {
      it('tracks the promise and completes with its value', async () => {
        const work = deferred<string>();
        const handle = manager.createTask(work.promise, { name: 'tracked' });
        await Promise.resolve();
        expect(manager.getTaskCount()).to.equal(1);
        expect(handle.status).to.equal('running');
        work.resolve('done');
        expect(await handle.result()).to.equal('done');
        expect(manager.getTaskCount()).to.equal(0);
      });

      it('fails with the promise’s rejection, without an unhandled rejection', async () => {
        const boom = new Error('promise boom');
        const handle = manager.createTask(Promise.reject(boom));
        expect(await handle.done).to.deep.include({ status: 'failed', error: boom });
        await nextTurn();
      });

      it('settles a cancelled promise task at once and watches the promise as detached work', async () => {
        const work = deferred<string>();
        const handle = manager.createTask(work.promise, { name: 'unstoppable' });
        await Promise.resolve();
        expect(handle.cancel()).to.equal(true);
        expect(handle.status).to.equal('cancelled');
        expect(manager.getTaskCount()).to.equal(0);
        expect(manager.detachedCount).to.equal(1);
        expect(manager.getTaskInfo()).to.have.length(1);
        expect(manager.getTaskInfo()[0]).to.include({ name: 'unstoppable', status: 'cancelled', done: false });
        work.resolve('late');
        await nextTurn();
        expect(manager.detachedCount).to.equal(0);
        expect(manager.getTaskInfo()).to.deep.equal([]);
        expect(handle.status).to.equal('cancelled');
      });
    });
  });
});
