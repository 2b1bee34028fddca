import { getEventListeners } from 'node:events';
import { expect } from 'chai';
import sinon from 'sinon';
import { NEVER } from 'rxjs';
import {
  BackgroundTaskManager,
  TaskCancelledError,
  TaskTimeoutError,
  type TaskEvent,
} from '../../lib';
import {
  capturingLogger,
  deferred,
  never,
  nextTurn,
  rejectionOf,
  untilAborted,
  useFakeClock,
  type CapturingLogger,
} from '../support/helpers';

describe('BackgroundTaskManager', () => {
  let log: CapturingLogger;
  let manager: BackgroundTaskManager;

  beforeEach(() => {
    log = capturingLogger();
    manager = new BackgroundTaskManager({ logger: log.logger });
  });

  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 50 });
  });

  describe('handle.cancel()', () => {
    it('settles the task at once in the manager’s books and aborts its signal with a TaskCancelledError', async () => {
      let received: AbortSignal | undefined;
      const handle = manager.createTask(
        (signal) => {
          received = signal;
          return untilAborted(signal);
        },
        { name: 'send_email' },
      );
      await Promise.resolve();
      expect(handle.status).to.equal('running');

      expect(handle.cancel('user left')).to.equal(true);
      expect(handle.status).to.equal('cancelled');
      expect(manager.getTaskCount()).to.equal(0);
      expect(received?.aborted).to.equal(true);
      const reason = received?.reason as TaskCancelledError;
      expect(reason).to.be.instanceOf(TaskCancelledError);
      expect(reason.code).to.equal('TASK_CANCELLED');
      expect(reason.taskName).to.equal('send_email');
      expect(reason.cause).to.equal('user left');
      expect(reason.message).to.equal("Background task 'send_email' was cancelled: user left");

      const outcome = await handle.done;
      expect(outcome.status).to.equal('cancelled');
      expect(outcome.status === 'cancelled' && outcome.reason).to.equal(reason);
    });

    it('keeps an Error reason as the cause', () => {
      const why = new Error('request closed');
      const handle = manager.createTask((signal) => untilAborted(signal));
      handle.cancel(why);
      const reason = handle.signal.reason as TaskCancelledError;
      expect(reason).to.be.instanceOf(TaskCancelledError);
      expect(reason.cause).to.equal(why);
    });

    it('has an undefined cause when cancelled without a reason', () => {
      const handle = manager.createTask((signal) => untilAborted(signal), { name: 'n' });
      handle.cancel();
      const reason = handle.signal.reason as TaskCancelledError;
      expect(reason).to.be.instanceOf(TaskCancelledError);
      expect(reason.cause).to.equal(undefined);
      expect(reason.message).to.equal("Background task 'n' was cancelled");
    });

    it('returns false and changes nothing when the task already settled', async () => {
      const handle = manager.createTask(async () => 'ok');
      await handle.done;
      expect(handle.cancel()).to.equal(false);
      expect(handle.status).to.equal('completed');
      expect(handle.signal.aborted).to.equal(false);
      expect(await handle.result()).to.equal('ok');
    });

    it('returns false on a second call and keeps the first reason', () => {
      const handle = manager.createTask((signal) => untilAborted(signal));
      expect(handle.cancel('first')).to.equal(true);
      expect(handle.cancel('second')).to.equal(false);
      expect((handle.signal.reason as TaskCancelledError).cause).to.equal('first');
    });

    it('never calls the work of a task cancelled while pending, and emits no started event', async () => {
      const events: TaskEvent['type'][] = [];
      manager.events$.subscribe((event) => events.push(event.type));
      const work = sinon.spy(async () => 1);
      const handle = manager.createTask(work);
      handle.cancel();
      await nextTurn();
      expect(work.called).to.equal(false);
      expect(handle.status).to.equal('cancelled');
      expect(events).to.deep.equal(['created', 'cancelled']);
      expect(manager.detachedCount).to.equal(0);
    });

    it('aborts the signal of Observable work read after the cancellation', async () => {
      const handle = manager.createTask(never());
      await Promise.resolve();
      handle.cancel('late read');
      expect(handle.signal.aborted).to.equal(true);
      expect((handle.signal.reason as TaskCancelledError).cause).to.equal('late read');
    });
  });

  describe('cancelAll()', () => {
    it('cancels every task in flight, returns how many, and aborts their signals with one shared TaskCancelledError', async () => {
      const handles = [1, 2, 3].map((i) => manager.createTask((signal) => untilAborted(signal), { name: `t${i}` }));
      await Promise.resolve();
      const cancelled = await manager.cancelAll('logout');
      expect(cancelled).to.equal(3);
      // One error for the whole call, as one aborted signal gives all its listeners one reason.
      const shared = handles[0]?.signal.reason as TaskCancelledError;
      expect(shared).to.be.instanceOf(TaskCancelledError);
      expect(shared.cause).to.equal('logout');
      expect(shared.taskName).to.equal(undefined);
      expect(shared.message).to.equal('Background tasks were cancelled: logout');
      for (const handle of handles) {
        expect(handle.status).to.equal('cancelled');
        expect(handle.signal.reason).to.equal(shared);
        expect(await handle.done).to.deep.include({ status: 'cancelled', reason: shared });
      }
      expect(manager.getTaskCount()).to.equal(0);
    });

    it('also cancels tasks that have not started yet, and aborts their signals (read before or after)', async () => {
      const work = sinon.spy(async () => 1);
      const readLater = manager.createTask(work);
      const readBefore = manager.createTask(async (_signal: AbortSignal) => 2);
      const signalBefore = readBefore.signal;
      expect(await manager.cancelAll('logout')).to.equal(2);
      await nextTurn();
      expect(work.called).to.equal(false);
      for (const [handle, signal] of [
        [readLater, readLater.signal],
        [readBefore, signalBefore],
      ] as const) {
        expect(handle.status).to.equal('cancelled');
        expect(signal.aborted).to.equal(true);
        expect(signal.reason).to.be.instanceOf(TaskCancelledError);
        expect((signal.reason as TaskCancelledError).cause).to.equal('logout');
      }
    });

    it('resolves without waiting for work that ignores its signal, which goes on as detached work', async () => {
      const clock = useFakeClock();
      try {
        const handle = manager.createTask(() => new Promise((resolve) => setTimeout(resolve, 10_000)), { name: 'stubborn' });
        await Promise.resolve();
        expect(await manager.cancelAll()).to.equal(1);
        expect(handle.status).to.equal('cancelled');
        expect(manager.getTaskCount()).to.equal(0);
        expect(manager.detachedCount).to.equal(1);
        await clock.tickAsync(10_000);
        expect(manager.detachedCount).to.equal(0);
      } finally {
        clock.restore();
      }
    });

    it('does not count settled tasks or detached work, and returns 0 when nothing is in flight', async () => {
      expect(await manager.cancelAll()).to.equal(0);
      const stuck = deferred<void>();
      const stuckHandle = manager.createTask(() => stuck.promise);
      await Promise.resolve();
      stuckHandle.cancel();
      await manager.createTask(async () => 1).done;
      expect(manager.detachedCount).to.equal(1);
      expect(await manager.cancelAll()).to.equal(0);
      stuck.resolve();
    });

    it('does not cancel tasks created after it was called', async () => {
      manager.createTask((signal) => untilAborted(signal));
      const pending = manager.cancelAll();
      const later = manager.createTask((signal) => untilAborted(signal));
      expect(await pending).to.equal(1);
      expect(later.status).not.to.equal('cancelled');
      expect(manager.getTaskCount()).to.equal(1);
    });
  });

  describe('timeoutMs', () => {
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = useFakeClock();
    });

    afterEach(() => {
      clock.restore();
    });

    it('times the task out exactly when timeoutMs elapses, aborting its signal with a TaskTimeoutError', async () => {
      let received: AbortSignal | undefined;
      const handle = manager.createTask(
        (signal) => {
          received = signal;
          return untilAborted(signal);
        },
        { name: 'send_email', timeoutMs: 1_000 },
      );
      await Promise.resolve();
      await clock.tickAsync(999);
      expect(handle.status).to.equal('running');
      expect(received?.aborted).to.equal(false);

      await clock.tickAsync(1);
      expect(handle.status).to.equal('timed_out');
      const reason = received?.reason as TaskTimeoutError;
      expect(reason).to.be.instanceOf(TaskTimeoutError);
      expect(reason.code).to.equal('TASK_TIMEOUT');
      expect(reason.taskName).to.equal('send_email');
      expect(reason.timeoutMs).to.equal(1_000);
      expect(reason.message).to.equal("Background task 'send_email' timed out after 1000 ms");
      const outcome = await handle.done;
      expect(outcome).to.deep.equal({ status: 'timed_out', reason, durationMs: 1_000 });
      expect(manager.getTaskCount()).to.equal(0);
      await nextTurn();
      expect(manager.detachedCount).to.equal(0);
    });

    it('does not time out a task that finishes in time, and leaves no timer behind', async () => {
      const handle = manager.createTask(() => new Promise((resolve) => setTimeout(resolve, 500, 'fast')), {
        timeoutMs: 1_000,
      });
      await Promise.resolve();
      expect(clock.countTimers()).to.equal(2);
      await clock.tickAsync(500);
      expect(handle.status).to.equal('completed');
      expect(clock.countTimers()).to.equal(0);
      await clock.tickAsync(1_000);
      expect(handle.status).to.equal('completed');
    });

    it('clears the timer when the task is cancelled', async () => {
      const handle = manager.createTask((signal) => untilAborted(signal), { timeoutMs: 1_000 });
      await Promise.resolve();
      expect(clock.countTimers()).to.equal(1);
      handle.cancel();
      expect(clock.countTimers()).to.equal(0);
      await clock.tickAsync(2_000);
      expect(handle.status).to.equal('cancelled');
    });

    it('leaves no timer behind for work that finishes synchronously', async () => {
      const handle = manager.createTask(() => 'at once', { timeoutMs: 1_000 });
      await Promise.resolve();
      expect(handle.status).to.equal('completed');
      expect(clock.countTimers()).to.equal(0);
    });

    it('clears the timer of a task that fails', async () => {
      const handle = manager.createTask(async () => Promise.reject(new Error('x')), { timeoutMs: 1_000 });
      await handle.done;
      expect(clock.countTimers()).to.equal(0);
    });

    it('times out promise work and Observable work too', async () => {
      const promiseTask = manager.createTask(never(), { timeoutMs: 100 });
      const observableTask = manager.createTask(NEVER, { timeoutMs: 200 });
      await Promise.resolve();
      await clock.tickAsync(100);
      expect(promiseTask.status).to.equal('timed_out');
      expect(observableTask.status).to.equal('running');
      await clock.tickAsync(100);
      expect(observableTask.status).to.equal('timed_out');
      expect((await rejectionOf(observableTask.result())) as TaskTimeoutError).to.be.instanceOf(TaskTimeoutError);
    });

    it('keeps timed-out work that ignores its signal as detached work with status timed_out', async () => {
      const handle = manager.createTask(() => new Promise((resolve) => setTimeout(resolve, 5_000)), {
        name: 'slow',
        timeoutMs: 1_000,
      });
      await Promise.resolve();
      await clock.tickAsync(1_000);
      expect(handle.status).to.equal('timed_out');
      expect(manager.getTaskCount()).to.equal(0);
      expect(manager.detachedCount).to.equal(1);
      expect(manager.getTaskInfo()).to.have.length(1);
      expect(manager.getTaskInfo()[0]).to.include({ id: handle.id, status: 'timed_out', done: false, cancelled: true });
      await clock.tickAsync(4_000);
      expect(manager.detachedCount).to.equal(0);
      expect(manager.getTaskInfo()).to.deep.equal([]);
    });
  });

  describe('the caller’s signal', () => {
    it('cancels the task when it aborts, with the caller’s reason as the signal’s reason', async () => {
      const caller = new AbortController();
      const why = new Error('request aborted');
      let received: AbortSignal | undefined;
      const handle = manager.createTask(
        (signal) => {
          received = signal;
          return untilAborted(signal);
        },
        { signal: caller.signal },
      );
      await Promise.resolve();
      caller.abort(why);
      expect(handle.status).to.equal('cancelled');
      expect(received?.aborted).to.equal(true);
      expect(received?.reason).to.equal(why);
      const outcome = await handle.done;
      expect(outcome.status === 'cancelled' && outcome.reason).to.equal(why);
      const error = (await rejectionOf(handle.result())) as TaskCancelledError;
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect(error.cause).to.equal(why);
    });

    it('gives a task created with an already-aborted signal a cancelled handle whose work never runs', async () => {
      const caller = new AbortController();
      caller.abort('too late');
      const events: TaskEvent['type'][] = [];
      manager.events$.subscribe((event) => events.push(event.type));
      const work = sinon.spy(async () => 1);
      const handle = manager.createTask(work, { signal: caller.signal });
      expect(handle.status).to.equal('cancelled');
      expect(handle.signal.aborted).to.equal(true);
      expect(handle.signal.reason).to.equal('too late');
      expect(manager.getTaskCount()).to.equal(0);
      expect(manager.droppedCount).to.equal(0);
      await nextTurn();
      expect(work.called).to.equal(false);
      expect(events).to.deep.equal(['created', 'cancelled']);
      expect(await handle.done).to.deep.include({ status: 'cancelled', reason: 'too late' });
    });

    it('cancels every task sharing one signal', async () => {
      const caller = new AbortController();
      const handles = [1, 2, 3].map(() => manager.createTask((signal) => untilAborted(signal), { signal: caller.signal }));
      const other = manager.createTask((signal) => untilAborted(signal));
      await Promise.resolve();
      caller.abort();
      for (const handle of handles) expect(handle.status).to.equal('cancelled');
      expect(other.status).to.equal('running');
      expect(manager.getTaskCount()).to.equal(1);
    });

    it('adds a single abort listener to a signal shared by many tasks', () => {
      const caller = new AbortController();
      for (let i = 0; i < 100; i++) manager.createTask((signal) => untilAborted(signal), { signal: caller.signal });
      expect(getEventListeners(caller.signal, 'abort')).to.have.length(1);
    });

    it('removes its listener from the caller’s signal once the tasks settle, and ignores a later abort', async () => {
      const caller = new AbortController();
      const first = manager.createTask(async () => 1, { signal: caller.signal });
      const second = manager.createTask(async () => 2, { signal: caller.signal });
      expect(getEventListeners(caller.signal, 'abort').length).to.be.greaterThan(0);
      await Promise.all([first.done, second.done]);
      expect(getEventListeners(caller.signal, 'abort')).to.have.length(0);
      caller.abort();
      expect(first.status).to.equal('completed');
      expect(second.status).to.equal('completed');
    });

    it('does not cancel the task when it is aborted after a timeout', async () => {
      const clock = useFakeClock();
      try {
        const caller = new AbortController();
        const handle = manager.createTask((signal) => untilAborted(signal), { signal: caller.signal, timeoutMs: 10 });
        await Promise.resolve();
        await clock.tickAsync(10);
        caller.abort('later');
        expect(handle.status).to.equal('timed_out');
        expect(handle.signal.reason).to.be.instanceOf(TaskTimeoutError);
      } finally {
        clock.restore();
      }
    });
  });

  describe('detached work', () => {
    it('lists cancelled work that ignores its signal with its final status and done: false until it settles', async () => {
      const work = deferred<string>();
      const handle = manager.createTask(() => work.promise, { name: 'stuck', context: { job: 1 } });
      await Promise.resolve();
      handle.cancel();
      expect(await handle.done).to.deep.include({ status: 'cancelled' });
      expect(manager.getTaskCount()).to.equal(0);
      expect(manager.pendingCount).to.equal(0);
      expect(manager.detachedCount).to.equal(1);
      const [info] = manager.getTaskInfo();
      expect(info).to.include({ id: handle.id, name: 'stuck', status: 'cancelled', done: false, cancelled: true });
      expect(manager.getTask(handle.id)).to.equal(handle);

      work.resolve('eventually');
      await nextTurn();
      expect(manager.detachedCount).to.equal(0);
      expect(manager.getTaskInfo()).to.deep.equal([]);
      expect(manager.getTask(handle.id)).to.equal(undefined);
      expect(handle.status).to.equal('cancelled');
    });

    it('swallows a later rejection of detached work (no unhandled rejection) and logs it at debug', async () => {
      const work = deferred<string>();
      const handle = manager.createTask(() => work.promise, { name: 'late_fail' });
      await Promise.resolve();
      handle.cancel();
      work.reject(new Error('late failure'));
      await nextTurn();
      await nextTurn();
      expect(manager.detachedCount).to.equal(0);
      const debug = log.messages('debug').filter((message) => message.includes('late_fail') && message.includes('late failure'));
      expect(debug).to.have.length(1);
      expect(log.messages('error').filter((message) => message.includes('late failure'))).to.deep.equal([]);
    });

    it('does not keep work that stops when its signal aborts', async () => {
      const handle = manager.createTask((signal) => untilAborted(signal));
      await Promise.resolve();
      handle.cancel();
      await nextTurn();
      expect(manager.detachedCount).to.equal(0);
      expect(manager.getTaskInfo()).to.deep.equal([]);
    });

    it('frees the task’s slot under maxPendingTasks even while its work runs on', async () => {
      const capped = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 1 });
      const stuck = deferred<void>();
      const first = capped.createTask(() => stuck.promise);
      await Promise.resolve();
      first.cancel();
      const second = capped.createTask(async () => 'room');
      expect(second.status).to.equal('pending');
      expect(await second.result()).to.equal('room');
      expect(capped.droppedCount).to.equal(0);
      expect(capped.detachedCount).to.equal(1);
      stuck.resolve();
      await capped.shutdown();
    });

    it('watches an already-started promise cancelled before it started as detached work', async () => {
      const work = deferred<string>();
      const handle = manager.createTask(work.promise, { name: 'cancelled_while_pending' });
      handle.cancel();
      await nextTurn();
      expect(handle.status).to.equal('cancelled');
      expect(manager.detachedCount).to.equal(1);
      expect(manager.getTaskInfo()[0]).to.include({ id: handle.id, status: 'cancelled', done: false });
      work.resolve('still ran');
      await nextTurn();
      expect(manager.detachedCount).to.equal(0);
    });
  });

  describe('getTask()', () => {
    it('finds tracked tasks by id, and forgets them once settled', async () => {
      const handle = manager.createTask(async () => 1);
      expect(manager.getTask(handle.id)).to.equal(handle);
      await handle.done;
      expect(manager.getTask(handle.id)).to.equal(undefined);
      expect(manager.getTask(9_999)).to.equal(undefined);
    });
  });
});
