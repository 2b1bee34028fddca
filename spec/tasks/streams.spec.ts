import { expect } from 'chai';
import sinon from 'sinon';
import { config, filter, firstValueFrom, map, share, toArray } from 'rxjs';
import {
  BackgroundTaskManager,
  TaskCancelledError,
  TaskDroppedError,
  TaskTimeoutError,
  type ManagerState,
  type TaskCounts,
  type TaskEvent,
  type TaskEventType,
  type TaskInfo,
} from '../../lib';
import { capturingLogger, deferred, nextTurn, stackFramesArgument, untilAborted, useFakeClock, type CapturingLogger } from '../support/helpers';

const FINAL_TYPES: readonly TaskEventType[] = ['completed', 'failed', 'cancelled', 'timed_out', 'dropped'];

function expectBalanced(counts: TaskCounts): void {
  expect(counts.active + counts.completed + counts.failed + counts.cancelled + counts.timedOut, JSON.stringify(counts)).to.equal(
    counts.created,
  );
}

/** Records what RxJS would otherwise rethrow asynchronously as an uncaughtException. */
function captureRxjsUnhandledErrors(): { errors: unknown[]; restore(): void } {
  const errors: unknown[] = [];
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => errors.push(error);
  return {
    errors,
    restore: () => {
      config.onUnhandledError = previous;
    },
  };
}

/** Lets an asynchronous rethrow (RxJS schedules one with `setTimeout(0)`) happen. */
function realTimeout(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('BackgroundTaskManager', () => {
  let log: CapturingLogger;
  let manager: BackgroundTaskManager;

  beforeEach(() => {
    log = capturingLogger();
    manager = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 0 });
  });

  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 50 });
  });

  describe('events$', () => {
    it('emits each task’s lifecycle in order: one created, started unless cancelled first, exactly one final event', async () => {
      const clock = useFakeClock();
      try {
        const capped = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 4 });
        const events: TaskEvent[] = [];
        capped.events$.subscribe((event) => events.push(event));
        const caller = new AbortController();
        caller.abort('already');
        const completes = capped.createTask(async () => 'ok', { name: 'completes' });
        const fails = capped.createTask(async () => Promise.reject(new Error('nope')), { name: 'fails' });
        const cancelledRunning = capped.createTask((signal) => untilAborted(signal), { name: 'cancelled_running' });
        const cancelledPending = capped.createTask((signal) => untilAborted(signal), { name: 'cancelled_pending' });
        cancelledPending.cancel();
        const callerCancelled = capped.createTask(async () => 1, { name: 'caller_cancelled', signal: caller.signal });
        const timesOut = capped.createTask((signal) => untilAborted(signal), { name: 'times_out', timeoutMs: 100 });
        const dropped = capped.createTask(async () => 1, { name: 'dropped' }); // 4 in flight: refused
        await Promise.resolve();
        cancelledRunning.cancel();
        await clock.tickAsync(100);
        await capped.shutdown();

        const seqs = events.map((event) => event.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i], `seq after ${seqs[i - 1]}`).to.be.greaterThan(seqs[i - 1] as number);

        const typesOf = (id: number): TaskEventType[] => events.filter((event) => event.id === id).map((event) => event.type);
        expect(typesOf(completes.id)).to.deep.equal(['created', 'started', 'completed']);
        expect(typesOf(fails.id)).to.deep.equal(['created', 'started', 'failed']);
        expect(typesOf(cancelledRunning.id)).to.deep.equal(['created', 'started', 'cancelled']);
        expect(typesOf(cancelledPending.id)).to.deep.equal(['created', 'cancelled']);
        expect(typesOf(timesOut.id)).to.deep.equal(['created', 'started', 'timed_out']);
        expect(typesOf(callerCancelled.id)).to.deep.equal(['created', 'cancelled']);
        expect(typesOf(dropped.id)).to.deep.equal(['dropped']);
        const ids = new Set(events.map((event) => event.id));
        for (const id of ids) {
          const own = events.filter((event) => event.id === id);
          expect(own.filter((event) => FINAL_TYPES.includes(event.type)), `final events of task ${id}`).to.have.length(1);
          expect(FINAL_TYPES).to.include(own.at(-1)?.type);
        }
      } finally {
        clock.restore();
      }
    });

    it('carries id, name, context, timestamp and the type’s own fields', async () => {
      const clock = useFakeClock();
      try {
        clock.tick(1_000);
        const events: TaskEvent[] = [];
        manager.events$.subscribe((event) => events.push(event));
        const boom = new Error('boom');
        const ok = manager.createTask(() => new Promise((resolve) => setTimeout(resolve, 40, 'v')), {
          name: 'ok',
          timeoutMs: 500,
          context: { userId: 1 },
        });
        const failing = manager.createTask(() => new Promise((_, reject) => setTimeout(reject, 30, boom)), { name: 'failing' });
        const slow = manager.createTask((signal) => untilAborted(signal), { name: 'slow', timeoutMs: 50 });
        const cancelled = manager.createTask((signal) => untilAborted(signal), { name: 'cancelled' });
        await Promise.resolve();
        await clock.tickAsync(20);
        cancelled.cancel('why');
        await clock.tickAsync(30);

        const find = <K extends TaskEventType>(id: number, type: K): Extract<TaskEvent, { type: K }> =>
          events.find((event) => event.id === id && event.type === type) as Extract<TaskEvent, { type: K }>;

        const created = find(ok.id, 'created');
        expect(created).to.deep.include({ id: ok.id, name: 'ok', timeoutMs: 500, timestamp: 1_000 });
        expect(created.context).to.deep.equal({ userId: 1 });
        expect(find(slow.id, 'created').timeoutMs).to.equal(50);
        expect(find(failing.id, 'created').timeoutMs).to.equal(undefined);
        expect(find(ok.id, 'started')).to.deep.include({ name: 'ok', timestamp: 1_000 });

        const completed = find(ok.id, 'completed');
        expect(completed).to.deep.include({ name: 'ok', durationMs: 40, timestamp: 1_040 });
        expect(completed.context).to.deep.equal({ userId: 1 });

        const failed = find(failing.id, 'failed');
        expect(failed.error).to.equal(boom);
        expect(failed.durationMs).to.equal(30);

        const cancelledEvent = find(cancelled.id, 'cancelled');
        expect(cancelledEvent.durationMs).to.equal(20);
        expect(cancelledEvent.reason).to.be.instanceOf(TaskCancelledError);
        expect((cancelledEvent.reason as TaskCancelledError).cause).to.equal('why');

        const timedOut = find(slow.id, 'timed_out');
        expect(timedOut.reason).to.be.instanceOf(TaskTimeoutError);
        expect(timedOut.reason).to.equal(slow.signal.reason);
        expect(timedOut.durationMs).to.equal(50);
        expect(timedOut.timestamp).to.equal(1_050);
      } finally {
        clock.restore();
      }
    });

    it('emits a dropped event with its TaskDroppedError for a task refused after shutdown', async () => {
      await manager.shutdown();
      const event = firstValueFrom(manager.events$);
      const handle = manager.createTask(async () => 1, { name: 'late' });
      const dropped = (await event) as Extract<TaskEvent, { type: 'dropped' }>;
      expect(dropped).to.deep.include({ type: 'dropped', id: handle.id, name: 'late', durationMs: 0 });
      expect(dropped.reason).to.be.instanceOf(TaskDroppedError);
      expect(dropped.reason.dropReason).to.equal('shutdown');
    });

    it('emits nothing more when detached work finally stops', async () => {
      const types: TaskEventType[] = [];
      manager.events$.subscribe((event) => types.push(event.type));
      const work = deferred<void>();
      const handle = manager.createTask(() => work.promise);
      await Promise.resolve();
      handle.cancel();
      expect(types).to.deep.equal(['created', 'started', 'cancelled']);
      work.resolve();
      await nextTurn();
      expect(manager.detachedCount).to.equal(0);
      expect(types).to.deep.equal(['created', 'started', 'cancelled']);
    });

    it('is hot: a subscriber sees only what happens after it subscribed, and it does not complete on shutdown', async () => {
      const early = manager.createTask(async () => 1);
      await early.done;
      const seen: TaskEvent[] = [];
      let completed = false;
      manager.events$.subscribe({ next: (event) => seen.push(event), complete: () => (completed = true) });
      const late = manager.createTask(async () => 2);
      await late.done;
      await manager.shutdown();
      expect(seen.every((event) => event.id === late.id)).to.equal(true);
      expect(seen.map((event) => event.type)).to.deep.equal(['created', 'started', 'completed']);
      expect(completed).to.equal(false);
    });

    it('keeps one order for all subscribers when a subscriber creates tasks from its callback', async () => {
      const first: number[] = [];
      const second: number[] = [];
      manager.events$.subscribe((event) => {
        first.push(event.seq);
        if (event.type === 'created' && event.name === 'parent') manager.createTask(async () => 'child', { name: 'child' });
      });
      manager.events$.subscribe((event) => second.push(event.seq));
      await manager.createTask(async () => 'parent', { name: 'parent' }).done;
      await manager.waitForAll();
      expect(first).to.deep.equal(second);
      for (let i = 1; i < first.length; i++) expect(first[i]).to.be.greaterThan(first[i - 1] as number);
      expect(first).to.have.length(6);
    });
  });

  describe('counts$', () => {
    it('emits the current value on subscribe', async () => {
      await manager.createTask(async () => 1).done;
      manager.createTask((signal) => untilAborted(signal)).cancel();
      manager.createTask((signal) => untilAborted(signal));
      const counts = await firstValueFrom(manager.counts$);
      expect(counts).to.deep.equal({ active: 1, created: 3, completed: 1, failed: 0, cancelled: 1, timedOut: 0, dropped: 0 });
    });

    it('emits on every change, never the same value twice in a row, and always balances', async () => {
      const clock = useFakeClock();
      try {
        const capped = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 4, overflow: 'drop-oldest' });
        const emitted: TaskCounts[] = [];
        capped.counts$.subscribe((counts) => emitted.push(counts));
        capped.createTask(async () => 1);
        capped.createTask(async () => Promise.reject(new Error('x')));
        capped.createTask((signal) => untilAborted(signal), { timeoutMs: 10 });
        capped.createTask((signal) => untilAborted(signal));
        const stuck = deferred<void>();
        const detached = capped.createTask(() => stuck.promise); // sheds the oldest
        await Promise.resolve();
        detached.cancel();
        await clock.tickAsync(10);
        stuck.resolve();
        await nextTurn();
        await capped.shutdown();
        capped.createTask(async () => 1); // refused after shutdown

        expect(emitted.length).to.be.greaterThan(5);
        for (let i = 1; i < emitted.length; i++) {
          expect(emitted[i], `emission ${i} repeats emission ${i - 1}`).not.to.deep.equal(emitted[i - 1]);
        }
        for (const counts of emitted) expectBalanced(counts);
        expect(emitted.at(-1)).to.deep.equal({ active: 0, created: 5, completed: 0, failed: 1, cancelled: 3, timedOut: 1, dropped: 2 });
      } finally {
        clock.restore();
      }
    });

    it('balances created = active + completed + failed + cancelled + timedOut under a random mix', async () => {
      const emitted: TaskCounts[] = [];
      manager.counts$.subscribe((counts) => emitted.push(counts));
      const handles = [];
      for (let i = 0; i < 200; i++) {
        switch (i % 4) {
          case 0:
            handles.push(manager.createTask(async () => i));
            break;
          case 1:
            handles.push(manager.createTask(async () => Promise.reject(new Error(String(i)))));
            break;
          case 2:
            handles.push(manager.createTask((signal) => untilAborted(signal), { timeoutMs: 1 }));
            break;
          default:
            manager.createTask((signal) => untilAborted(signal)).cancel();
        }
      }
      await Promise.all(handles.map((handle) => handle.done));
      for (const counts of emitted) expectBalanced(counts);
      expect(emitted.at(-1)).to.deep.equal({ active: 0, created: 200, completed: 50, failed: 50, cancelled: 50, timedOut: 50, dropped: 0 });
    });

    it('does not emit the same counts twice to a subscriber that subscribes from an events$ callback', async () => {
      const emitted: TaskCounts[] = [];
      manager.events$.pipe(filter((event) => event.type === 'created')).subscribe(() => {
        if (emitted.length === 0) manager.counts$.subscribe((counts) => emitted.push(counts));
      });
      const handle = manager.createTask(async () => 1);
      await handle.done;
      for (let i = 1; i < emitted.length; i++) {
        expect(emitted[i], `emission ${i} repeats emission ${i - 1}`).not.to.deep.equal(emitted[i - 1]);
      }
      expect(emitted.at(-1)).to.include({ created: 1, completed: 1, active: 0 });
    });
  });

  describe('tasks$', () => {
    it('emits the current list on subscribe', async () => {
      const handle = manager.createTask((signal) => untilAborted(signal), { name: 'listed' });
      const list = await firstValueFrom(manager.tasks$);
      expect(list.map((info) => info.id)).to.deep.equal([handle.id]);
      expect(list[0]).to.include({ name: 'listed', status: 'pending' });
    });

    it('coalesces a burst of 10,000 creations into a few emissions', async () => {
      const emitted: (readonly TaskInfo[])[] = [];
      manager.tasks$.subscribe((list) => emitted.push(list));
      for (let i = 0; i < 10_000; i++) manager.createTask((signal) => untilAborted(signal));
      await nextTurn();
      await nextTurn();
      expect(emitted.length).to.be.at.least(2).and.at.most(3);
      expect(emitted[0]).to.deep.equal([]);
      expect(emitted.at(-1)).to.have.length(10_000);
      expect(emitted.at(-1)?.every((info) => info.status === 'running')).to.equal(true);

      const before = emitted.length;
      await manager.cancelAll();
      await nextTurn();
      await nextTurn();
      expect(emitted.length - before).to.be.at.least(1).and.at.most(3);
      expect(emitted.at(-1)).to.deep.equal([]);
    });

    it('lists detached work until it stops', async () => {
      const emitted: (readonly TaskInfo[])[] = [];
      manager.tasks$.subscribe((list) => emitted.push(list));
      const work = deferred<void>();
      const handle = manager.createTask(() => work.promise, { name: 'detached' });
      await Promise.resolve();
      handle.cancel();
      await nextTurn();
      expect(emitted.at(-1)).to.have.length(1);
      expect(emitted.at(-1)?.[0]).to.include({ id: handle.id, status: 'cancelled', done: false });
      work.resolve();
      await nextTurn();
      await nextTurn();
      expect(emitted.at(-1)).to.deep.equal([]);
    });
  });

  describe('state$', () => {
    it('emits the current state on subscribe, then each change', async () => {
      const states: ManagerState[] = [];
      manager.state$.subscribe((state) => states.push(state));
      expect(states).to.deep.equal(['running']);
      await manager.shutdown();
      expect(states).to.deep.equal(['running', 'shutting_down', 'shutdown']);
      expect(await firstValueFrom(manager.state$)).to.equal('shutdown');
    });
  });

  describe('a subscriber that throws', () => {
    let rxjs: ReturnType<typeof captureRxjsUnhandledErrors>;

    beforeEach(() => {
      rxjs = captureRxjsUnhandledErrors();
    });

    afterEach(() => {
      rxjs.restore();
    });

    it('is caught and logged, and other subscribers of events$ keep receiving', async () => {
      const thrown = new Error('subscriber bug');
      manager.events$.subscribe(() => {
        throw thrown;
      });
      const seen: TaskEventType[] = [];
      manager.events$.subscribe((event) => seen.push(event.type));
      const first = manager.createTask(async () => 1);
      expect(await first.result()).to.equal(1);
      const second = manager.createTask(async () => 2);
      expect(await second.result()).to.equal(2);
      await realTimeout(5);
      expect(seen).to.deep.equal(['created', 'started', 'completed', 'created', 'started', 'completed']);
      const errors = log.calls.filter((call) => call.level === 'error' && call.args.includes(stackFramesArgument(thrown)));
      expect(errors).to.have.length(6);
      expect(errors[0]?.message).to.contain('subscriber');
      expect(rxjs.errors).to.deep.equal([]);
    });

    it('is caught on every stream: counts$ (including its first value), tasks$, state$ and handle.events$', async () => {
      const boom = (): never => {
        throw new Error('stream subscriber bug');
      };
      manager.counts$.subscribe(boom);
      manager.tasks$.subscribe(boom);
      manager.state$.subscribe(boom);
      const counts: TaskCounts[] = [];
      manager.counts$.subscribe((value) => counts.push(value));
      const handle = manager.createTask(async () => 1);
      handle.events$.subscribe(boom);
      const own: TaskEventType[] = [];
      handle.events$.subscribe((event) => own.push(event.type));
      expect(await handle.result()).to.equal(1);
      await nextTurn();
      await manager.shutdown();
      await realTimeout(5);
      expect(own).to.deep.equal(['started', 'completed']);
      expect(counts.at(-1)).to.include({ created: 1, completed: 1 });
      expect(log.messages('error').filter((message) => message.includes('stream subscriber bug')).length).to.be.at.least(6);
      expect(rxjs.errors).to.deep.equal([]);
    });

    it('is caught through a .pipe(map(...)) chain (and share()), in the subscriber and in the operator', async () => {
      manager.events$.pipe(map((event) => event.type)).subscribe(() => {
        throw new Error('piped subscriber bug');
      });
      manager.events$
        .pipe(
          map(() => {
            throw new Error('operator bug');
          }),
        )
        .subscribe();
      manager.events$.pipe(filter(() => true), share()).subscribe(() => {
        throw new Error('shared subscriber bug');
      });
      const seen: string[] = [];
      manager.events$.pipe(map((event) => event.type)).subscribe((type) => seen.push(type));
      await manager.createTask(async () => 1).done;
      await realTimeout(5);
      expect(seen).to.deep.equal(['created', 'started', 'completed']);
      expect(log.messages('error').filter((message) => message.includes('shared subscriber bug'))).to.have.length(3);
      expect(log.messages('error').filter((message) => message.includes('piped subscriber bug'))).to.have.length(3);
      expect(log.messages('error').filter((message) => message.includes('operator bug'))).to.have.length(1);
      expect(rxjs.errors).to.deep.equal([]);
    });

    it('still lets RxJS helpers such as firstValueFrom and toArray work', async () => {
      const handle = manager.createTask(async () => 1);
      const all = firstValueFrom(handle.events$.pipe(toArray()));
      await handle.done;
      expect((await all).map((event) => event.type)).to.deep.equal(['started', 'completed']);
    });
  });

  describe('handle.events$', () => {
    it('emits the task’s own events from subscription on, then completes', async () => {
      const own: TaskEvent[] = [];
      let completed = false;
      const other = manager.createTask((signal) => untilAborted(signal));
      const handle = manager.createTask(async () => 'mine', { name: 'mine' });
      handle.events$.subscribe({ next: (event) => own.push(event), complete: () => (completed = true) });
      await handle.done;
      other.cancel();
      expect(own.map((event) => event.type)).to.deep.equal(['started', 'completed']);
      expect(own.every((event) => event.id === handle.id)).to.equal(true);
      expect(completed).to.equal(true);
    });

    it('gives the same events as events$, with the same seq', async () => {
      const all: TaskEvent[] = [];
      manager.events$.subscribe((event) => all.push(event));
      const handle = manager.createTask(async () => 1);
      const own = firstValueFrom(handle.events$.pipe(toArray()));
      await handle.done;
      expect(await own).to.deep.equal(all.filter((event) => event.type !== 'created'));
    });

    it('gives a late subscriber the final event, then completes', async () => {
      const all: TaskEvent[] = [];
      manager.events$.subscribe((event) => all.push(event));
      const handle = manager.createTask(async () => Promise.reject(new Error('late')));
      await handle.done;
      const late = await firstValueFrom(handle.events$.pipe(toArray()));
      expect(late).to.have.length(1);
      expect(late[0]).to.deep.equal(all.at(-1));
      expect(late[0]?.type).to.equal('failed');
    });

    it('emits only the final event of a task cancelled before it started, a dropped task, and detached work', async () => {
      const pending = manager.createTask((signal) => untilAborted(signal));
      const fromPending = firstValueFrom(pending.events$.pipe(toArray()));
      pending.cancel();
      expect((await fromPending).map((event) => event.type)).to.deep.equal(['cancelled']);

      const work = deferred<void>();
      const detached = manager.createTask(() => work.promise);
      await Promise.resolve();
      const fromDetached = firstValueFrom(detached.events$.pipe(toArray()));
      detached.cancel();
      expect((await fromDetached).map((event) => event.type)).to.deep.equal(['cancelled']);
      work.resolve();

      await manager.shutdown();
      const dropped = manager.createTask(async () => 1);
      const fromDropped = await firstValueFrom(dropped.events$.pipe(toArray()));
      expect(fromDropped.map((event) => event.type)).to.deep.equal(['dropped']);
    });

    it('keeps delivering to its other subscribers when one throws', async () => {
      const rxjs = captureRxjsUnhandledErrors();
      try {
        const handle = manager.createTask(async () => 1);
        handle.events$.subscribe(() => {
          throw new Error('handle subscriber bug');
        });
        const spy = sinon.spy();
        handle.events$.subscribe({ next: spy, complete: () => spy('complete') });
        await handle.done;
        await realTimeout(5);
        expect(spy.args.map((args) => (typeof args[0] === 'string' ? args[0] : (args[0] as TaskEvent).type))).to.deep.equal([
          'started',
          'completed',
          'complete',
        ]);
        expect(log.messages('error').filter((message) => message.includes('handle subscriber bug'))).to.have.length(2);
        expect(rxjs.errors).to.deep.equal([]);
      } finally {
        rxjs.restore();
      }
    });
  });
});
