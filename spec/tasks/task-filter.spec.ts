import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  TaskCancelledError,
  isFinalStatus,
  type TaskCounts,
  type TaskFilter,
  type TaskHandle,
  type TaskInfo,
  type TaskScope,
  type CancelReason,
} from '../../lib';
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
  type Deferred,
} from '../support/helpers';

/** Work that settles after `ms` (fake) milliseconds with `value`, or rejects with `error`. */
function after<T>(ms: number, value: T, error?: unknown): () => Promise<T> {
  return () =>
    new Promise<T>((resolve, reject) => {
      setTimeout(() => (error === undefined ? resolve(value) : reject(error)), ms);
    });
}

/** Cooperative work that never ends on its own. */
const hang = (signal: AbortSignal): Promise<never> => untilAborted(signal);

function invalidArgument(fn: () => unknown): InvalidArgumentError {
  const error = thrownBy(fn);
  expect(error).to.be.instanceOf(InvalidArgumentError);
  return error as InvalidArgumentError;
}

function expectBalanced(counts: TaskCounts): void {
  expect(counts.active + counts.completed + counts.failed + counts.cancelled + counts.timedOut, JSON.stringify(counts)).to.equal(
    counts.created,
  );
}

function currentCounts(source: { readonly counts$: { subscribe(next: (value: TaskCounts) => void): { unsubscribe(): void } } }): TaskCounts {
  let counts: TaskCounts | undefined;
  source.counts$.subscribe((value) => (counts = value)).unsubscribe();
  return counts as TaskCounts;
}

/** The manager's index groups a task is in (internal: `TaskRun.groups`), to see that the index does not grow. */
interface IndexView {
  readonly groups?: readonly { readonly index?: { readonly size: number }; readonly key: string }[];
}

/** How many groups the index of `handle`'s run holds (the by-run index of the manager). */
function runIndexSize(handle: TaskHandle<unknown>, runId: string): number {
  const group = (handle as unknown as IndexView).groups?.find((each) => each.index !== undefined && each.key === runId);
  if (group?.index === undefined) throw new Error('the probe task is in no run group');
  return group.index.size;
}

describe('BackgroundTaskManager', () => {
  let log: CapturingLogger;
  let manager: BackgroundTaskManager;
  /** A second manager whose scopes only give runs and threads: a task made in its `run()` is in none of `manager`'s scopes. */
  let tagger: BackgroundTaskManager;

  /** Creates a task of `manager` in run `runId` and thread `threadId`, outside any of its scopes. */
  function inRun<T>(runId: string | undefined, threadId: string | undefined, create: () => T): T {
    return tagger.scope({ name: 'tags', runId, threadId }).run(create);
  }

  beforeEach(() => {
    log = capturingLogger();
    manager = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 0 });
    tagger = new BackgroundTaskManager({ logger: log.logger });
  });

  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 50 });
    await tagger.shutdown({ timeoutMs: 50 });
  });

  describe('getTaskCount(filter)', () => {
    let scope: TaskScope;

    beforeEach(() => {
      scope = manager.scope({ name: 'scope' });
      inRun('run-1', 'thread-1', () => manager.createTask(hang, { name: 'email' }));
      inRun('run-1', 'thread-1', () => manager.createTask(hang, { name: 'audit' }));
      inRun('run-2', 'thread-1', () => manager.createTask(hang, { name: 'email' }));
      scope.scope({ name: 'run-3', runId: 'run-3', threadId: 'thread-2' }).createTask(hang, { name: 'email' });
      scope.createTask(hang, { name: 'audit' });
      manager.createTask(hang, { name: 'email' });
    });

    it('counts every task in flight without a filter, or with an empty one', () => {
      expect(manager.getTaskCount()).to.equal(6);
      expect(manager.getTaskCount({})).to.equal(6);
    });

    it('refuses a filter field given as undefined (a run id that is not there must not mean every task), on every call', async () => {
      const check = (error: unknown): void => {
        expect(error).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'runId');
        expect((error as Error).message).to.include('leave the key out to match every task');
      };
      check(thrownBy(() => manager.getTaskCount({ runId: undefined })));
      check(thrownBy(() => manager.getTaskInfo({ runId: undefined })));
      check(await rejectionOf(manager.cancelAll({ runId: undefined, reason: 'x' })));
      check(thrownBy(() => manager.waitForAll({ runId: undefined })));
      expect(manager.getTaskCount()).to.equal(6);
    });

    it('refuses a filter that is not a plain object literal (a Map, a Date), which would match every task', () => {
      expect(thrownBy(() => manager.getTaskCount(new Map([['runId', 'run-1']]) as never))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'filter');
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      expect(thrownBy(() => manager.getTaskCount(revoked.proxy))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'filter');
      expect(thrownBy(() => manager.getTaskInfo({ scope: revoked.proxy as never }))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'scope');
    });

    it('counts the tasks of a run', () => {
      expect(manager.getTaskCount({ runId: 'run-1' })).to.equal(2);
      expect(manager.getTaskCount({ runId: 'run-2' })).to.equal(1);
      expect(manager.getTaskCount({ runId: 'run-3' })).to.equal(1);
    });

    it('counts the tasks of a thread, across its runs', () => {
      expect(manager.getTaskCount({ threadId: 'thread-1' })).to.equal(3);
      expect(manager.getTaskCount({ threadId: 'thread-2' })).to.equal(1);
    });

    it('counts the tasks with a name, those created before the first filter by name included', () => {
      expect(manager.getTaskCount({ name: 'email' })).to.equal(4);
      expect(manager.getTaskCount({ name: 'audit' })).to.equal(2);
      manager.createTask(hang, { name: 'email' });
      inRun('run-1', undefined, () => manager.createTask(hang, { name: 'audit' }));
      expect(manager.getTaskCount({ name: 'email' })).to.equal(5);
      expect(manager.getTaskCount({ name: 'audit' })).to.equal(3);
    });

    it('counts the tasks of a scope', () => {
      expect(manager.getTaskCount({ scope })).to.equal(2);
    });

    it('counts the tasks that match every field of a combined filter', () => {
      expect(manager.getTaskCount({ runId: 'run-1', name: 'email' })).to.equal(1);
      expect(manager.getTaskCount({ threadId: 'thread-1', name: 'email' })).to.equal(2);
      expect(manager.getTaskCount({ runId: 'run-1', threadId: 'thread-1' })).to.equal(2);
      expect(manager.getTaskCount({ runId: 'run-1', threadId: 'thread-2' })).to.equal(0);
      expect(manager.getTaskCount({ scope, name: 'email' })).to.equal(1);
      expect(manager.getTaskCount({ scope, threadId: 'thread-2' })).to.equal(1);
      expect(manager.getTaskCount({ scope, runId: 'run-1' })).to.equal(0);
      expect(manager.getTaskCount({ scope, runId: 'run-3', threadId: 'thread-2', name: 'email' })).to.equal(1);
    });

    it('counts 0 for a run, thread or name no task has', () => {
      expect(manager.getTaskCount({ runId: 'nope' })).to.equal(0);
      expect(manager.getTaskCount({ threadId: 'nope' })).to.equal(0);
      expect(manager.getTaskCount({ name: 'nope' })).to.equal(0);
      expect(manager.getTaskCount({ scope: manager.scope({ name: 'empty' }) })).to.equal(0);
    });

    it('does not count settled tasks nor detached work', async () => {
      const stuck = deferred<void>();
      const detached = inRun('run-1', undefined, () => manager.createTask(() => stuck.promise));
      expect(manager.getTaskCount({ runId: 'run-1' })).to.equal(3);
      await Promise.resolve();
      detached.cancel();
      expect(manager.getTaskCount({ runId: 'run-1' })).to.equal(2);
      await manager.cancelAll({ runId: 'run-1' });
      expect(manager.getTaskCount({ runId: 'run-1' })).to.equal(0);
      expect(manager.getTaskCount({ threadId: 'thread-1' })).to.equal(1);
      stuck.resolve();
    });

    it('refuses a filter it cannot read, naming the argument', () => {
      expect(invalidArgument(() => manager.getTaskCount({ runid: 'run-1' } as never)).argument).to.equal('runid');
      expect(invalidArgument(() => manager.getTaskCount({ runId: 1 } as never)).argument).to.equal('runId');
      expect(invalidArgument(() => manager.getTaskCount({ threadId: null } as never)).argument).to.equal('threadId');
      expect(invalidArgument(() => manager.getTaskCount({ name: {} } as never)).argument).to.equal('name');
      expect(invalidArgument(() => manager.getTaskCount('run-1' as never)).argument).to.equal('filter');
    });
  });

  describe('getTaskInfo(options)', () => {
    it('lists the tasks a filter selects, oldest first', () => {
      const a = inRun('run-1', 'thread-1', () => manager.createTask(hang, { name: 'a' }));
      inRun('run-2', 'thread-1', () => manager.createTask(hang, { name: 'b' }));
      const c = inRun('run-1', 'thread-1', () => manager.createTask(hang, { name: 'c' }));
      manager.createTask(hang, { name: 'a' });
      expect(manager.getTaskInfo({ runId: 'run-1' }).map((info) => info.id)).to.deep.equal([a.id, c.id]);
      expect(manager.getTaskInfo({ threadId: 'thread-1' }).map((info) => info.name)).to.deep.equal(['a', 'b', 'c']);
      expect(manager.getTaskInfo({ runId: 'run-1', name: 'c' }).map((info) => info.id)).to.deep.equal([c.id]);
      expect(manager.getTaskInfo({ runId: 'nope' })).to.deep.equal([]);
    });

    it('gives the same infos as the unfiltered list, with the run, thread and node', () => {
      const scope = manager.scope({ name: 'scope', runId: 'run-1', threadId: 'thread-1' });
      scope.run(() => manager.createTask(hang, { name: 'a', context: { k: 1 } }), { nodeName: 'node-a' });
      const [filtered] = manager.getTaskInfo({ scope });
      const [unfiltered] = manager.getTaskInfo();
      expect(filtered).to.deep.include({ name: 'a', runId: 'run-1', threadId: 'thread-1', nodeName: 'node-a', context: { k: 1 }, done: false });
      expect({ ...filtered, ageMs: 0 }).to.deep.equal({ ...unfiltered, ageMs: 0 });
    });

    it('lists the tasks in flight first, then detached work', async () => {
      const stuck = deferred<void>();
      const first = inRun('run-1', undefined, () => manager.createTask(() => stuck.promise, { name: 'first' }));
      const second = inRun('run-1', undefined, () => manager.createTask(hang, { name: 'second' }));
      const third = inRun('run-1', undefined, () => manager.createTask(() => stuck.promise, { name: 'third' }));
      await Promise.resolve();
      first.cancel();
      const infos = manager.getTaskInfo({ runId: 'run-1' });
      expect(infos.map((info) => [info.id, info.status, info.done])).to.deep.equal([
        [second.id, 'running', false],
        [third.id, 'running', false],
        [first.id, 'cancelled', false],
      ]);
      stuck.resolve();
      await nextTurn();
      expect(manager.getTaskInfo({ runId: 'run-1' }).map((info) => info.id)).to.deep.equal([second.id]);
    });

    // getTaskInfo(): "those in flight, then detached work ... oldest first within each group".
    describe('lists detached work oldest first, whatever order it was detached in', () => {
      let stuck: Deferred<void>;
      let older: TaskHandle<void>;
      let newer: TaskHandle<void>;

      beforeEach(async () => {
        stuck = deferred<void>();
        older = manager.createTask(() => stuck.promise, { name: 'x' });
        newer = manager.createTask(() => stuck.promise, { name: 'x' });
        await Promise.resolve();
        newer.cancel();
        older.cancel();
      });

      afterEach(() => {
        stuck.resolve();
      });

      it('unfiltered', () => {
        expect(manager.getTaskInfo().map((info) => info.id)).to.deep.equal([older.id, newer.id]);
      });

      it('by name, when the first filter by name comes after they were detached', () => {
        expect(manager.getTaskInfo({ name: 'x' }).map((info) => info.id)).to.deep.equal([older.id, newer.id]);
      });

      it('by scope', async () => {
        const scope = manager.scope({ name: 'scope' });
        const first = scope.createTask(() => stuck.promise);
        const second = scope.createTask(() => stuck.promise);
        await Promise.resolve();
        second.cancel();
        first.cancel();
        expect(manager.getTaskInfo({ scope }).map((info) => info.id)).to.deep.equal([first.id, second.id]);
      });
    });

    it('redacts names and contexts with redacted: true, with a filter', () => {
      inRun('run-1', undefined, () => manager.createTask(hang, { name: 'login', context: { password: 'hunter2' } }));
      expect(manager.getTaskInfo({ runId: 'run-1', redacted: true })[0]?.context).to.deep.equal({ password: '[REDACTED]' });
      expect(manager.getTaskInfo({ runId: 'run-1' })[0]?.context).to.deep.equal({ password: 'hunter2' });
    });

    it('refuses options it cannot read, naming the argument', () => {
      expect(invalidArgument(() => manager.getTaskInfo({ threadid: 't' } as never)).argument).to.equal('threadid');
      expect(invalidArgument(() => manager.getTaskInfo({ name: 3 } as never)).argument).to.equal('name');
      expect(invalidArgument(() => manager.getTaskInfo({ redacted: 'yes' } as never)).argument).to.equal('redacted');
    });
  });

  describe('cancelAll(reasonOrOptions)', () => {
    let run1: TaskHandle<never>[];
    let run2: TaskHandle<never>;
    let untagged: TaskHandle<never>;

    beforeEach(() => {
      run1 = [
        inRun('run-1', 'thread-1', () => manager.createTask(hang, { name: 'email' })),
        inRun('run-1', 'thread-1', () => manager.createTask(hang, { name: 'audit' })),
      ];
      run2 = inRun('run-2', 'thread-1', () => manager.createTask(hang, { name: 'email' }));
      untagged = manager.createTask(hang, { name: 'email' });
    });

    it('with { runId, reason }, cancels only that run’s tasks, with one error whose cause is the reason', async () => {
      const cancelled = await manager.cancelAll({ runId: 'run-1', reason: 'run aborted' });
      expect(cancelled).to.equal(2);
      expect(run1.map((handle) => handle.status)).to.deep.equal(['cancelled', 'cancelled']);
      expect(run2.status).to.equal('running');
      expect(untagged.status).to.equal('running');
      const error = run1[0]?.signal.reason as TaskCancelledError;
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect(error.cause).to.equal('run aborted');
      expect(error.taskName).to.equal(undefined);
      expect(run1[1]?.signal.reason).to.equal(error);
      const outcome = await run1[0]?.done;
      expect(outcome?.status === 'cancelled' && outcome.reason).to.equal(error);
      expect(await rejectionOf((run1[1] as TaskHandle<never>).result())).to.equal(error);
    });

    it('with { threadId }, { name } or { scope }, cancels only the matching tasks', async () => {
      expect(await manager.cancelAll({ name: 'audit' })).to.equal(1);
      expect(run1[1]?.status).to.equal('cancelled');
      expect(run1[0]?.status).to.equal('running');
      expect(await manager.cancelAll({ threadId: 'thread-1', name: 'email' })).to.equal(2);
      expect(run2.status).to.equal('cancelled');
      expect(untagged.status).to.equal('running');
      const scope = manager.scope({ name: 'scope' });
      const scoped = scope.createTask(hang);
      expect(await manager.cancelAll({ scope })).to.equal(1);
      expect(scoped.status).to.equal('cancelled');
      expect(untagged.status).to.equal('running');
    });

    it('cancels nothing, and resolves 0, for a filter nothing matches', async () => {
      expect(await manager.cancelAll({ runId: 'nope', reason: 'x' })).to.equal(0);
      expect(await manager.cancelAll({ runId: 'run-1', threadId: 'thread-2' })).to.equal(0);
      expect(manager.getTaskCount()).to.equal(4);
    });

    it('with a string reason, still cancels every task, the string as the cause', async () => {
      expect(await manager.cancelAll('user logged out')).to.equal(4);
      expect(manager.getTaskCount()).to.equal(0);
      expect((untagged.signal.reason as TaskCancelledError).cause).to.equal('user logged out');
    });

    it('with an Error reason, still cancels every task, the Error as the cause', async () => {
      const why = new Error('disconnected');
      expect(await manager.cancelAll(why)).to.equal(4);
      expect((run2.signal.reason as TaskCancelledError).cause).to.equal(why);
    });

    it('with no argument, { reason } or {}, cancels every task', async () => {
      expect(await manager.cancelAll({ reason: 'all' })).to.equal(4);
      expect((run2.signal.reason as TaskCancelledError).cause).to.equal('all');
      inRun('run-1', undefined, () => manager.createTask(hang));
      expect(await manager.cancelAll({})).to.equal(1);
      manager.createTask(hang);
      expect(await manager.cancelAll()).to.equal(1);
    });

    it('reads an object that is not a plain object (a Map) as the reason', async () => {
      const reason = new Map([['why', 'because']]);
      expect(await manager.cancelAll(reason as unknown as CancelReason)).to.equal(4); // a Map: not a plain object, so a reason at run time
      expect((untagged.signal.reason as TaskCancelledError).cause).to.equal(reason);
    });

    it('rejects a misspelt filter key with an InvalidArgumentError naming it, and cancels nothing', async () => {
      const result = manager.cancelAll({ runid: 'run-1' } as never); // a compile error too (see CancelReason): JavaScript callers get this
      const error = await rejectionOf(result);
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('runid');
      expect((error as InvalidArgumentError).message).to.contain('runId');
      expect(manager.getTaskCount()).to.equal(4);
      expect([...run1, run2, untagged].map((handle) => handle.status)).to.deep.equal(['running', 'running', 'running', 'running']);
    });

    it('rejects a filter field of the wrong type, and cancels nothing', async () => {
      const error = await rejectionOf(manager.cancelAll({ runId: 42, reason: 'x' } as never));
      expect((error as InvalidArgumentError).argument).to.equal('runId');
      expect(manager.getTaskCount()).to.equal(4);
    });

    it('does not touch tasks already settled or detached, nor tasks created after it', async () => {
      const stuck = deferred<void>();
      const detached = inRun('run-1', undefined, () => manager.createTask(() => stuck.promise));
      await Promise.resolve();
      detached.cancel('earlier');
      expect(await manager.cancelAll({ runId: 'run-1', reason: 'later' })).to.equal(2);
      expect((detached.signal.reason as TaskCancelledError).cause).to.equal('earlier');
      const fresh = inRun('run-1', undefined, () => manager.createTask(hang));
      expect(fresh.status).to.equal('pending');
      stuck.resolve();
    });
  });

  describe('waitForAll(options)', () => {
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = useFakeClock();
    });

    afterEach(() => {
      clock.restore();
    });

    it('with { runId }, resolves idle once that run’s tasks settle, while other tasks stay pending', async () => {
      const other = inRun('run-2', undefined, () => manager.createTask(hang));
      const untagged = manager.createTask(hang);
      inRun('run-1', undefined, () => manager.createTask(after(100, 'a')));
      inRun('run-1', undefined, () => manager.createTask(after(200, 'b')));
      const waiting = manager.waitForAll({ runId: 'run-1' });
      await clock.tickAsync(100);
      expect(await isSettled(waiting)).to.equal(false);
      await clock.tickAsync(100);
      expect(await waiting).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
      expect(other.status).to.equal('running');
      expect(untagged.status).to.equal('running');
    });

    it('resolves idle at once (a turn later) for a run with no task in flight', async () => {
      manager.createTask(hang);
      expect(await manager.waitForAll({ runId: 'empty' })).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
    });

    it('waits for tasks of that run created while it waits', async () => {
      inRun('run-1', undefined, () => manager.createTask(after(100, 'first')));
      const waiting = manager.waitForAll({ runId: 'run-1' });
      await clock.tickAsync(50);
      inRun('run-1', undefined, () => manager.createTask(after(100, 'second')));
      await clock.tickAsync(50);
      expect(await isSettled(waiting)).to.equal(false);
      await clock.tickAsync(50);
      expect((await waiting).status).to.equal('idle');
    });

    it('waits for a task of that run created in the same turn as the wait, when the run had none', async () => {
      const waiting = manager.waitForAll({ runId: 'run-1' });
      inRun('run-1', undefined, () => manager.createTask(after(100, 'late')));
      expect(await isSettled(waiting)).to.equal(false);
      await clock.tickAsync(100);
      expect((await waiting).status).to.equal('idle');
    });

    it('waits for a task of that run created by the work of one of its tasks as it settles', async () => {
      const scope = manager.scope({ name: 'run', runId: 'run-1' });
      scope.run(() =>
        manager.createTask(async () => {
          await after(50, undefined)();
          manager.createTask(after(100, 'follow-up'));
        }),
      );
      const waiting = manager.waitForAll({ runId: 'run-1' });
      await clock.tickAsync(50);
      expect(manager.getTaskCount({ runId: 'run-1' })).to.equal(1);
      expect(await isSettled(waiting)).to.equal(false);
      await clock.tickAsync(100);
      expect((await waiting).status).to.equal('idle');
    });

    it('rejects with the error of a failed task of that run', async () => {
      const boom = new Error('boom');
      inRun('run-1', undefined, () => manager.createTask(hang));
      inRun('run-1', undefined, () => manager.createTask(after(10, undefined, boom)));
      const failure = rejectionOf(manager.waitForAll({ runId: 'run-1' }));
      await clock.tickAsync(10);
      expect(await failure).to.equal(boom);
    });

    it('is not rejected by the failure of a task that does not match', async () => {
      inRun('run-2', undefined, () => manager.createTask(after(10, undefined, new Error('other run'))));
      manager.createTask(after(10, undefined, new Error('no run')));
      inRun('run-1', undefined, () => manager.createTask(after(10, undefined, new Error('other name')), { name: 'other' }));
      inRun('run-1', undefined, () => manager.createTask(after(20, 'ok'), { name: 'mine' }));
      const waiting = manager.waitForAll({ runId: 'run-1', name: 'mine' });
      await clock.tickAsync(20);
      expect(await waiting).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
    });

    it('with returnExceptions, resolves with the errors of the matching tasks only', async () => {
      const mine = new Error('mine');
      inRun('run-1', 'thread-1', () => manager.createTask(after(10, undefined, mine)));
      inRun('run-2', 'thread-2', () => manager.createTask(after(10, undefined, new Error('theirs'))));
      inRun('run-1', 'thread-1', () => manager.createTask(after(20, 'ok')));
      const waiting = manager.waitForAll({ threadId: 'thread-1', returnExceptions: true });
      await clock.tickAsync(20);
      expect(await waiting).to.deep.equal({ status: 'idle', errors: [mine], remaining: [] });
    });

    it('with timeoutMs, resolves timeout listing only the matching tasks still in flight, and cancels nothing', async () => {
      const scope = manager.scope({ name: 'scope' });
      const run1InScope = scope.scope({ name: 'run-1', runId: 'run-1' });
      const slow = run1InScope.createTask(hang, { name: 'slow' });
      inRun('run-1', undefined, () => manager.createTask(hang, { name: 'not-in-scope' }));
      scope.createTask(hang, { name: 'not-in-run' });
      run1InScope.createTask(after(10, 'quick'));
      const waiting = manager.waitForAll({ runId: 'run-1', scope, timeoutMs: 100 });
      await clock.tickAsync(100);
      const result = await waiting;
      expect(result.status).to.equal('timeout');
      expect(result.remaining.map((info) => info.id)).to.deep.equal([slow.id]);
      expect(slow.status).to.equal('running');
    });

    it('refuses options it cannot read, naming the argument', () => {
      expect(invalidArgument(() => manager.waitForAll({ runID: 'r' } as never)).argument).to.equal('runID');
      expect(invalidArgument(() => manager.waitForAll({ runId: 'r', timeoutMs: -1 })).argument).to.equal('timeoutMs');
      expect(invalidArgument(() => manager.waitForAll({ name: 1 } as never)).argument).to.equal('name');
    });
  });

  describe('the index by run, thread and name', () => {
    it('forgets finished runs: a filter for an old run finds nothing, and the index holds only live runs', async () => {
      const probe = inRun('probe', 'probe-thread', () => manager.createTask(hang, { name: 'probe' }));
      expect(manager.getTaskCount({ name: 'probe' })).to.equal(1); // from here, the name index is kept too
      for (let run = 0; run < 300; run++) {
        const gate = deferred<void>();
        const handles = inRun(`run-${run}`, `thread-${run % 7}`, () => [
          manager.createTask(() => gate.promise, { name: `step-${run}` }),
          manager.createTask(() => gate.promise, { name: `step-${run}` }),
        ]);
        expect(manager.getTaskCount({ runId: `run-${run}` })).to.equal(2);
        gate.resolve();
        await Promise.all(handles.map((handle) => handle.done));
      }
      expect(manager.getTaskCount({ runId: 'run-0' })).to.equal(0);
      expect(manager.getTaskInfo({ runId: 'run-0' })).to.deep.equal([]);
      expect(manager.getTaskCount({ threadId: 'thread-0' })).to.equal(0);
      expect(manager.getTaskCount({ name: 'step-0' })).to.equal(0);
      expect(runIndexSize(probe, 'probe')).to.equal(1);
    });

    it('forgets the groups a filtered wait made, whether it resolved, timed out or rejected', async () => {
      const probe = inRun('probe', undefined, () => manager.createTask(hang, { name: 'probe' }));
      expect(manager.getTaskCount({ runId: 'probe' })).to.equal(1); // the index by run is built on the first filter by run
      expect(runIndexSize(probe, 'probe')).to.equal(1);
      await manager.waitForAll({ runId: 'never-had-tasks' });
      expect(runIndexSize(probe, 'probe')).to.equal(1);
      const clock = useFakeClock();
      try {
        inRun('run-slow', undefined, () => manager.createTask(after(500, 'slow')));
        expect((await Promise.all([manager.waitForAll({ runId: 'run-slow', timeoutMs: 10 }), clock.tickAsync(10)]))[0].status).to.equal('timeout');
        await clock.tickAsync(500);
        inRun('run-fail', 'thread-fail', () => manager.createTask(after(10, undefined, new Error('boom'))));
        inRun('run-fail', 'thread-fail', () => manager.createTask(after(20, 'later')));
        const failure = rejectionOf(manager.waitForAll({ runId: 'run-fail', threadId: 'thread-fail' }));
        await clock.tickAsync(10);
        await failure;
        await clock.tickAsync(10);
      } finally {
        clock.restore();
      }
      expect(manager.getTaskCount({ runId: 'run-fail' })).to.equal(0);
      expect(runIndexSize(probe, 'probe')).to.equal(1);
    });
  });

  describe('filters (model-based)', () => {
    type Outcome = 'complete' | 'fail' | 'hang' | 'ignore';
    type ScopeChoice = 'none' | 'outer' | 'inner';

    interface TaskSpec {
      readonly runId: string | undefined;
      readonly threadId: string | undefined;
      readonly name: string;
      readonly scope: ScopeChoice;
      readonly viaRun: boolean;
      readonly outcome: Outcome;
    }

    interface FilterSpec {
      readonly runId?: string;
      readonly threadId?: string;
      readonly name?: string;
      readonly scope?: 'outer' | 'inner';
    }

    const RUNS = ['r1', 'r2', 'r3'];
    const THREADS = ['t1', 't2'];
    const NAMES = ['a', 'b', 'c'];

    const taskArb: fc.Arbitrary<TaskSpec> = fc.record({
      runId: fc.option(fc.constantFrom(...RUNS), { nil: undefined }),
      threadId: fc.option(fc.constantFrom(...THREADS), { nil: undefined }),
      name: fc.constantFrom(...NAMES),
      scope: fc.constantFrom<ScopeChoice>('none', 'outer', 'inner'),
      viaRun: fc.boolean(),
      outcome: fc.constantFrom<Outcome>('complete', 'fail', 'hang', 'ignore'),
    });

    const filterArb: fc.Arbitrary<FilterSpec> = fc.record(
      {
        runId: fc.constantFrom(...RUNS, 'r-none'),
        threadId: fc.constantFrom(...THREADS, 't-none'),
        name: fc.constantFrom(...NAMES, 'n-none'),
        scope: fc.constantFrom<'outer' | 'inner'>('outer', 'inner'),
      },
      { requiredKeys: [] },
    );

    interface Run {
      readonly handle: TaskHandle<unknown>;
      readonly scopes: ReadonlySet<string>;
      readonly gate: Deferred<unknown>;
    }

    /**
     * Creates the tasks, cancels some with filters, settles the rest, and after each step checks getTaskCount(filter)
     * and getTaskInfo(filter) against a naive filter over the unfiltered getTaskInfo(); `ordered` also checks the
     * documented order (in flight, then detached work, oldest first in each).
     */
    async function runModel(tasks: readonly TaskSpec[], cancels: readonly FilterSpec[], probes: readonly FilterSpec[], ordered: boolean): Promise<void> {
      const model = new BackgroundTaskManager({ logger: capturingLogger('silent').logger, maxPendingTasks: 0 });
      const tags = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const outer = model.scope({ name: 'outer' });
      const inner = outer.scope({ name: 'inner' });
      const scopes = { outer, inner };
      const runs = new Map<number, Run>();
      try {
        for (const spec of tasks) {
          const gate = deferred<unknown>();
          const work =
            spec.outcome === 'hang'
              ? (signal: AbortSignal): Promise<unknown> => untilAborted(signal)
              : (): Promise<unknown> => gate.promise; // complete, fail and ignore: their work ignores the signal
          const target = spec.scope === 'none' ? undefined : scopes[spec.scope];
          const tagged = spec.runId !== undefined || spec.threadId !== undefined;
          let handle: TaskHandle<unknown>;
          if (target === undefined) {
            const create = (): TaskHandle<unknown> => model.createTask(work, { name: spec.name });
            handle = tagged ? tags.scope({ name: 'tags', runId: spec.runId, threadId: spec.threadId }).run(create) : create();
          } else {
            const owner = tagged ? target.scope({ name: 'tags', runId: spec.runId, threadId: spec.threadId }) : target;
            handle = spec.viaRun ? owner.run(() => model.createTask(work, { name: spec.name })) : owner.createTask(work, { name: spec.name });
          }
          const member = new Set<string>(spec.scope === 'inner' ? ['inner', 'outer'] : spec.scope === 'outer' ? ['outer'] : []);
          runs.set(handle.id, { handle, scopes: member, gate });
          expect([handle.runId, handle.threadId]).to.deep.equal([spec.runId, spec.threadId]);
        }
        await Promise.resolve();

        const toFilter = (spec: FilterSpec): TaskFilter => ({
          ...(spec.runId === undefined ? {} : { runId: spec.runId }),
          ...(spec.threadId === undefined ? {} : { threadId: spec.threadId }),
          ...(spec.name === undefined ? {} : { name: spec.name }),
          ...(spec.scope === undefined ? {} : { scope: scopes[spec.scope] }),
        });
        const matches = (info: TaskInfo, spec: FilterSpec): boolean =>
          (spec.runId === undefined || info.runId === spec.runId) &&
          (spec.threadId === undefined || info.threadId === spec.threadId) &&
          (spec.name === undefined || info.name === spec.name) &&
          (spec.scope === undefined || (runs.get(info.id)?.scopes.has(spec.scope) ?? false));
        const byId = (a: TaskInfo, b: TaskInfo): number => a.id - b.id;

        const check = (step: string): void => {
          const all = model.getTaskInfo();
          // (The unfiltered order has a test of its own above: here, every filter against it, order aside.)
          const specs: FilterSpec[] = [{}, ...probes, ...cancels];
          for (const spec of ordered ? specs.filter((each) => Object.keys(each).length > 0) : specs) {
            const label = `${step}: filter ${JSON.stringify(spec)}`;
            const naive = all.filter((info) => matches(info, spec));
            const inFlight = naive.filter((info) => !isFinalStatus(info.status));
            const detached = naive.filter((info) => isFinalStatus(info.status));
            expect(model.getTaskCount(toFilter(spec)), label).to.equal(inFlight.length);
            const actual = model.getTaskInfo(toFilter(spec)).map((info) => info.id);
            if (ordered) {
              expect(actual, label).to.deep.equal([...inFlight.sort(byId), ...detached.sort(byId)].map((info) => info.id));
            } else {
              expect([...actual].sort((a, b) => a - b), label).to.deep.equal(naive.map((info) => info.id).sort((a, b) => a - b));
            }
          }
          // getTaskInfo() lists every task in flight, and otherwise only detached work (a final status, not done).
          const inFlightIds = [...runs.values()].filter(({ handle }) => !isFinalStatus(handle.status)).map(({ handle }) => handle.id);
          expect(all.filter((info) => !isFinalStatus(info.status)).map((info) => info.id).sort((a, b) => a - b), step).to.deep.equal(inFlightIds.sort((a, b) => a - b));
          for (const info of all) if (isFinalStatus(info.status)) expect(info.done, step).to.equal(false);
          expect(model.getTaskCount(), step).to.equal([...runs.values()].filter(({ handle }) => !isFinalStatus(handle.status)).length);
          for (const counts of [currentCounts(model), currentCounts(outer), currentCounts(inner)]) expectBalanced(counts);
        };

        check('created');

        for (const [index, spec] of cancels.entries()) {
          const reason = `cancel-${index}`;
          const before = model.getTaskInfo().filter((info) => !isFinalStatus(info.status) && matches(info, spec)).map((info) => info.id);
          const statuses = new Map([...runs].map(([id, run]) => [id, run.handle.status]));
          const cancelled = await model.cancelAll({ ...toFilter(spec), reason });
          expect(cancelled, `cancelAll(${JSON.stringify(spec)})`).to.equal(before.length);
          for (const [id, run] of runs) {
            if (before.includes(id)) {
              expect(run.handle.status).to.equal('cancelled');
              const outcome = await run.handle.done;
              expect(outcome.status === 'cancelled' && (outcome.reason as TaskCancelledError).cause).to.equal(reason);
            } else {
              expect(run.handle.status, `task ${id} not selected by ${JSON.stringify(spec)}`).to.equal(statuses.get(id));
            }
          }
          check(`after cancelAll #${index}`);
        }

        for (const [index, spec] of tasks.entries()) {
          const run = [...runs.values()][index] as Run;
          if (spec.outcome === 'complete') run.gate.resolve('done');
          if (spec.outcome === 'fail') run.gate.reject(new Error('failed'));
        }
        await nextTurn();
        check('settled');
        const counts = currentCounts(model);
        expect(counts.completed + counts.failed + counts.cancelled, 'every task created').to.equal(counts.created - counts.active);
        expect(counts.created).to.equal(tasks.length);
      } finally {
        for (const run of runs.values()) run.gate.resolve('released');
        await model.shutdown({ timeoutMs: 50 });
        await tags.shutdown({ timeoutMs: 50 });
      }
    }

    const property = (ordered: boolean): fc.IAsyncProperty<[TaskSpec[], FilterSpec[], FilterSpec[]]> =>
      fc.asyncProperty(
        fc.array(taskArb, { minLength: 1, maxLength: 14 }),
        fc.array(filterArb, { maxLength: 3 }),
        fc.array(filterArb, { minLength: 1, maxLength: 6 }),
        (tasks, cancels, probes) => runModel(tasks, cancels, probes, ordered),
      );

    it('getTaskCount(filter) and getTaskInfo(filter) select what a naive filter over getTaskInfo() selects, before and after cancelAll(filter) and settling', async () => {
      await fc.assert(property(false), { numRuns: Number(process.env.MODEL_RUNS ?? 150) });
    });

    it('getTaskInfo(filter) lists them in the documented order: in flight, then detached work, oldest first in each', async () => {
      await fc.assert(property(true), { numRuns: Number(process.env.MODEL_RUNS ?? 150) });
    });
  });
});
