import { expect } from 'chai';
import sinon from 'sinon';
import { NEVER, of } from 'rxjs';
import {
  BackgroundTaskManager,
  isFinalStatus,
  TaskCancelledError,
  TaskDroppedError,
  TaskTimeoutError,
  type TaskOutcome,
} from '../../lib';
import { capturingLogger, deferred, rejectionOf, untilAborted, useFakeClock } from '../support/helpers';

describe('TaskHandle', () => {
  let manager: BackgroundTaskManager;
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    clock = useFakeClock();
    manager = new BackgroundTaskManager({ logger: capturingLogger().logger, maxPendingTasks: 1 });
  });

  afterEach(async () => {
    clock.restore();
    await manager.shutdown({ timeoutMs: 50 });
  });

  describe('done', () => {
    it('resolves, never rejects, for every final status, with the outcome’s own fields', async () => {
      const outcomes: TaskOutcome<unknown>[] = [];
      const failure = new Error('failed');
      const unlimited = new BackgroundTaskManager({ logger: capturingLogger().logger });

      const completed = unlimited.createTask(() => new Promise((resolve) => setTimeout(resolve, 100, 'value')));
      const failed = unlimited.createTask(() => new Promise((_, reject) => setTimeout(reject, 200, failure)));
      const cancelled = unlimited.createTask((signal) => untilAborted(signal));
      const timedOut = unlimited.createTask((signal) => untilAborted(signal), { timeoutMs: 400 });
      await Promise.resolve();
      await clock.tickAsync(300);
      cancelled.cancel('enough');
      await clock.tickAsync(100);
      await unlimited.shutdown();
      const dropped = unlimited.createTask(async () => 1);
      for (const handle of [completed, failed, cancelled, timedOut, dropped]) outcomes.push(await handle.done);

      expect(outcomes[0]).to.deep.equal({ status: 'completed', value: 'value', durationMs: 100 });
      expect(outcomes[1]).to.deep.equal({ status: 'failed', error: failure, durationMs: 200 });
      expect(outcomes[2]).to.have.keys(['status', 'reason', 'durationMs']);
      expect(outcomes[2]).to.deep.include({ status: 'cancelled', durationMs: 300 });
      expect((outcomes[2] as { reason: unknown }).reason).to.be.instanceOf(TaskCancelledError);
      expect(outcomes[3]).to.deep.equal({ status: 'timed_out', reason: timedOut.signal.reason, durationMs: 400 });
      expect((outcomes[3] as { reason: unknown }).reason).to.be.instanceOf(TaskTimeoutError);
      expect(outcomes[4]).to.have.keys(['status', 'reason', 'durationMs']);
      expect(outcomes[4]).to.deep.include({ status: 'dropped', durationMs: 0 });
      expect((outcomes[4] as { reason: unknown }).reason).to.be.instanceOf(TaskDroppedError);
    });

    it('resolves as soon as a cancelled task settles, even while its work runs on', async () => {
      const work = deferred<void>();
      const handle = manager.createTask(() => work.promise);
      await Promise.resolve();
      handle.cancel();
      expect((await handle.done).status).to.equal('cancelled');
      expect(manager.detachedCount).to.equal(1);
      work.resolve();
    });

    it('is the same outcome however often it is read', async () => {
      const handle = manager.createTask(async () => 1);
      const first = await handle.done;
      expect(await handle.done).to.equal(first);
    });
  });

  describe('result()', () => {
    it('resolves with the value', async () => {
      expect(await manager.createTask(of('a', 'b')).result()).to.equal('b');
    });

    it('rejects with the work’s own error object', async () => {
      const failure = new TypeError('bad input');
      const handle = manager.createTask(async () => Promise.reject(failure));
      expect(await rejectionOf(handle.result())).to.equal(failure);
    });

    it('rejects with a TaskCancelledError carrying the reason as cause when cancelled', async () => {
      const handle = manager.createTask(NEVER, { name: 'stream' });
      handle.cancel('stop');
      const error = (await rejectionOf(handle.result())) as TaskCancelledError;
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect(error.cause).to.equal('stop');
      expect(error.taskName).to.equal('stream');
    });

    it('rejects with a TaskCancelledError whose cause is the caller’s reason when the caller’s signal aborts', async () => {
      const caller = new AbortController();
      const handle = manager.createTask((signal) => untilAborted(signal), { signal: caller.signal });
      const why = new Error('client went away');
      caller.abort(why);
      const error = (await rejectionOf(handle.result())) as TaskCancelledError;
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect(error.cause).to.equal(why);
    });

    it('rejects with the TaskTimeoutError on timeout', async () => {
      const handle = manager.createTask((signal) => untilAborted(signal), { name: 'slow', timeoutMs: 20 });
      const result = rejectionOf(handle.result());
      await Promise.resolve();
      await clock.tickAsync(20);
      const error = (await result) as TaskTimeoutError;
      expect(error).to.be.instanceOf(TaskTimeoutError);
      expect(error).to.equal(handle.signal.reason);
      expect(error.timeoutMs).to.equal(20);
    });

    it('rejects with a TaskDroppedError when refused, and when shed by drop-oldest', async () => {
      manager.createTask((signal) => untilAborted(signal));
      const refused = manager.createTask(async () => 1);
      const refusal = (await rejectionOf(refused.result())) as TaskDroppedError;
      expect(refusal).to.be.instanceOf(TaskDroppedError);
      expect(refusal.dropReason).to.equal('overflow');

      const shedding = new BackgroundTaskManager({ logger: capturingLogger().logger, maxPendingTasks: 1, overflow: 'drop-oldest' });
      const oldest = shedding.createTask((signal) => untilAborted(signal));
      shedding.createTask((signal) => untilAborted(signal));
      const shed = (await rejectionOf(oldest.result())) as TaskDroppedError;
      expect(shed).to.be.instanceOf(TaskDroppedError);
      expect(shed.dropReason).to.equal('overflow');
      await shedding.shutdown();
    });

    it('creates a new promise on each call', async () => {
      const handle = manager.createTask(async () => 1);
      expect(handle.result()).not.to.equal(handle.result());
      expect(await handle.result()).to.equal(1);
    });
  });

  describe('fields', () => {
    it('exposes id, name, context, createdAt, timeoutMs and a status that follows the task', async () => {
      clock.tick(5_000);
      const handle = manager.createTask((signal) => untilAborted(signal), {
        name: 'fields',
        timeoutMs: 1_000,
        context: { a: 1 },
      });
      expect(handle).to.include({ name: 'fields', timeoutMs: 1_000, createdAt: 5_000, status: 'pending' });
      expect(handle.id).to.be.a('number');
      expect(handle.context).to.deep.equal({ a: 1 });
      expect(handle.signal).to.be.instanceOf(AbortSignal);
      await Promise.resolve();
      expect(handle.status).to.equal('running');
      await clock.tickAsync(1_000);
      expect(handle.status).to.equal('timed_out');
    });

    it('cannot cancel a dropped task', async () => {
      manager.createTask((signal) => untilAborted(signal));
      const dropped = manager.createTask(async () => 1);
      expect(dropped.cancel()).to.equal(false);
      expect(dropped.status).to.equal('dropped');
      expect((await dropped.done).status).to.equal('dropped');
    });

    it('reaches only final statuses that isFinalStatus recognises', async () => {
      expect(isFinalStatus('pending')).to.equal(false);
      expect(isFinalStatus('running')).to.equal(false);
      for (const status of ['completed', 'failed', 'cancelled', 'timed_out', 'dropped'] as const) {
        expect(isFinalStatus(status), status).to.equal(true);
      }
      const handle = manager.createTask(async () => 1);
      expect(isFinalStatus(handle.status)).to.equal(false);
      await handle.done;
      expect(isFinalStatus(handle.status)).to.equal(true);
    });

    it('gives promise and Observable work a signal too, aborted when the task is', async () => {
      const unlimited = new BackgroundTaskManager({ logger: capturingLogger().logger });
      const fromPromise = unlimited.createTask(new Promise(() => undefined));
      const fromObservable = unlimited.createTask(NEVER);
      const promiseSignal = fromPromise.signal;
      expect(promiseSignal.aborted).to.equal(false);
      await Promise.resolve();
      fromPromise.cancel();
      fromObservable.cancel();
      expect(promiseSignal.aborted).to.equal(true);
      expect(fromObservable.signal.aborted).to.equal(true);
      expect(fromObservable.signal.reason).to.be.instanceOf(TaskCancelledError);
      const stopping = unlimited.shutdown({ timeoutMs: 1 });
      await clock.tickAsync(1);
      expect((await stopping).remainingTasks).to.equal(1); // the promise cannot be stopped
    });
  });
});
