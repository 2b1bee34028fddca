import { expect } from 'chai';
import sinon from 'sinon';
import { BackgroundTaskManager, InvalidArgumentError } from '../../lib';
import {
  capturingLogger,
  deferred,
  isSettled,
  nextTurn,
  rejectionOf,
  thrownBy,
  untilAborted,
  useFakeClock,
  type CapturingLogger,
} from '../support/helpers';

/** Work that settles after `ms` fake milliseconds with `value`, or rejects with `error`. */
function after<T>(ms: number, value: T, error?: unknown): () => Promise<T> {
  return () =>
    new Promise<T>((resolve, reject) => {
      setTimeout(() => (error === undefined ? resolve(value) : reject(error)), ms);
    });
}

describe('BackgroundTaskManager', () => {
  describe('waitForAll()', () => {
    let log: CapturingLogger;
    let manager: BackgroundTaskManager;
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = useFakeClock();
      log = capturingLogger();
      manager = new BackgroundTaskManager({ logger: log.logger });
    });

    afterEach(async () => {
      clock.restore();
      await manager.shutdown({ timeoutMs: 50 });
    });

    it('resolves idle at once when nothing is in flight', async () => {
      const result = await manager.waitForAll();
      expect(result).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
    });

    it('does not wait for detached work, only for tasks in flight', async () => {
      const stuck = deferred<void>();
      const handle = manager.createTask(() => stuck.promise);
      await Promise.resolve();
      handle.cancel();
      expect(manager.detachedCount).to.equal(1);
      expect(await manager.waitForAll()).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
      stuck.resolve();
    });

    it('resolves idle once every task has settled, whatever the outcome, and leaves no bookkeeping', async () => {
      const completed = manager.createTask(after(100, 'ok'));
      const cancelled = manager.createTask((signal) => untilAborted(signal));
      const timedOut = manager.createTask((signal) => untilAborted(signal), { timeoutMs: 300 });
      const waiting = manager.waitForAll();
      await clock.tickAsync(100);
      expect(completed.status).to.equal('completed');
      expect(await isSettled(waiting)).to.equal(false);
      cancelled.cancel();
      expect(await isSettled(waiting)).to.equal(false);
      await clock.tickAsync(200);
      expect(timedOut.status).to.equal('timed_out');
      expect(await waiting).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
      expect(manager.getTaskCount()).to.equal(0);
      expect(clock.countTimers()).to.equal(0);
    });

    it('waits for tasks created while it waits', async () => {
      manager.createTask(after(100, 'first'));
      const waiting = manager.waitForAll();
      await clock.tickAsync(50);
      const second = manager.createTask(after(200, 'second'));
      await clock.tickAsync(50);
      expect(await isSettled(waiting)).to.equal(false);
      await clock.tickAsync(200);
      expect(second.status).to.equal('completed');
      expect((await waiting).status).to.equal('idle');
    });

    it('waits for a task created by a subscriber when another task settles', async () => {
      const first = manager.createTask(after(100, 'first'), { name: 'first' });
      let followUp: ReturnType<typeof manager.createTask<string>> | undefined;
      manager.events$.subscribe((event) => {
        if (event.type === 'completed' && event.name === 'first') followUp = manager.createTask(after(100, 'follow-up'));
      });
      const waiting = manager.waitForAll();
      await clock.tickAsync(100);
      expect(first.status).to.equal('completed');
      expect(followUp?.status).to.equal('running');
      expect(await isSettled(waiting)).to.equal(false);
      await clock.tickAsync(100);
      expect((await waiting).status).to.equal('idle');
    });

    describe('when a task fails during the wait', () => {
      it('rejects with the original error object of the first failure, and the other tasks go on', async () => {
        const firstError = new Error('first failure');
        const secondError = new Error('second failure');
        const slow = manager.createTask((signal) => untilAborted(signal), { name: 'slow' });
        manager.createTask(after(100, undefined, firstError));
        manager.createTask(after(200, undefined, secondError));
        const failure = rejectionOf(manager.waitForAll());
        await clock.tickAsync(100);
        expect(await failure).to.equal(firstError);
        expect(slow.status).to.equal('running');
        expect(slow.signal.aborted).to.equal(false);
        expect(manager.getTaskCount()).to.equal(2);
      });

      it('rejects even with a non-Error rejection value, passing it through as is', async () => {
        const reason = { code: 42 };
        manager.createTask(after(10, undefined, reason));
        const failure = rejectionOf(manager.waitForAll());
        await clock.tickAsync(10);
        expect(await failure).to.equal(reason);
      });

      it('does not reject for failures that happened before the wait began', async () => {
        await manager.createTask(async () => Promise.reject(new Error('earlier'))).done;
        manager.createTask(after(10, 'ok'));
        const waiting = manager.waitForAll();
        await clock.tickAsync(10);
        expect(await waiting).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
      });

      it('clears its timer and stops watching after it rejects: no later timeout warning', async () => {
        manager.createTask(after(100, undefined, new Error('boom')));
        manager.createTask(after(5_000, 'slow'));
        const failure = rejectionOf(manager.waitForAll({ timeoutMs: 1_000 }));
        await clock.tickAsync(100);
        expect(await failure).to.be.instanceOf(Error);
        expect(clock.countTimers()).to.equal(1); // only the slow task's own timer
        await clock.tickAsync(5_000);
        expect(log.messages('warn').filter((message) => message.includes('waitForAll'))).to.deep.equal([]);
        expect(clock.countTimers()).to.equal(0);
      });

      it('with returnExceptions: true, resolves when idle with every failure in errors, in order', async () => {
        const first = new Error('first');
        const second = new Error('second');
        manager.createTask(after(200, undefined, second));
        manager.createTask(after(100, undefined, first));
        manager.createTask(after(300, 'ok'));
        const cancelled = manager.createTask((signal) => untilAborted(signal));
        manager.createTask((signal) => untilAborted(signal), { timeoutMs: 250 });
        const waiting = manager.waitForAll({ returnExceptions: true });
        await clock.tickAsync(200);
        expect(await isSettled(waiting)).to.equal(false);
        cancelled.cancel();
        await clock.tickAsync(100);
        const result = await waiting;
        expect(result.status).to.equal('idle');
        expect(result.remaining).to.deep.equal([]);
        expect(result.errors).to.have.length(2);
        expect(result.errors[0]).to.equal(first);
        expect(result.errors[1]).to.equal(second);
      });
    });

    describe('with timeoutMs', () => {
      it('resolves with status timeout and the tasks still in flight, and cancels nothing', async () => {
        const fast = manager.createTask(after(100, 'fast'), { name: 'fast' });
        const slow = manager.createTask((signal) => untilAborted(signal), { name: 'slow', context: { id: 1 } });
        const waiting = manager.waitForAll({ timeoutMs: 500 });
        await clock.tickAsync(499);
        expect(await isSettled(waiting)).to.equal(false);
        await clock.tickAsync(1);
        const result = await waiting;
        expect(result.status).to.equal('timeout');
        expect(result.errors).to.deep.equal([]);
        expect(result.remaining).to.have.length(1);
        expect(result.remaining[0]).to.include({ id: slow.id, name: 'slow', status: 'running', done: false, cancelled: false });
        expect(result.remaining[0]?.context).to.deep.equal({ id: 1 });
        expect(fast.status).to.equal('completed');
        expect(slow.status).to.equal('running');
        expect(slow.signal.aborted).to.equal(false);
        expect(manager.getTaskCount()).to.equal(1);
        expect(clock.countTimers()).to.equal(0);
      });

      it('logs a warning on timeout', async () => {
        manager.createTask((signal) => untilAborted(signal));
        const waiting = manager.waitForAll({ timeoutMs: 100 });
        await clock.tickAsync(100);
        await waiting;
        const warnings = log.messages('warn').filter((message) => message.includes('waitForAll'));
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.contain('100 ms');
      });

      it('with returnExceptions, reports the failures seen before the timeout', async () => {
        const boom = new Error('boom');
        manager.createTask(after(10, undefined, boom));
        manager.createTask((signal) => untilAborted(signal));
        const waiting = manager.waitForAll({ timeoutMs: 100, returnExceptions: true });
        await clock.tickAsync(100);
        const result = await waiting;
        expect(result.status).to.equal('timeout');
        expect(result.errors).to.deep.equal([boom]);
        expect(result.remaining).to.have.length(1);
      });

      it('clears its timer when the tasks settle first', async () => {
        manager.createTask(after(10, 'ok'));
        const waiting = manager.waitForAll({ timeoutMs: 60_000 });
        await clock.tickAsync(10);
        expect((await waiting).status).to.equal('idle');
        expect(clock.countTimers()).to.equal(0);
        await clock.tickAsync(60_000);
        expect(log.messages('warn')).to.deep.equal([]);
      });
    });

    it('supports several concurrent waits', async () => {
      manager.createTask(after(100, 'ok'));
      const boom = new Error('boom');
      manager.createTask(after(50, undefined, boom));
      const strict = rejectionOf(manager.waitForAll());
      const lenient = manager.waitForAll({ returnExceptions: true });
      const bounded = rejectionOf(manager.waitForAll({ timeoutMs: 75 }));
      await clock.tickAsync(100);
      expect(await strict).to.equal(boom);
      expect(await lenient).to.deep.equal({ status: 'idle', errors: [boom], remaining: [] });
      expect(await bounded).to.equal(boom);
      expect(clock.countTimers()).to.equal(0);
    });

    it('resolves idle when shutdown cancels the tasks it waits for', async () => {
      manager.createTask((signal) => untilAborted(signal));
      const waiting = manager.waitForAll({ returnExceptions: true });
      await manager.shutdown();
      expect(await waiting).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
    });

    it("does not resolve idle while a task is in flight when 'drop-oldest' sheds the last task to make room", async () => {
      const capped = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 1, overflow: 'drop-oldest' });
      capped.createTask((signal) => untilAborted(signal), { name: 'oldest' });
      const waiting = capped.waitForAll();
      const newest = capped.createTask(after(100, 'newest'), { name: 'newest' });
      await nextTurn();
      expect(newest.status).to.equal('running');
      const settledEarly = await isSettled(waiting);
      const countWhenIdle = settledEarly ? capped.getTaskCount() : 0;
      expect(settledEarly, `waitForAll resolved with ${countWhenIdle} task(s) still in flight`).to.equal(false);
      await clock.tickAsync(100);
      expect((await waiting).status).to.equal('idle');
      await capped.shutdown();
    });

    describe('argument validation', () => {
      for (const [label, options, argument] of [
        ['timeoutMs: 0', { timeoutMs: 0 }, 'timeoutMs'],
        ['timeoutMs: -5', { timeoutMs: -5 }, 'timeoutMs'],
        ['timeoutMs: NaN', { timeoutMs: Number.NaN }, 'timeoutMs'],
        ['timeoutMs: Infinity', { timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs'],
        ["returnExceptions: 'yes'", { returnExceptions: 'yes' }, 'returnExceptions'],
        ["options 'soon'", 'soon', 'options'],
      ] as const) {
        it(`throws InvalidArgumentError synchronously for ${label}`, () => {
          const error = thrownBy(() => manager.waitForAll(options as never)) as InvalidArgumentError;
          expect(error).to.be.instanceOf(InvalidArgumentError);
          expect(error.code).to.equal('INVALID_ARGUMENT');
          expect(error.argument).to.equal(argument);
        });
      }
    });
  });
});
