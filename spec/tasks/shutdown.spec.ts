import { expect } from 'chai';
import sinon from 'sinon';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  TaskCancelledError,
  TaskDroppedError,
  type ManagerState,
  type ShutdownStats,
  type TaskEvent,
} from '../../lib';
import {
  capturingLogger,
  isSettled,
  never,
  nextTurn,
  rejectionOf,
  thrownBy,
  untilAborted,
  useFakeClock,
  type CapturingLogger,
} from '../support/helpers';

/** Work that settles after `ms` fake milliseconds, ignoring its signal. */
function ignoresSignalFor(ms: number, error?: Error): () => Promise<string> {
  return () =>
    new Promise<string>((resolve, reject) => {
      setTimeout(() => (error === undefined ? resolve('late') : reject(error)), ms);
    });
}

function expectStatsAddUp(stats: ShutdownStats): void {
  expect(stats.succeeded + stats.failed + stats.cancelled + stats.timedOut, 'succeeded + failed + cancelled + timedOut').to.equal(
    stats.initialTasks,
  );
  expect(stats.completedTasks + stats.remainingTasks, 'completedTasks + remainingTasks').to.equal(stats.initialTasks);
  expect(stats.remaining).to.have.length(stats.remainingTasks);
}

describe('BackgroundTaskManager', () => {
  describe('shutdown()', () => {
    let log: CapturingLogger;
    let manager: BackgroundTaskManager;
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = useFakeClock();
      log = capturingLogger();
      manager = new BackgroundTaskManager({ logger: log.logger });
    });

    afterEach(() => {
      clock.restore();
    });

    it('completes at once with zero counts when nothing runs', async () => {
      const stats = await manager.shutdown();
      expect(stats).to.deep.equal({
        status: 'completed',
        initialTasks: 0,
        completedTasks: 0,
        remainingTasks: 0,
        durationMs: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
        timedOut: 0,
        remaining: [],
      });
      expect(manager.state).to.equal('shutdown');
      expect(clock.countTimers()).to.equal(0);
    });

    describe('with cooperative tasks', () => {
      it('aborts every task with a TaskCancelledError and completes once their work stopped', async () => {
        const signals: AbortSignal[] = [];
        const handles = [1, 2, 3].map((i) =>
          manager.createTask(
            (signal) => {
              signals.push(signal);
              return untilAborted(signal);
            },
            { name: `t${i}`, timeoutMs: 60_000 },
          ),
        );
        await Promise.resolve();
        const stats = await manager.shutdown();
        for (const handle of handles) expect(handle.status).to.equal('cancelled');
        for (const signal of signals) {
          expect(signal.aborted).to.equal(true);
          expect(signal.reason).to.be.instanceOf(TaskCancelledError);
          expect((signal.reason as TaskCancelledError).message).to.match(/shut ?down/i);
        }
        expect(stats).to.deep.include({
          status: 'completed',
          initialTasks: 3,
          completedTasks: 3,
          remainingTasks: 0,
          succeeded: 0,
          failed: 0,
          cancelled: 3,
          timedOut: 0,
          remaining: [],
        });
        expectStatsAddUp(stats);
        expect(manager.getTaskCount()).to.equal(0);
        expect(manager.detachedCount).to.equal(0);
        expect(clock.countTimers()).to.equal(0);
      });

      it('never runs the work of tasks still pending when it begins', async () => {
        const work = sinon.spy(async () => 1);
        const handle = manager.createTask(work);
        const stats = await manager.shutdown();
        await nextTurn();
        expect(work.called).to.equal(false);
        expect(handle.status).to.equal('cancelled');
        expect(stats).to.deep.include({ initialTasks: 1, cancelled: 1, completedTasks: 1 });
      });

      it('never rejects, even when the aborted work rejects', async () => {
        manager.createTask(async (signal) => {
          await untilAborted(signal).catch(() => undefined);
          throw new Error('cleanup failed');
        });
        await Promise.resolve();
        const stats = await manager.shutdown();
        expect(stats.status).to.equal('completed');
        expect(stats.cancelled).to.equal(1);
      });
    });

    describe('with uncooperative tasks (work that ignores its signal)', () => {
      it('waits up to timeoutMs, then gives up and reports the stragglers', async () => {
        const stubborn = manager.createTask(never, { name: 'stubborn', context: { job: 9 } });
        manager.createTask((signal) => untilAborted(signal), { name: 'polite' });
        await Promise.resolve();
        const stopping = manager.shutdown({ timeoutMs: 1_000 });
        expect(manager.state).to.equal('shutting_down');
        expect(stubborn.status).to.equal('cancelled');
        await clock.tickAsync(999);
        expect(await isSettled(stopping)).to.equal(false);
        await clock.tickAsync(1);
        const stats = await stopping;
        expect(stats).to.deep.include({
          status: 'timeout',
          initialTasks: 2,
          completedTasks: 1,
          remainingTasks: 1,
          durationMs: 1_000,
          cancelled: 2,
        });
        expectStatsAddUp(stats);
        expect(stats.remaining[0]).to.include({ id: stubborn.id, name: 'stubborn', status: 'cancelled', done: false, cancelled: true });
        expect(stats.remaining[0]?.context).to.deep.equal({ job: 9 });
        expect(manager.state).to.equal('shutdown');
        expect(clock.countTimers()).to.equal(0);
        expect(log.messages('warn').some((message) => message.includes('timeout'))).to.equal(true);
      });

      it('uses defaultShutdownTimeoutMs when given no timeoutMs', async () => {
        manager = new BackgroundTaskManager({ logger: log.logger, defaultShutdownTimeoutMs: 2_000 });
        manager.createTask(never);
        await Promise.resolve();
        const stopping = manager.shutdown();
        await clock.tickAsync(1_999);
        expect(await isSettled(stopping)).to.equal(false);
        await clock.tickAsync(1);
        expect((await stopping).status).to.equal('timeout');
      });

      it('defaults to 30 s', async () => {
        manager.createTask(never);
        await Promise.resolve();
        const stopping = manager.shutdown();
        await clock.tickAsync(29_999);
        expect(await isSettled(stopping)).to.equal(false);
        await clock.tickAsync(1);
        expect((await stopping).durationMs).to.equal(30_000);
      });

      it('completes as soon as the work stops within timeoutMs', async () => {
        manager.createTask(ignoresSignalFor(300));
        await Promise.resolve();
        const stopping = manager.shutdown({ timeoutMs: 1_000 });
        await clock.tickAsync(300);
        const stats = await stopping;
        expect(stats).to.deep.include({ status: 'completed', initialTasks: 1, completedTasks: 1, remainingTasks: 0, durationMs: 300 });
        expect(clock.countTimers()).to.equal(0);
      });

      it('swallows the later outcome of abandoned work and logs it at debug', async () => {
        manager.createTask(ignoresSignalFor(5_000, new Error('abandoned work failed')), { name: 'abandoned' });
        await Promise.resolve();
        const stopping = manager.shutdown({ timeoutMs: 100 });
        await clock.tickAsync(100);
        expect((await stopping).status).to.equal('timeout');
        await clock.tickAsync(4_900);
        await nextTurn();
        expect(manager.detachedCount).to.equal(0);
        const debug = log.messages('debug').filter((message) => message.includes('abandoned') && message.includes('abandoned work failed'));
        expect(debug).to.have.length(1);
        expect(log.messages('error').filter((message) => message.includes('abandoned work failed'))).to.deep.equal([]);
      });

      it('counts and waits for detached work that was running when it began', async () => {
        const earlier = manager.createTask(ignoresSignalFor(500), { name: 'earlier' });
        await Promise.resolve();
        earlier.cancel();
        expect(manager.detachedCount).to.equal(1);
        const stopping = manager.shutdown({ timeoutMs: 1_000 });
        await clock.tickAsync(499);
        expect(await isSettled(stopping)).to.equal(false);
        await clock.tickAsync(1);
        const stats = await stopping;
        expect(stats).to.deep.include({ status: 'completed', initialTasks: 1, completedTasks: 1, remainingTasks: 0, cancelled: 1 });
        expectStatsAddUp(stats);
      });
    });

    describe('with drainMs', () => {
      it('lets tasks finish on their own for up to drainMs, then aborts the rest', async () => {
        const quick = manager.createTask(ignoresSignalFor(100), { name: 'quick' });
        const slow = manager.createTask((signal) => untilAborted(signal), { name: 'slow' });
        await Promise.resolve();
        const stopping = manager.shutdown({ drainMs: 500, timeoutMs: 1_000 });
        await clock.tickAsync(100);
        expect(quick.status).to.equal('completed');
        expect(slow.status).to.equal('running');
        expect(slow.signal.aborted).to.equal(false);
        await clock.tickAsync(399);
        expect(slow.status).to.equal('running');
        await clock.tickAsync(1);
        expect(slow.status).to.equal('cancelled');
        const stats = await stopping;
        expect(stats).to.deep.include({
          status: 'completed',
          initialTasks: 2,
          completedTasks: 2,
          remainingTasks: 0,
          succeeded: 1,
          cancelled: 1,
          durationMs: 500,
        });
        expectStatsAddUp(stats);
        expect(clock.countTimers()).to.equal(0);
      });

      it('ends the drain early when every task finished', async () => {
        manager.createTask(ignoresSignalFor(100));
        await Promise.resolve();
        const stopping = manager.shutdown({ drainMs: 10_000 });
        await clock.tickAsync(100);
        const stats = await stopping;
        expect(stats).to.deep.include({ status: 'completed', succeeded: 1, cancelled: 0, durationMs: 100 });
        expect(clock.countTimers()).to.equal(0);
      });

      it('refuses new tasks during the drain', async () => {
        manager.createTask(ignoresSignalFor(100));
        const stopping = manager.shutdown({ drainMs: 1_000 });
        const work = sinon.spy(async () => 1);
        const refused = manager.createTask(work);
        expect(refused.status).to.equal('dropped');
        await clock.tickAsync(100);
        await stopping;
        expect(work.called).to.equal(false);
      });
    });

    it('reports a breakdown that adds up across every kind of outcome', async () => {
      // Detached before shutdown: cancelled earlier, stops during the wait.
      const detached = manager.createTask(ignoresSignalFor(1_500), { name: 'detached' });
      // Timed out before shutdown, its work still running (detached timed_out), stops during the wait.
      manager.createTask(ignoresSignalFor(1_500), { name: 'timed_out_earlier', timeoutMs: 50 });
      await Promise.resolve();
      detached.cancel();
      await clock.tickAsync(50);
      expect(manager.detachedCount).to.equal(2);

      manager.createTask(ignoresSignalFor(100), { name: 'succeeds_in_drain' });
      manager.createTask(ignoresSignalFor(200, new Error('fails in drain')), { name: 'fails_in_drain' });
      manager.createTask((signal) => untilAborted(signal), { name: 'times_out_in_drain', timeoutMs: 250 });
      manager.createTask((signal) => untilAborted(signal), { name: 'cancelled_by_shutdown' });
      manager.createTask(never, { name: 'never_stops' });
      manager.createTask(never(), { name: 'never_settles' });
      await Promise.resolve();
      const stopping = manager.shutdown({ drainMs: 500, timeoutMs: 2_000 });
      await clock.tickAsync(2_500);
      const stats = await stopping;
      expect(stats).to.deep.include({
        status: 'timeout',
        initialTasks: 8,
        completedTasks: 6,
        remainingTasks: 2,
        succeeded: 1,
        failed: 1,
        cancelled: 4,
        timedOut: 2,
        durationMs: 2_500,
      });
      expectStatsAddUp(stats);
      expect(stats.remaining.map((info) => info.name).sort()).to.deep.equal(['never_settles', 'never_stops']);
      expect(clock.countTimers()).to.equal(0);
    });

    describe('repeated calls', () => {
      it('shares one shutdown between concurrent calls', async () => {
        const cancelledEvents: TaskEvent[] = [];
        manager.events$.subscribe((event) => event.type === 'cancelled' && cancelledEvents.push(event));
        manager.createTask(ignoresSignalFor(200));
        manager.createTask((signal) => untilAborted(signal));
        await Promise.resolve();
        const first = manager.shutdown({ timeoutMs: 1_000 });
        const second = manager.shutdown({ timeoutMs: 5 });
        await clock.tickAsync(200);
        const [a, b] = await Promise.all([first, second]);
        expect(a.status).to.equal('completed');
        expect(b).to.deep.equal(a);
        expect(a.initialTasks).to.equal(2);
        expect(cancelledEvents).to.have.length(2);
      });

      it("answers a later call with 'already_shutdown' and zero counts", async () => {
        manager.createTask((signal) => untilAborted(signal));
        await manager.shutdown();
        const again = await manager.shutdown({ timeoutMs: 10 });
        expect(again).to.deep.equal({
          status: 'already_shutdown',
          initialTasks: 0,
          completedTasks: 0,
          remainingTasks: 0,
          durationMs: 0,
          succeeded: 0,
          failed: 0,
          cancelled: 0,
          timedOut: 0,
          remaining: [],
        });
      });
    });

    describe('after shutdown', () => {
      it("gives createTask a 'dropped' handle with a TaskDroppedError whose dropReason is 'shutdown'", async () => {
        await manager.shutdown();
        const events: TaskEvent[] = [];
        manager.events$.subscribe((event) => events.push(event));
        const work = sinon.spy(async () => 1);
        const handle = manager.createTask(work, { name: 'too_late', context: { k: 1 } });
        expect(handle.status).to.equal('dropped');
        expect(manager.droppedCount).to.equal(1);
        expect(manager.getTaskCount()).to.equal(0);
        const outcome = await handle.done;
        expect(outcome.status).to.equal('dropped');
        const reason = (outcome as { reason: TaskDroppedError }).reason;
        expect(reason).to.be.instanceOf(TaskDroppedError);
        expect(reason.dropReason).to.equal('shutdown');
        expect(reason.taskName).to.equal('too_late');
        expect(await rejectionOf(handle.result())).to.equal(reason);
        expect(events.map((event) => event.type)).to.deep.equal(['dropped']);
        expect((events[0] as { reason: unknown }).reason).to.equal(reason);
        await nextTurn();
        expect(work.called).to.equal(false);
        expect(log.messages('warn').some((message) => message.includes("'too_late'") && message.includes('shut down'))).to.equal(true);
      });

      it('leaves cancelAll, waitForAll and the counts quiet', async () => {
        await manager.shutdown();
        expect(await manager.cancelAll()).to.equal(0);
        expect(await manager.waitForAll()).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
        expect(manager.getTaskCount()).to.equal(0);
        expect(manager.getTaskInfo()).to.deep.equal([]);
      });
    });

    it("moves state from 'running' to 'shutting_down' to 'shutdown', and state$ says so", async () => {
      const states: ManagerState[] = [];
      manager.state$.subscribe((state) => states.push(state));
      manager.createTask(ignoresSignalFor(100));
      await Promise.resolve();
      expect(manager.state).to.equal('running');
      const stopping = manager.shutdown({ timeoutMs: 1_000 });
      expect(manager.state).to.equal('shutting_down');
      await clock.tickAsync(100);
      await stopping;
      expect(manager.state).to.equal('shutdown');
      expect(states).to.deep.equal(['running', 'shutting_down', 'shutdown']);
    });

    it('leaves no timer behind: task timeouts, a pending waitForAll timeout and its own timers are all cleared', async () => {
      manager.tasks$.subscribe(() => undefined);
      manager.createTask((signal) => untilAborted(signal), { timeoutMs: 60_000 });
      manager.createTask(never(), { timeoutMs: 60_000 });
      manager.createTask(of42, { timeoutMs: 60_000 });
      const waiting = manager.waitForAll({ timeoutMs: 60_000 });
      await Promise.resolve();
      expect(clock.countTimers()).to.be.greaterThan(0);
      const stopping = manager.shutdown({ drainMs: 10, timeoutMs: 100 });
      await clock.tickAsync(110);
      expect((await stopping).status).to.equal('timeout');
      expect((await waiting).status).to.equal('idle');
      expect(clock.countTimers()).to.equal(0);
    });

    describe('argument validation', () => {
      for (const [label, options, argument] of [
        ['timeoutMs: -1', { timeoutMs: -1 }, 'timeoutMs'],
        ['timeoutMs: NaN', { timeoutMs: Number.NaN }, 'timeoutMs'],
        ['timeoutMs: Infinity', { timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs'],
        ['drainMs: -1', { drainMs: -1 }, 'drainMs'],
        ['drainMs: NaN', { drainMs: Number.NaN }, 'drainMs'],
        ["drainMs: '5'", { drainMs: '5' }, 'drainMs'],
        ['options null', null, 'options'],
      ] as const) {
        it(`throws InvalidArgumentError for ${label} and does not shut down`, () => {
          const error = thrownBy(() => manager.shutdown(options as never)) as InvalidArgumentError;
          expect(error).to.be.instanceOf(InvalidArgumentError);
          expect(error.argument).to.equal(argument);
          expect(manager.state).to.equal('running');
        });
      }
    });
  });

  describe('[Symbol.asyncDispose]()', () => {
    it('shuts the manager down when an `await using` block exits', async () => {
      const log = capturingLogger();
      let escaped: BackgroundTaskManager | undefined;
      let handle: ReturnType<BackgroundTaskManager['createTask']> | undefined;
      {
        await using manager = new BackgroundTaskManager({ logger: log.logger });
        escaped = manager;
        handle = manager.createTask((signal) => untilAborted(signal), { name: 'inside' });
        await Promise.resolve();
        expect(manager.state).to.equal('running');
      }
      expect(escaped.state).to.equal('shutdown');
      expect(handle.status).to.equal('cancelled');
      expect(escaped.createTask(async () => 1).status).to.equal('dropped');
    });

    it('runs shutdown() with its defaults', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
      const shutdown = sinon.spy(manager, 'shutdown');
      await manager[Symbol.asyncDispose]();
      expect(shutdown.calledOnce).to.equal(true);
      expect(manager.state).to.equal('shutdown');
    });
  });
});

function of42(): number {
  return 42;
}
