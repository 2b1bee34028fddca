import { expect } from 'chai';
import {
  BackgroundTaskManager,
  createManagerStores,
  InvalidArgumentError,
  taskCountsSnapshot,
  taskListSnapshot,
  type ManagerStoresOptions,
  type TaskCounts,
} from '../../lib';
import { capturingLogger, deferred, nextTurn, thrownBy, untilAborted } from '../support/helpers';

describe('manager snapshots and stores', () => {
  let manager: BackgroundTaskManager;
  beforeEach(() => {
    manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
  });
  afterEach(() => manager.shutdown({ timeoutMs: 1_000 }));

  describe('taskCountsSnapshot()', () => {
    it('reads the current counts synchronously, each call a fresh object', async () => {
      manager.createTask((signal) => untilAborted(signal), { name: 'running' });
      await manager.createTask(async () => 1, { name: 'done' }).done;

      const counts = taskCountsSnapshot(manager);

      expect(counts).to.deep.equal({
        active: 1,
        created: 2,
        completed: 1,
        failed: 0,
        cancelled: 0,
        timedOut: 0,
        dropped: 0,
      });
      expect(taskCountsSnapshot(manager)).to.not.equal(counts);
    });

    it('throws an InvalidArgumentError for something that is not a manager', () => {
      const error = thrownBy(() => taskCountsSnapshot({} as BackgroundTaskManager));

      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('manager');
    });
  });

  describe('taskListSnapshot()', () => {
    it('lists the tracked tasks as getTaskInfo() does', () => {
      manager.createTask((signal) => untilAborted(signal), { name: 'a', context: { k: 1 } });
      manager.createTask((signal) => untilAborted(signal), { name: 'b' });

      const tasks = taskListSnapshot(manager);

      expect(tasks.map((task) => [task.name, task.status])).to.deep.equal([
        ['a', 'pending'],
        ['b', 'pending'],
      ]);
      expect(tasks[0]?.context).to.deep.equal({ k: 1 });
    });

    it('throws an InvalidArgumentError for something that is not a manager', () => {
      expect(thrownBy(() => taskListSnapshot(null as unknown as BackgroundTaskManager))).to.be.instanceOf(
        InvalidArgumentError,
      );
    });
  });

  describe('createManagerStores()', () => {
    it('starts every store from the manager synchronously, before any listener', async () => {
      manager.createTask((signal) => untilAborted(signal), { name: 'running' });
      await manager.createTask(async () => 1).done;

      const stores = createManagerStores(manager);

      expect(stores.counts.getSnapshot()).to.include({ active: 1, completed: 1 });
      expect(stores.tasks.getSnapshot().map((task) => task.name)).to.deep.equal(['running']);
      expect(stores.state.getSnapshot()).to.equal('running');
      expect(stores.events.getSnapshot()).to.deep.equal([]);
    });

    it('keeps the counts reference when counts$ emits the same figures on subscribe', () => {
      const stores = createManagerStores(manager);
      const before = stores.counts.getSnapshot();

      stores.counts.subscribe(() => undefined);

      expect(stores.counts.getSnapshot()).to.equal(before);
    });

    it('follows counts, tasks and state while listened to', async () => {
      const stores = createManagerStores(manager);
      const counts: TaskCounts[] = [];
      stores.counts.subscribe((value) => counts.push(value));
      stores.tasks.subscribe(() => undefined);
      stores.state.subscribe(() => undefined);
      const gate = deferred();

      manager.createTask(() => gate.promise, { name: 'gated' });
      await nextTurn();
      expect(stores.tasks.getSnapshot().map((task) => [task.name, task.status])).to.deep.equal([['gated', 'running']]);
      gate.resolve();
      await nextTurn();
      await nextTurn();

      expect(stores.counts.getSnapshot()).to.include({ active: 0, completed: 1 });
      expect(counts.map((value) => value.active)).to.deep.equal([0, 1, 0]);
      expect(stores.tasks.getSnapshot()).to.deep.equal([]);
      await manager.shutdown();
      expect(stores.state.getSnapshot()).to.equal('shutdown');
    });

    it('lists the most recent events up to recentEvents, and goes on from that list for a new listener', async () => {
      const options: ManagerStoresOptions = { recentEvents: 2 };
      const stores = createManagerStores(manager, options);
      const leave = stores.events.subscribe(() => undefined);

      await manager.createTask(async () => 1, { name: 'one' }).done;
      expect(stores.events.getSnapshot().map((event) => event.type)).to.deep.equal(['started', 'completed']);
      leave();
      await manager.createTask(async () => 2, { name: 'unseen' }).done;
      stores.events.subscribe(() => undefined);
      manager.createTask((signal) => untilAborted(signal), { name: 'three' });

      expect(stores.events.getSnapshot().map((event) => `${event.type} ${event.name}`)).to.deep.equal([
        'completed one',
        'created three',
      ]);
    });

    it('keeps the events list empty with recentEvents 0', async () => {
      const stores = createManagerStores(manager, { recentEvents: 0 });
      stores.events.subscribe(() => undefined);

      await manager.createTask(async () => 1).done;

      expect(stores.events.getSnapshot()).to.deep.equal([]);
    });

    it('throws an InvalidArgumentError for a bad manager or option', () => {
      const cases: [() => unknown, string][] = [
        [() => createManagerStores(undefined as unknown as BackgroundTaskManager), 'manager'],
        [() => createManagerStores(manager, { recentEvents: -1 }), 'recentEvents'],
        [() => createManagerStores(manager, 5 as unknown as ManagerStoresOptions), 'options'],
      ];
      for (const [call, argument] of cases) {
        const error = thrownBy(call);
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).to.equal(argument);
      }
    });
  });
});
