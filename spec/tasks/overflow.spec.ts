import { expect } from 'chai';
import sinon from 'sinon';
import {
  BackgroundTaskManager,
  OVERFLOW_POLICIES,
  TaskDroppedError,
  TaskRejectedError,
  type OverflowPolicy,
  type TaskEvent,
  type TaskHandle,
} from '../../lib';
import { capturingLogger, nextTurn, rejectionOf, thrownBy, untilAborted } from '../support/helpers';

function cappedManager(overflow: OverflowPolicy, maxPendingTasks = 2): BackgroundTaskManager {
  return new BackgroundTaskManager({ logger: capturingLogger().logger, maxPendingTasks, overflow });
}

describe('BackgroundTaskManager', () => {
  describe('overflow beyond maxPendingTasks', () => {
    let manager: BackgroundTaskManager;

    afterEach(async () => {
      await manager.shutdown({ timeoutMs: 50 });
    });

    it('offers exactly the three documented policies', () => {
      manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
      expect(OVERFLOW_POLICIES).to.deep.equal(['drop-newest', 'drop-oldest', 'reject']);
    });

    it('caps at 1000 tasks in flight by default and drops the newest', async () => {
      manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
      const handles = Array.from({ length: 1001 }, () => manager.createTask((signal) => untilAborted(signal)));
      expect(manager.getTaskCount()).to.equal(1000);
      expect(handles[999]?.status).to.equal('pending');
      expect(handles[1000]?.status).to.equal('dropped');
      expect(manager.droppedCount).to.equal(1);
    });

    describe("'drop-newest' (the default)", () => {
      beforeEach(() => {
        manager = cappedManager('drop-newest');
      });

      it('refuses the new task: its handle is dropped at once and its work never runs', async () => {
        const first = manager.createTask((signal) => untilAborted(signal));
        const second = manager.createTask((signal) => untilAborted(signal));
        const work = sinon.spy(async () => 1);
        const third = manager.createTask(work, { name: 'third', context: { n: 3 } });
        expect(third.status).to.equal('dropped');
        expect(manager.getTaskCount()).to.equal(2);
        expect(manager.droppedCount).to.equal(1);
        expect(manager.getTaskInfo().map((info) => info.id)).to.deep.equal([first.id, second.id]);
        await nextTurn();
        expect(work.called).to.equal(false);
        expect(first.status).to.equal('running');
        expect(second.status).to.equal('running');

        const outcome = await third.done;
        expect(outcome.status).to.equal('dropped');
        expect(outcome.durationMs).to.equal(0);
        const error = (await rejectionOf(third.result())) as TaskDroppedError;
        expect(error).to.be.instanceOf(TaskDroppedError);
        expect(error.code).to.equal('TASK_DROPPED');
        expect(error.dropReason).to.equal('overflow');
        expect(error.taskName).to.equal('third');
        expect(third.signal.aborted).to.equal(true);
        expect(third.signal.reason).to.equal(error);
        expect(third.name).to.equal('third');
        expect(third.context).to.deep.equal({ n: 3 });
      });

      it('accepts tasks again once one settles', async () => {
        const first = manager.createTask(async () => 1);
        manager.createTask((signal) => untilAborted(signal));
        expect(manager.createTask(async () => 3).status).to.equal('dropped');
        await first.done;
        const fourth = manager.createTask(async () => 4);
        expect(fourth.status).to.equal('pending');
        expect(await fourth.result()).to.equal(4);
        expect(manager.droppedCount).to.equal(1);
      });

      it('emits a dropped event (and no created event) for the refused task', () => {
        const events: TaskEvent[] = [];
        manager.events$.subscribe((event) => events.push(event));
        manager.createTask((signal) => untilAborted(signal));
        manager.createTask((signal) => untilAborted(signal));
        const refused = manager.createTask(async () => 1);
        const own = events.filter((event) => event.id === refused.id);
        expect(own.map((event) => event.type)).to.deep.equal(['dropped']);
        const dropped = own[0] as Extract<TaskEvent, { type: 'dropped' }>;
        expect(dropped.reason).to.be.instanceOf(TaskDroppedError);
        expect(dropped.reason.dropReason).to.equal('overflow');
        expect(dropped.durationMs).to.equal(0);
      });
    });

    describe("'drop-oldest'", () => {
      beforeEach(() => {
        manager = cappedManager('drop-oldest');
      });

      it('cancels the oldest task in flight to make room, with a TaskDroppedError as its signal’s reason', async () => {
        let oldestSignal: AbortSignal | undefined;
        const oldest = manager.createTask(
          (signal) => {
            oldestSignal = signal;
            return untilAborted(signal);
          },
          { name: 'oldest' },
        );
        const middle = manager.createTask((signal) => untilAborted(signal), { name: 'middle' });
        await Promise.resolve();
        const newest = manager.createTask(async () => 'fresh', { name: 'newest' });

        expect(oldest.status).to.equal('cancelled');
        expect(middle.status).to.equal('running');
        expect(newest.status).to.equal('pending');
        expect(manager.getTaskCount()).to.equal(2);
        expect(manager.droppedCount).to.equal(1);

        const reason = oldestSignal?.reason as TaskDroppedError;
        expect(oldestSignal?.aborted).to.equal(true);
        expect(reason).to.be.instanceOf(TaskDroppedError);
        expect(reason.dropReason).to.equal('overflow');
        expect(reason.taskName).to.equal('oldest');

        const outcome = await oldest.done;
        expect(outcome.status).to.equal('cancelled');
        expect(outcome.status === 'cancelled' && outcome.reason).to.equal(reason);
        expect(await rejectionOf(oldest.result())).to.equal(reason);
        expect(await newest.result()).to.equal('fresh');
      });

      it('sheds in creation order, one per new task', async () => {
        const handles: TaskHandle<never>[] = [];
        for (let i = 0; i < 5; i++) handles.push(manager.createTask((signal) => untilAborted(signal), { name: `t${i}` }));
        expect(handles.map((handle) => handle.status)).to.deep.equal(['cancelled', 'cancelled', 'cancelled', 'pending', 'pending']);
        expect(manager.droppedCount).to.equal(3);
        expect(manager.getTaskInfo().map((info) => info.name)).to.deep.equal(['t3', 't4']);
      });

      it('sheds nothing when a subscriber of the created event cancels the newcomer, or makes room itself', () => {
        const first = manager.createTask((signal) => untilAborted(signal), { name: 'first' });
        const second = manager.createTask((signal) => untilAborted(signal), { name: 'second' });
        const subscription = manager.events$.subscribe((event) => {
          if (event.type !== 'created') return;
          if (event.name === 'duplicate') manager.getTask(event.id)?.cancel('duplicate');
          if (event.name === 'makes-room') first.cancel('room');
        });
        const duplicate = manager.createTask((signal) => untilAborted(signal), { name: 'duplicate' });
        expect(duplicate.status).to.equal('cancelled');
        expect([first.status, second.status]).to.deep.equal(['pending', 'pending']);
        expect(manager.droppedCount).to.equal(0);
        const newcomer = manager.createTask((signal) => untilAborted(signal), { name: 'makes-room' });
        expect(newcomer.status).to.equal('pending');
        expect(second.status).to.equal('pending');
        expect(manager.droppedCount).to.equal(0);
        subscription.unsubscribe();
      });

      it('counts the shed task as cancelled and as dropped in counts$', () => {
        let latest: unknown;
        manager.counts$.subscribe((counts) => (latest = counts));
        manager.createTask((signal) => untilAborted(signal));
        manager.createTask((signal) => untilAborted(signal));
        manager.createTask((signal) => untilAborted(signal));
        expect(latest).to.deep.equal({ active: 2, created: 3, completed: 0, failed: 0, cancelled: 1, timedOut: 0, dropped: 1 });
      });
    });

    describe("'reject'", () => {
      beforeEach(() => {
        manager = cappedManager('reject');
      });

      it('throws a TaskRejectedError synchronously and tracks nothing', async () => {
        manager.createTask((signal) => untilAborted(signal));
        manager.createTask((signal) => untilAborted(signal));
        const work = sinon.spy(async () => 1);
        const error = thrownBy(() => manager.createTask(work, { name: 'one_too_many' })) as TaskRejectedError;
        expect(error).to.be.instanceOf(TaskRejectedError);
        expect(error.name).to.equal('TaskRejectedError');
        expect(error.code).to.equal('TASK_REJECTED');
        expect(error.taskName).to.equal('one_too_many');
        expect(error.pending).to.equal(2);
        expect(error.message).to.contain("'one_too_many'").and.contain('2 tasks are in flight');
        expect(manager.getTaskCount()).to.equal(2);
        expect(manager.droppedCount).to.equal(1);
        await nextTurn();
        expect(work.called).to.equal(false);
      });

      it('accepts tasks again once one settles', async () => {
        const first = manager.createTask(async () => 1);
        manager.createTask((signal) => untilAborted(signal));
        expect(() => manager.createTask(async () => 3)).to.throw(TaskRejectedError);
        await first.done;
        expect(manager.createTask(async () => 4).status).to.equal('pending');
      });
    });

    describe('droppedCount', () => {
      it('counts the tasks of all three policies and the refusals after shutdown', async () => {
        const counts: number[] = [];
        for (const overflow of OVERFLOW_POLICIES) {
          manager = cappedManager(overflow, 1);
          manager.createTask((signal) => untilAborted(signal));
          const second = (): unknown => manager.createTask((signal) => untilAborted(signal));
          // Only 'reject' throws; the others return a handle (dropped, or the newcomer after shedding the oldest).
          if (overflow === 'reject') expect(second).to.throw(TaskRejectedError);
          else expect(second).not.to.throw();
          expect(manager.droppedCount, overflow).to.equal(1);
          await manager.shutdown();
          manager.createTask(async () => 1);
          manager.createTask(async () => 2);
          counts.push(manager.droppedCount);
        }
        expect(counts).to.deep.equal([3, 3, 3]);
      });

      it('does not count tasks that are cancelled, time out or fail', async () => {
        manager = cappedManager('drop-newest', 10);
        manager.createTask((signal) => untilAborted(signal)).cancel();
        await manager.createTask(async () => Promise.reject(new Error('x'))).done;
        await manager.createTask((signal) => untilAborted(signal), { timeoutMs: 1 }).done;
        expect(manager.droppedCount).to.equal(0);
      });
    });

    it('does not apply a cap when maxPendingTasks is 0', () => {
      manager = new BackgroundTaskManager({ logger: capturingLogger().logger, maxPendingTasks: 0, overflow: 'reject' });
      for (let i = 0; i < 2_000; i++) manager.createTask((signal) => untilAborted(signal));
      expect(manager.getTaskCount()).to.equal(2_000);
      expect(manager.droppedCount).to.equal(0);
    });
  });
});
