import { getEventListeners } from 'node:events';
import { expect } from 'chai';
import sinon from 'sinon';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  TaskCancelledError,
  TaskDroppedError,
  TaskScope,
  TaskTimeoutError,
  getCurrentTaskScope,
  type TaskCounts,
  type TaskEvent,
  type TaskHandle,
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
} from '../support/helpers';

/** Work that settles after `ms` (fake) milliseconds with `value`, or rejects with `error`. */
function after<T>(ms: number, value: T, error?: unknown): () => Promise<T> {
  return () =>
    new Promise<T>((resolve, reject) => {
      setTimeout(() => (error === undefined ? resolve(value) : reject(error)), ms);
    });
}

/** A real timer of `ms` milliseconds (a few at most: the tests stay fast). */
function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function expectBalanced(counts: TaskCounts): void {
  expect(counts.active + counts.completed + counts.failed + counts.cancelled + counts.timedOut, JSON.stringify(counts)).to.equal(
    counts.created,
  );
}

/** The error `fn` throws, checked to be an InvalidArgumentError. */
function invalidArgument(fn: () => unknown): InvalidArgumentError {
  const error = thrownBy(fn);
  expect(error).to.be.instanceOf(InvalidArgumentError);
  return error as InvalidArgumentError;
}

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

  describe('scope()', () => {
    it('makes a scope of the manager with the name, run and thread given, no parent, open', () => {
      const scope = manager.scope({ name: 'request', runId: 'run-1', threadId: 'thread-1' });
      expect(scope).to.be.instanceOf(TaskScope);
      expect(scope.name).to.equal('request');
      expect(scope.runId).to.equal('run-1');
      expect(scope.threadId).to.equal('thread-1');
      expect(scope.parent).to.equal(undefined);
      expect(scope.closed).to.equal(false);
    });

    it('makes a scope with no run and no thread when none is given and it is made outside any scope', () => {
      const scope = manager.scope({ name: 'job' });
      expect(scope.runId).to.equal(undefined);
      expect(scope.threadId).to.equal(undefined);
    });

    it('makes a child of the scope it is made in (inside scope.run()), with its run and thread', () => {
      const outer = manager.scope({ name: 'outer', runId: 'run-1', threadId: 'thread-1' });
      const inner = outer.run(() => manager.scope({ name: 'inner' }));
      expect(inner.parent).to.equal(outer);
      expect(inner.runId).to.equal('run-1');
      expect(inner.threadId).to.equal('thread-1');
    });

    it('takes the run and thread of another manager’s scope it is made in, without becoming its child', () => {
      const other = new BackgroundTaskManager({ logger: log.logger });
      const foreign = other.scope({ name: 'foreign', runId: 'run-9', threadId: 'thread-9' });
      const scope = foreign.run(() => manager.scope({ name: 'mine' }));
      expect(scope.parent).to.equal(undefined);
      expect(scope.runId).to.equal('run-9');
      expect(scope.threadId).to.equal('thread-9');
      void other.shutdown({ timeoutMs: 10 });
    });

    describe('with options it cannot accept', () => {
      const cases: readonly { label: string; options: unknown; argument: string }[] = [
        { label: 'no options at all', options: undefined, argument: 'options' },
        { label: 'options that are not an object', options: 'request', argument: 'options' },
        { label: 'a missing name', options: {}, argument: 'name' },
        { label: 'a name that is not a string', options: { name: 42 }, argument: 'name' },
        { label: 'an unknown key', options: { name: 'n', runid: 'r' }, argument: 'runid' },
        { label: 'a timeoutMs of 0', options: { name: 'n', timeoutMs: 0 }, argument: 'timeoutMs' },
        { label: 'a negative timeoutMs', options: { name: 'n', timeoutMs: -5 }, argument: 'timeoutMs' },
        { label: 'a NaN timeoutMs', options: { name: 'n', timeoutMs: Number.NaN }, argument: 'timeoutMs' },
        { label: 'an infinite timeoutMs', options: { name: 'n', timeoutMs: Number.POSITIVE_INFINITY }, argument: 'timeoutMs' },
        { label: 'a string timeoutMs', options: { name: 'n', timeoutMs: '100' }, argument: 'timeoutMs' },
        { label: 'a context that is not an object', options: { name: 'n', context: 'ctx' }, argument: 'context' },
        { label: 'a signal that is not an AbortSignal', options: { name: 'n', signal: {} }, argument: 'signal' },
        { label: 'a runId that is not a string', options: { name: 'n', runId: 7 }, argument: 'runId' },
        { label: 'a threadId that is not a string', options: { name: 'n', threadId: 7 }, argument: 'threadId' },
      ];
      for (const { label, options, argument } of cases) {
        it(`throws an InvalidArgumentError naming \`${argument}\` for ${label}`, () => {
          expect(invalidArgument(() => manager.scope(options as never)).argument).to.equal(argument);
        });

        it(`throws an InvalidArgumentError naming \`${argument}\` for ${label}, for a child scope too`, () => {
          const parent = manager.scope({ name: 'parent' });
          expect(invalidArgument(() => parent.scope(options as never)).argument).to.equal(argument);
        });
      }

      it('suggests the option meant for a misspelt key', () => {
        const error = invalidArgument(() => manager.scope({ name: 'n', runid: 'r' } as never));
        expect(error.message).to.contain('runId');
      });
    });
  });

  describe('a filter with a scope', () => {
    let other: BackgroundTaskManager;
    let foreign: TaskScope;

    beforeEach(() => {
      other = new BackgroundTaskManager({ logger: log.logger });
      foreign = other.scope({ name: 'foreign' });
    });

    afterEach(async () => {
      await other.shutdown({ timeoutMs: 10 });
    });

    it('refuses a scope of another manager in getTaskCount() with an InvalidArgumentError naming `scope`', () => {
      expect(invalidArgument(() => manager.getTaskCount({ scope: foreign })).argument).to.equal('scope');
    });

    it('refuses a scope of another manager in getTaskInfo()', () => {
      expect(invalidArgument(() => manager.getTaskInfo({ scope: foreign })).argument).to.equal('scope');
    });

    it('refuses a scope of another manager in waitForAll()', () => {
      expect(invalidArgument(() => manager.waitForAll({ scope: foreign })).argument).to.equal('scope');
    });

    it('rejects cancelAll() with a scope of another manager, and cancels nothing', async () => {
      const mine = manager.createTask((signal) => untilAborted(signal));
      const theirs = foreign.createTask((signal) => untilAborted(signal));
      const error = await rejectionOf(manager.cancelAll({ scope: foreign }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal('scope');
      expect(mine.status).to.not.equal('cancelled');
      expect(theirs.status).to.not.equal('cancelled');
    });

    it('refuses something that only looks like a scope', () => {
      const fake = Object.create(TaskScope.prototype) as TaskScope;
      expect(invalidArgument(() => manager.getTaskCount({ scope: fake })).argument).to.equal('scope');
      expect(invalidArgument(() => manager.getTaskCount({ scope: { name: 'x' } as never })).argument).to.equal('scope');
    });
  });
});

describe('TaskScope', () => {
  let log: CapturingLogger;
  let manager: BackgroundTaskManager;

  beforeEach(() => {
    log = capturingLogger();
    manager = new BackgroundTaskManager({ logger: log.logger });
  });

  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 50 });
  });

  describe('createTask()', () => {
    it('gives the task the scope’s context under its own: the task’s keys win', async () => {
      const scope = manager.scope({ name: 'request', context: { requestId: 'req-1', user: 'scope-user' } });
      const handle = scope.createTask(async () => 1, { context: { user: 'task-user', extra: true } });
      expect(handle.context).to.deep.equal({ requestId: 'req-1', user: 'task-user', extra: true });
      const [info] = scope.getTaskInfo();
      expect(info?.context).to.deep.equal({ requestId: 'req-1', user: 'task-user', extra: true });
      await handle.done;
    });

    it('gives a task with no context of its own the scope’s context', () => {
      const scope = manager.scope({ name: 'request', context: { requestId: 'req-1' } });
      const handle = scope.createTask((signal) => untilAborted(signal));
      expect(handle.context).to.deep.equal({ requestId: 'req-1' });
    });

    it('layers a child scope’s context over its parent’s', () => {
      const parent = manager.scope({ name: 'parent', context: { a: 'parent', b: 'parent' } });
      const child = parent.scope({ name: 'child', context: { b: 'child', c: 'child' } });
      const handle = child.createTask((signal) => untilAborted(signal), { context: { c: 'task' } });
      expect(handle.context).to.deep.equal({ a: 'parent', b: 'child', c: 'task' });
    });

    it('does not let a later change of the context object given change the scope’s context', () => {
      const given: Record<string, unknown> = { requestId: 'req-1' };
      const scope = manager.scope({ name: 'request', context: given });
      given['requestId'] = 'changed';
      expect(scope.createTask((signal) => untilAborted(signal)).context).to.deep.equal({ requestId: 'req-1' });
    });

    describe('with a scope timeoutMs', () => {
      let clock: sinon.SinonFakeTimers;

      beforeEach(() => {
        clock = useFakeClock();
      });

      afterEach(() => {
        clock.restore();
      });

      it('times a task that gives no timeout out after the scope’s timeoutMs', async () => {
        const scope = manager.scope({ name: 'request', timeoutMs: 100 });
        const handle = scope.createTask((signal) => untilAborted(signal), { name: 'slow' });
        expect(handle.timeoutMs).to.equal(100);
        await clock.tickAsync(99);
        expect(handle.status).to.equal('running');
        await clock.tickAsync(1);
        expect(handle.status).to.equal('timed_out');
        const outcome = await handle.done;
        expect(outcome.status === 'timed_out' && outcome.reason).to.be.instanceOf(TaskTimeoutError);
      });

      it('keeps a task’s own timeoutMs over the scope’s', async () => {
        const scope = manager.scope({ name: 'request', timeoutMs: 100 });
        const handle = scope.createTask((signal) => untilAborted(signal), { timeoutMs: 300 });
        expect(handle.timeoutMs).to.equal(300);
        await clock.tickAsync(100);
        expect(handle.status).to.equal('running');
        await clock.tickAsync(200);
        expect(handle.status).to.equal('timed_out');
      });

      it('is inherited by a child scope that gives none, and a child’s own wins', () => {
        const parent = manager.scope({ name: 'parent', timeoutMs: 100 });
        expect(parent.scope({ name: 'child' }).createTask((signal) => untilAborted(signal)).timeoutMs).to.equal(100);
        expect(parent.scope({ name: 'child', timeoutMs: 40 }).createTask((signal) => untilAborted(signal)).timeoutMs).to.equal(40);
      });

      it('gives a task with manager.createTask() inside scope.run() the scope’s timeoutMs', async () => {
        const scope = manager.scope({ name: 'request', timeoutMs: 50 });
        const handle = scope.run(() => manager.createTask((signal) => untilAborted(signal)));
        expect(handle.timeoutMs).to.equal(50);
        await clock.tickAsync(50);
        expect(handle.status).to.equal('timed_out');
      });
    });

    it('tags the task with the scope’s run and thread, on its handle, its info and its events', async () => {
      const events: TaskEvent[] = [];
      manager.events$.subscribe((event) => events.push(event));
      const scope = manager.scope({ name: 'run', runId: 'run-1', threadId: 'thread-1' });
      const handle = scope.createTask(async () => 'ok', { name: 'tagged' });
      expect([handle.runId, handle.threadId, handle.nodeName]).to.deep.equal(['run-1', 'thread-1', undefined]);
      const [info] = manager.getTaskInfo();
      expect([info?.runId, info?.threadId, info?.nodeName]).to.deep.equal(['run-1', 'thread-1', undefined]);
      await handle.done;
      expect(events.map((event) => [event.type, event.runId, event.threadId])).to.deep.equal([
        ['created', 'run-1', 'thread-1'],
        ['started', 'run-1', 'thread-1'],
        ['completed', 'run-1', 'thread-1'],
      ]);
    });

    it('tags the tasks of a child scope with the run and thread it inherits', () => {
      const parent = manager.scope({ name: 'parent', runId: 'run-1', threadId: 'thread-1' });
      const child = parent.scope({ name: 'child' });
      expect(child.parent).to.equal(parent);
      expect([child.runId, child.threadId]).to.deep.equal(['run-1', 'thread-1']);
      const handle = child.createTask((signal) => untilAborted(signal));
      expect([handle.runId, handle.threadId]).to.deep.equal(['run-1', 'thread-1']);
    });

    it('tags the tasks of a child scope with its own run and thread when it gives both', () => {
      const parent = manager.scope({ name: 'parent', runId: 'run-1', threadId: 'thread-1' });
      const child = parent.scope({ name: 'child', runId: 'run-2', threadId: 'thread-2' });
      const handle = child.createTask((signal) => untilAborted(signal));
      expect([handle.runId, handle.threadId]).to.deep.equal(['run-2', 'thread-2']);
    });

    // TaskScopeOptions.threadId: "Default: its parent's, or that of the run the scope is created in."
    it('keeps the parent’s thread for a child scope that gives only its own run (threadId defaults to the parent’s)', () => {
      const parent = manager.scope({ name: 'parent', runId: 'run-1', threadId: 'thread-1' });
      const child = parent.scope({ name: 'sub-run', runId: 'run-2' });
      expect(child.runId).to.equal('run-2');
      expect(child.threadId).to.equal('thread-1');
    });

    // createTask(): "the scope's context under the task's own, the scope's timeoutMs ..., and the scope's run and thread".
    it('tags a task with this scope’s run and thread even when called inside run() of a child scope with a run of its own', () => {
      const parent = manager.scope({ name: 'parent', runId: 'run-1', threadId: 'thread-1' });
      const child = parent.scope({ name: 'child', runId: 'run-2', threadId: 'thread-2' });
      const handle = child.run(() => parent.createTask((signal) => untilAborted(signal)));
      expect(child.getTaskCount()).to.equal(0); // it is the parent's task, not the child's
      expect([handle.runId, handle.threadId]).to.deep.equal(['run-1', 'thread-1']);
      expect(manager.getTaskCount({ runId: 'run-2' })).to.equal(child.getTaskCount());
    });

    it('counts the task in the manager too: its count, its counts$ and its list', async () => {
      const counts: TaskCounts[] = [];
      manager.counts$.subscribe((value) => counts.push(value));
      const scope = manager.scope({ name: 'request' });
      const gate = deferred<void>();
      const handle = scope.createTask(() => gate.promise);
      expect(manager.getTaskCount()).to.equal(1);
      expect(manager.pendingCount).to.equal(1);
      expect(manager.getTaskInfo().map((info) => info.id)).to.deep.equal([handle.id]);
      expect(counts.at(-1)).to.include({ created: 1, active: 1 });
      gate.resolve();
      await handle.done;
      expect(manager.getTaskCount()).to.equal(0);
      expect(counts.at(-1)).to.include({ created: 1, active: 0, completed: 1 });
    });

    it('is cancelled by manager.shutdown() like any task', async () => {
      const scope = manager.scope({ name: 'request' });
      const handle = scope.createTask((signal) => untilAborted(signal));
      await manager.shutdown({ timeoutMs: 50 });
      expect(handle.status).to.equal('cancelled');
      expect(scope.createTask(async () => 1).status).to.equal('dropped');
    });

    it('refuses bad options as manager.createTask() does, tracking nothing', () => {
      const scope = manager.scope({ name: 'request' });
      expect(invalidArgument(() => scope.createTask(async () => 1, { timeoutMs: -1 })).argument).to.equal('timeoutMs');
      expect(invalidArgument(() => scope.createTask(async () => 1, { nmae: 'x' } as never)).argument).to.equal('nmae');
      expect(scope.getTaskCount()).to.equal(0);
      expect(manager.getTaskCount()).to.equal(0);
    });
  });

  describe('getTaskCount(), getTaskInfo(), cancelAll() and waitForAll()', () => {
    let parent: TaskScope;
    let child: TaskScope;
    let sibling: TaskScope;
    let inParent: TaskHandle<never>;
    let inChild: TaskHandle<never>;
    let inSibling: TaskHandle<never>;
    let outside: TaskHandle<never>;

    beforeEach(() => {
      parent = manager.scope({ name: 'parent' });
      child = parent.scope({ name: 'child' });
      sibling = manager.scope({ name: 'sibling' });
      inParent = parent.createTask((signal) => untilAborted(signal), { name: 'in-parent' });
      inChild = child.createTask((signal) => untilAborted(signal), { name: 'in-child' });
      inSibling = sibling.createTask((signal) => untilAborted(signal), { name: 'in-sibling' });
      outside = manager.createTask((signal) => untilAborted(signal), { name: 'outside' });
    });

    it('getTaskCount() counts the scope’s tasks in flight and its children’s, and no other', () => {
      expect(parent.getTaskCount()).to.equal(2);
      expect(child.getTaskCount()).to.equal(1);
      expect(sibling.getTaskCount()).to.equal(1);
      expect(manager.getTaskCount()).to.equal(4);
      inChild.cancel();
      expect(parent.getTaskCount()).to.equal(1);
      expect(child.getTaskCount()).to.equal(0);
    });

    it('getTaskCount() with a scope filter on the manager agrees with the scope’s own count', () => {
      expect(manager.getTaskCount({ scope: parent })).to.equal(2);
      expect(manager.getTaskCount({ scope: child })).to.equal(1);
    });

    it('getTaskInfo() lists the scope’s tasks and its children’s, oldest first', () => {
      expect(parent.getTaskInfo().map((info) => info.name)).to.deep.equal(['in-parent', 'in-child']);
      expect(child.getTaskInfo().map((info) => info.name)).to.deep.equal(['in-child']);
      expect(sibling.getTaskInfo().map((info) => info.name)).to.deep.equal(['in-sibling']);
    });

    it('getTaskInfo() lists its tasks in flight first, then its detached work', async () => {
      const stuck = deferred<void>();
      const detached = parent.createTask(() => stuck.promise, { name: 'detached' });
      const later = parent.createTask((signal) => untilAborted(signal), { name: 'later' });
      await Promise.resolve();
      detached.cancel();
      const infos = parent.getTaskInfo();
      expect(infos.map((info) => [info.name, info.done])).to.deep.equal([
        ['in-parent', false],
        ['in-child', false],
        ['later', false],
        ['detached', false],
      ]);
      expect(infos.at(-1)?.status).to.equal('cancelled');
      expect(parent.getTaskCount()).to.equal(3);
      stuck.resolve();
      await nextTurn();
      expect(parent.getTaskInfo().map((info) => info.name)).to.not.include('detached');
      void later;
    });

    it('getTaskInfo({ redacted: true }) redacts names and contexts; a bad option is refused by name', () => {
      const scope = manager.scope({ name: 'secrets', context: { password: 'hunter2' } });
      scope.createTask((signal) => untilAborted(signal), { name: 'login' });
      expect(scope.getTaskInfo()[0]?.context).to.deep.equal({ password: 'hunter2' });
      expect(scope.getTaskInfo({ redacted: true })[0]?.context).to.deep.equal({ password: '[REDACTED]' });
      expect(invalidArgument(() => scope.getTaskInfo({ redacted: 'yes' } as never)).argument).to.equal('redacted');
      expect(invalidArgument(() => scope.getTaskInfo({ runId: 'r' } as never)).argument).to.equal('runId');
    });

    it('cancelAll() cancels the scope’s tasks and its children’s only, with the reason as the cause', async () => {
      const cancelled = await parent.cancelAll('request aborted');
      expect(cancelled).to.equal(2);
      expect(inParent.status).to.equal('cancelled');
      expect(inChild.status).to.equal('cancelled');
      expect(inSibling.status).to.equal('running');
      expect(outside.status).to.equal('running');
      const reason = inParent.signal.reason as TaskCancelledError;
      expect(reason).to.be.instanceOf(TaskCancelledError);
      expect(reason.cause).to.equal('request aborted');
      expect(inChild.signal.reason).to.equal(reason);
    });

    it('cancelAll() on a child scope leaves its parent’s own tasks alone', async () => {
      expect(await child.cancelAll()).to.equal(1);
      expect(inChild.status).to.equal('cancelled');
      expect(inParent.status).to.equal('running');
      expect(await child.cancelAll()).to.equal(0);
    });

    it('cancelAll() leaves the scope open', async () => {
      await parent.cancelAll();
      expect(parent.closed).to.equal(false);
      expect(parent.createTask((signal) => untilAborted(signal)).status).to.equal('pending');
    });

    describe('waitForAll()', () => {
      let clock: sinon.SinonFakeTimers;

      beforeEach(async () => {
        // The tasks of the outer beforeEach hang: clear them for timing tests of our own.
        await manager.cancelAll();
        clock = useFakeClock();
      });

      afterEach(() => {
        clock.restore();
      });

      it('resolves idle once the scope’s tasks (its children’s included) settle, while other tasks stay pending', async () => {
        const otherWork = manager.createTask((signal) => untilAborted(signal), { name: 'other' });
        sibling.createTask((signal) => untilAborted(signal));
        parent.createTask(after(100, 'a'));
        child.createTask(after(200, 'b'));
        const waiting = parent.waitForAll();
        await clock.tickAsync(100);
        expect(await isSettled(waiting)).to.equal(false);
        await clock.tickAsync(100);
        expect(await waiting).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
        expect(otherWork.status).to.equal('running');
      });

      it('waits for tasks of the scope created while it waits', async () => {
        parent.createTask(after(100, 'first'));
        const waiting = parent.waitForAll();
        await clock.tickAsync(50);
        child.createTask(after(100, 'second'));
        await clock.tickAsync(50);
        expect(await isSettled(waiting)).to.equal(false);
        await clock.tickAsync(50);
        expect((await waiting).status).to.equal('idle');
      });

      it('rejects with the error of a task of the scope that fails', async () => {
        const boom = new Error('boom');
        parent.createTask((signal) => untilAborted(signal));
        child.createTask(after(10, undefined, boom));
        const failure = rejectionOf(parent.waitForAll());
        await clock.tickAsync(10);
        expect(await failure).to.equal(boom);
      });

      it('is not rejected by a failure of a task outside the scope', async () => {
        sibling.createTask(after(10, undefined, new Error('not mine')));
        manager.createTask(after(10, undefined, new Error('not mine either')));
        parent.createTask(after(20, 'ok'));
        const waiting = parent.waitForAll();
        await clock.tickAsync(20);
        expect(await waiting).to.deep.equal({ status: 'idle', errors: [], remaining: [] });
      });

      it('with returnExceptions, resolves with the errors of the scope’s failed tasks only', async () => {
        const mine = new Error('mine');
        parent.createTask(after(10, undefined, mine));
        sibling.createTask(after(10, undefined, new Error('theirs')));
        const waiting = parent.waitForAll({ returnExceptions: true });
        await clock.tickAsync(10);
        expect(await waiting).to.deep.equal({ status: 'idle', errors: [mine], remaining: [] });
      });

      it('with timeoutMs, resolves timeout listing only the scope’s tasks still in flight', async () => {
        const slow = child.createTask((signal) => untilAborted(signal), { name: 'slow' });
        sibling.createTask((signal) => untilAborted(signal), { name: 'sibling-slow' });
        manager.createTask((signal) => untilAborted(signal), { name: 'outside-slow' });
        const waiting = parent.waitForAll({ timeoutMs: 100 });
        await clock.tickAsync(100);
        const result = await waiting;
        expect(result.status).to.equal('timeout');
        expect(result.remaining.map((info) => info.id)).to.deep.equal([slow.id]);
        expect(slow.status).to.equal('running');
      });

      it('refuses bad options by name', () => {
        expect(invalidArgument(() => parent.waitForAll({ timeoutMs: 0 })).argument).to.equal('timeoutMs');
        expect(invalidArgument(() => parent.waitForAll({ returnExceptions: 1 } as never)).argument).to.equal('returnExceptions');
        expect(invalidArgument(() => parent.waitForAll({ runId: 'r' } as never)).argument).to.equal('runId');
      });
    });
  });

  describe('events$ and counts$', () => {
    it('events$ emits the whole lifecycle of the scope’s tasks (its children’s included), and nothing else', async () => {
      const parent = manager.scope({ name: 'parent' });
      const child = parent.scope({ name: 'child' });
      const sibling = manager.scope({ name: 'sibling' });
      const seen: [string, string][] = [];
      parent.events$.subscribe((event) => seen.push([event.type, event.name]));
      const a = parent.createTask(async () => 1, { name: 'a' });
      const b = child.createTask(async () => 2, { name: 'b' });
      sibling.createTask(async () => 3, { name: 'not-mine' });
      manager.createTask(async () => 4, { name: 'not-mine-either' });
      await Promise.all([a.done, b.done]);
      await nextTurn();
      // Every accepted task emits 'created', then 'started' unless cancelled first, then its final event.
      expect(seen).to.deep.equal([
        ['created', 'a'],
        ['created', 'b'],
        ['started', 'a'],
        ['started', 'b'],
        ['completed', 'a'],
        ['completed', 'b'],
      ]);
    });

    it('events$ emits the same events as the manager’s events$, for the scope’s tasks', async () => {
      const scope = manager.scope({ name: 'scope', runId: 'run-1' });
      const fromManager: TaskEvent[] = [];
      const fromScope: TaskEvent[] = [];
      manager.events$.subscribe((event) => fromManager.push(event));
      scope.events$.subscribe((event) => fromScope.push(event));
      manager.createTask(async () => 0, { name: 'outside' });
      const handle = scope.createTask(async () => 1, { name: 'inside' });
      await handle.done;
      await nextTurn();
      expect(fromScope.map((event) => event.type)).to.deep.equal(['created', 'started', 'completed']);
      expect(fromScope).to.deep.equal(fromManager.filter((event) => event.id === handle.id));
    });

    it('counts$ emits the current totals on subscribe, then each change of the scope’s tasks only', async () => {
      const scope = manager.scope({ name: 'scope' });
      manager.createTask(async () => 0);
      const counts: TaskCounts[] = [];
      scope.counts$.subscribe((value) => counts.push(value));
      expect(counts).to.deep.equal([{ active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 }]);
      const handle = scope.createTask(async () => 1);
      expect(counts.at(-1)).to.deep.equal({ active: 1, created: 1, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
      await handle.done;
      expect(counts.at(-1)).to.deep.equal({ active: 0, created: 1, completed: 1, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
    });

    it('counts$ balances after every kind of outcome (created = active + completed + failed + cancelled + timedOut)', async () => {
      const clock = useFakeClock();
      try {
        const parent = manager.scope({ name: 'parent' });
        const child = parent.scope({ name: 'child' });
        const counts: TaskCounts[] = [];
        parent.counts$.subscribe((value) => counts.push(value));
        parent.createTask(after(10, 'ok'));
        child.createTask(after(10, undefined, new Error('failed')));
        const toCancel = child.createTask((signal) => untilAborted(signal));
        parent.createTask((signal) => untilAborted(signal), { timeoutMs: 20 });
        parent.createTask((signal) => untilAborted(signal));
        manager.createTask(after(5, 'outside'));
        toCancel.cancel();
        await clock.tickAsync(20);
        for (const value of counts) expectBalanced(value);
        expect(counts.at(-1)).to.deep.equal({ active: 1, created: 5, completed: 1, failed: 1, cancelled: 1, timedOut: 1, dropped: 0 });
        const last = counts.at(-1) as TaskCounts;
        let current: TaskCounts | undefined;
        child.counts$.subscribe((value) => (current = value)).unsubscribe();
        expect(current).to.deep.equal({ active: 0, created: 2, completed: 0, failed: 1, cancelled: 1, timedOut: 0, dropped: 0 });
        await parent.close({ timeoutMs: 10 });
        expect(counts.at(-1)).to.deep.equal({ ...last, active: 0, cancelled: 2 });
        parent.createTask(async () => 1);
        expect(counts.at(-1)).to.deep.equal({ ...last, active: 0, cancelled: 2, dropped: 1 });
        for (const value of counts) expectBalanced(value);
      } finally {
        clock.restore();
      }
    });

    it('counts$ counts a task of the scope shed by drop-oldest as dropped, as the manager’s counts$ does', async () => {
      const capped = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 1, overflow: 'drop-oldest' });
      try {
        const scope = capped.scope({ name: 'scope' });
        let scopeCounts: TaskCounts | undefined;
        let managerCounts: TaskCounts | undefined;
        scope.counts$.subscribe((value) => (scopeCounts = value));
        capped.counts$.subscribe((value) => (managerCounts = value));
        const oldest = scope.createTask((signal) => untilAborted(signal));
        scope.createTask((signal) => untilAborted(signal));
        expect(oldest.status).to.equal('cancelled');
        expect(managerCounts).to.deep.equal({ active: 1, created: 2, completed: 0, failed: 0, cancelled: 1, timedOut: 0, dropped: 1 });
        // TaskCounts.dropped counts "tasks shed by 'drop-oldest' (which are also counted as cancelled)"; every task is the scope's.
        expect(scopeCounts).to.deep.equal(managerCounts);
      } finally {
        await capped.shutdown({ timeoutMs: 10 });
      }
    });
  });

  describe('signal', () => {
    it('cancels the scope’s tasks in flight, its children’s included, with the signal’s reason when it aborts', async () => {
      const controller = new AbortController();
      const parent = manager.scope({ name: 'parent', signal: controller.signal });
      const child = parent.scope({ name: 'child' });
      const sibling = manager.scope({ name: 'sibling' });
      const inParent = parent.createTask((signal) => untilAborted(signal));
      const inChild = child.createTask((signal) => untilAborted(signal));
      const inSibling = sibling.createTask((signal) => untilAborted(signal));
      const outside = manager.createTask((signal) => untilAborted(signal));
      await Promise.resolve();
      const why = new Error('client disconnected');
      controller.abort(why);
      expect(inParent.status).to.equal('cancelled');
      expect(inChild.status).to.equal('cancelled');
      expect(inSibling.status).to.equal('running');
      expect(outside.status).to.equal('running');
      const outcome = await inChild.done;
      expect(outcome.status === 'cancelled' && outcome.reason).to.equal(why);
      expect(inParent.signal.reason).to.equal(why);
      expect(parent.closed).to.equal(false);
    });

    it('cancels at once a task created after it aborted, in the scope or a child scope', () => {
      const controller = new AbortController();
      const parent = manager.scope({ name: 'parent', signal: controller.signal });
      controller.abort('gone');
      const handle = parent.createTask((signal) => untilAborted(signal));
      expect(handle.status).to.equal('cancelled');
      expect(handle.signal.reason).to.equal('gone');
      const inChild = parent.scope({ name: 'child' }).createTask((signal) => untilAborted(signal));
      expect(inChild.status).to.equal('cancelled');
      const inRun = parent.run(() => manager.createTask((signal) => untilAborted(signal)));
      expect(inRun.status).to.equal('cancelled');
      expect(manager.getTaskCount()).to.equal(0);
    });

    it('cancels a child scope’s tasks when the child’s own signal aborts, not the parent’s', async () => {
      const controller = new AbortController();
      const parent = manager.scope({ name: 'parent' });
      const child = parent.scope({ name: 'child', signal: controller.signal });
      const inParent = parent.createTask((signal) => untilAborted(signal));
      const inChild = child.createTask((signal) => untilAborted(signal));
      controller.abort('child only');
      expect(inChild.status).to.equal('cancelled');
      expect(inParent.status).to.not.equal('cancelled');
    });

    it('holds one abort listener while the scope has tasks in flight and none once they settle', async () => {
      const controller = new AbortController();
      const scope = manager.scope({ name: 'scope', signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
      const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
      const handles = gates.map((gate) => scope.createTask(() => gate.promise));
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(1);
      for (const gate of gates) gate.resolve();
      await Promise.all(handles.map((handle) => handle.done));
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
    });
  });

  describe('close()', () => {
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = useFakeClock();
    });

    afterEach(() => {
      clock.restore();
    });

    it('refuses new tasks: dropped with dropReason scope_closed, their work never called', async () => {
      const scope = manager.scope({ name: 'scope' });
      const events: TaskEvent[] = [];
      scope.events$.subscribe((event) => events.push(event));
      const closing = scope.close();
      expect(scope.closed).to.equal(true);
      const work = sinon.spy(async () => 1);
      const handle = scope.createTask(work, { name: 'late' });
      expect(handle.status).to.equal('dropped');
      const outcome = await handle.done;
      expect(outcome.status).to.equal('dropped');
      const reason = outcome.status === 'dropped' ? outcome.reason : undefined;
      expect(reason).to.be.instanceOf(TaskDroppedError);
      expect(reason?.dropReason).to.equal('scope_closed');
      const error = await rejectionOf(handle.result());
      expect(error).to.equal(reason);
      expect(events.map((event) => [event.type, event.name])).to.deep.equal([['dropped', 'late']]);
      expect(manager.droppedCount).to.equal(1);
      await closing;
      await nextTurn();
      expect(work.called).to.equal(false);
    });

    it('refuses tasks made with manager.createTask() inside scope.run() of a closed scope', async () => {
      const scope = manager.scope({ name: 'scope' });
      await scope.close();
      const handle = scope.run(() => manager.createTask(async () => 1));
      expect(handle.status).to.equal('dropped');
      expect(manager.createTask(async () => 1).status).to.not.equal('dropped');
    });

    it('refuses the tasks of its child scopes, and of children made afterwards', async () => {
      const parent = manager.scope({ name: 'parent' });
      const child = parent.scope({ name: 'child' });
      await parent.close();
      expect(child.closed).to.equal(true);
      const handle = child.createTask(async () => 1);
      expect(handle.status).to.equal('dropped');
      const outcome = await handle.done;
      expect(outcome.status === 'dropped' && outcome.reason.dropReason).to.equal('scope_closed');
      expect(parent.scope({ name: 'late-child' }).createTask(async () => 1).status).to.equal('dropped');
    });

    it('does not close its parent, nor its siblings', async () => {
      const parent = manager.scope({ name: 'parent' });
      const child = parent.scope({ name: 'child' });
      const sibling = parent.scope({ name: 'sibling' });
      await child.close();
      expect(parent.closed).to.equal(false);
      expect(sibling.closed).to.equal(false);
      expect(sibling.createTask(async () => 1).status).to.not.equal('dropped');
    });

    it('without drainMs, cancels its tasks in flight at once with reason scope_closed, and reports how many', async () => {
      const parent = manager.scope({ name: 'parent' });
      const child = parent.scope({ name: 'child' });
      const a = parent.createTask((signal) => untilAborted(signal));
      const b = child.createTask((signal) => untilAborted(signal));
      const other = manager.createTask((signal) => untilAborted(signal));
      const result = await parent.close();
      expect(result).to.deep.equal({ status: 'completed', cancelled: 2, remaining: [] });
      expect(a.status).to.equal('cancelled');
      expect(b.status).to.equal('cancelled');
      expect(other.status).to.equal('running');
      const reason = a.signal.reason as TaskCancelledError;
      expect(reason).to.be.instanceOf(TaskCancelledError);
      expect(reason.cause).to.equal('scope_closed');
      expect(parent.getTaskInfo()).to.deep.equal([]);
    });

    it('with drainMs, lets its tasks finish on their own for that long, then cancels the rest', async () => {
      const scope = manager.scope({ name: 'scope' });
      const quick = scope.createTask(after(50, 'quick'));
      const slow = scope.createTask((signal) => untilAborted(signal));
      const closing = scope.close({ drainMs: 100 });
      await clock.tickAsync(99);
      expect(quick.status).to.equal('completed');
      expect(slow.status).to.equal('running');
      expect(await isSettled(closing)).to.equal(false);
      await clock.tickAsync(1);
      expect(await closing).to.deep.equal({ status: 'completed', cancelled: 1, remaining: [] });
      expect(slow.status).to.equal('cancelled');
    });

    it('with drainMs, ends the drain as soon as its tasks have all settled', async () => {
      const scope = manager.scope({ name: 'scope' });
      scope.createTask(after(30, 'quick'));
      const closing = scope.close({ drainMs: 10_000 });
      await clock.tickAsync(30);
      expect(await closing).to.deep.equal({ status: 'completed', cancelled: 0, remaining: [] });
    });

    it('waits for detached work to stop, and reports completed when it stops within timeoutMs', async () => {
      const scope = manager.scope({ name: 'scope' });
      const stuck = deferred<void>();
      const handle = scope.createTask(() => stuck.promise);
      await Promise.resolve();
      const closing = scope.close({ timeoutMs: 200 });
      await clock.tickAsync(100);
      expect(handle.status).to.equal('cancelled');
      expect(manager.detachedCount).to.equal(1);
      expect(await isSettled(closing)).to.equal(false);
      stuck.resolve();
      expect(await closing).to.deep.equal({ status: 'completed', cancelled: 1, remaining: [] });
      expect(manager.detachedCount).to.equal(0);
    });

    it('reports timeout with the work still running, redacted, when detached work outlives timeoutMs', async () => {
      const scope = manager.scope({ name: 'scope', context: { password: 'hunter2' } });
      const stuck = deferred<void>();
      const handle = scope.createTask(() => stuck.promise, { name: 'stuck' });
      manager.createTask(() => stuck.promise, { name: 'not-in-scope' });
      await Promise.resolve();
      const closing = scope.close({ timeoutMs: 200 });
      await clock.tickAsync(200);
      const result = await closing;
      expect(result.status).to.equal('timeout');
      expect(result.cancelled).to.equal(1);
      expect(result.remaining.map((info) => [info.id, info.name, info.status, info.done])).to.deep.equal([
        [handle.id, 'stuck', 'cancelled', false],
      ]);
      expect(result.remaining[0]?.context).to.deep.equal({ password: '[REDACTED]' });
      stuck.resolve();
    });

    it('shares one close between concurrent and later calls', async () => {
      const scope = manager.scope({ name: 'scope' });
      scope.createTask(after(50, 'quick'));
      scope.createTask((signal) => untilAborted(signal));
      const first = scope.close({ drainMs: 100 });
      const second = scope.close();
      const third = scope.close({ drainMs: 5 });
      expect(second).to.equal(first);
      expect(third).to.equal(first);
      await clock.tickAsync(100);
      const result = await first;
      expect(result).to.deep.equal({ status: 'completed', cancelled: 1, remaining: [] });
      expect(await second).to.equal(result);
      expect(await scope.close()).to.equal(result);
    });

    it('refuses bad options by name, without closing the scope', () => {
      const scope = manager.scope({ name: 'scope' });
      expect(invalidArgument(() => scope.close({ drainMs: -1 })).argument).to.equal('drainMs');
      expect(invalidArgument(() => scope.close({ timeoutMs: Number.NaN })).argument).to.equal('timeoutMs');
      expect(invalidArgument(() => scope.close({ timeout: 5 } as never)).argument).to.equal('timeout');
      expect(scope.closed).to.equal(false);
    });

    it('is what `await using` runs at the end of the block', async () => {
      clock.restore();
      clock = useFakeClock(); // the afterEach restores this one
      let escaped: TaskScope | undefined;
      let handle: TaskHandle<never> | undefined;
      {
        await using scope = manager.scope({ name: 'job' });
        escaped = scope;
        handle = scope.createTask((signal) => untilAborted(signal));
        await Promise.resolve();
        expect(scope.closed).to.equal(false);
      }
      expect(escaped.closed).to.equal(true);
      expect(handle.status).to.equal('cancelled');
      expect((handle.signal.reason as TaskCancelledError).cause).to.equal('scope_closed');
      expect(escaped.createTask(async () => 1).status).to.equal('dropped');
    });

    it('[Symbol.asyncDispose]() runs close() with its defaults', async () => {
      const scope = manager.scope({ name: 'job' });
      const close = sinon.spy(scope, 'close');
      await scope[Symbol.asyncDispose]();
      expect(close.calledOnceWithExactly()).to.equal(true);
      expect(scope.closed).to.equal(true);
    });
  });

  describe('run()', () => {
    it('returns what fn returns, and throws what it throws', () => {
      const scope = manager.scope({ name: 'scope' });
      expect(scope.run(() => 42)).to.equal(42);
      const boom = new Error('boom');
      expect(
        thrownBy(() =>
          scope.run(() => {
            throw boom;
          }),
        ),
      ).to.equal(boom);
    });

    it('makes tasks created with manager.createTask() inside belong to the scope, with its run, thread and nodeName', () => {
      const scope = manager.scope({ name: 'run', runId: 'run-1', threadId: 'thread-1' });
      const handle = scope.run(() => manager.createTask((signal) => untilAborted(signal), { name: 'inside' }), { nodeName: 'summarize' });
      expect([handle.runId, handle.threadId, handle.nodeName]).to.deep.equal(['run-1', 'thread-1', 'summarize']);
      expect(scope.getTaskCount()).to.equal(1);
      expect(manager.getTaskInfo({ runId: 'run-1' })[0]?.nodeName).to.equal('summarize');
      const outside = manager.createTask((signal) => untilAborted(signal), { name: 'outside' });
      expect([outside.runId, outside.threadId, outside.nodeName]).to.deep.equal([undefined, undefined, undefined]);
      expect(scope.getTaskCount()).to.equal(1);
    });

    it('carries the scope and tags across awaits and timers', async () => {
      const scope = manager.scope({ name: 'run', runId: 'run-1', threadId: 'thread-1' });
      const handles = await scope.run(
        async () => {
          const first = manager.createTask((signal) => untilAborted(signal), { name: 'first' });
          await Promise.resolve();
          await realDelay(1);
          const second = manager.createTask((signal) => untilAborted(signal), { name: 'second' });
          const third = await new Promise<TaskHandle<never>>((resolve) => {
            setTimeout(() => resolve(manager.createTask((signal) => untilAborted(signal), { name: 'third' })), 1);
          });
          const fourth = await new Promise<TaskHandle<never>>((resolve) => {
            setImmediate(() => resolve(manager.createTask((signal) => untilAborted(signal), { name: 'fourth' })));
          });
          return [first, second, third, fourth];
        },
        { nodeName: 'node-a' },
      );
      for (const handle of handles) {
        expect([handle.name, handle.runId, handle.threadId, handle.nodeName]).to.deep.equal([handle.name, 'run-1', 'thread-1', 'node-a']);
      }
      expect(scope.getTaskCount()).to.equal(4);
    });

    it('makes tasks created by a task’s work inside the scope belong to it too', async () => {
      const scope = manager.scope({ name: 'run', runId: 'run-1' });
      const spawned = deferred<TaskHandle<never>>();
      scope.run(() =>
        manager.createTask(async () => {
          spawned.resolve(manager.createTask((signal) => untilAborted(signal), { name: 'spawned' }));
        }),
      );
      const handle = await spawned.promise;
      expect(handle.runId).to.equal('run-1');
      expect(scope.getTaskInfo().map((info) => info.name)).to.include('spawned');
    });

    it('calls a nodeName function at each task creation', () => {
      const scope = manager.scope({ name: 'run', runId: 'run-1' });
      let current = 'node-a';
      const names = scope.run(
        () => {
          const first = manager.createTask((signal) => untilAborted(signal));
          current = 'node-b';
          const second = manager.createTask((signal) => untilAborted(signal));
          return [first.nodeName, second.nodeName];
        },
        { nodeName: () => current },
      );
      expect(names).to.deep.equal(['node-a', 'node-b']);
    });

    it('gives no nodeName when the nodeName function throws or returns a non-string, and still creates the task', () => {
      const scope = manager.scope({ name: 'run', runId: 'run-1', threadId: 'thread-1' });
      const throwing = scope.run(() => manager.createTask((signal) => untilAborted(signal)), {
        nodeName: () => {
          throw new Error('no current node');
        },
      });
      expect(throwing.status).to.equal('pending');
      expect([throwing.runId, throwing.threadId, throwing.nodeName]).to.deep.equal(['run-1', 'thread-1', undefined]);
      const lying = scope.run(() => manager.createTask((signal) => untilAborted(signal)), { nodeName: (() => 42) as never });
      expect(lying.nodeName).to.equal(undefined);
      expect(scope.getTaskCount()).to.equal(2);
    });

    it('gives scope.createTask() called inside the scope’s own run() the nodeName', () => {
      const scope = manager.scope({ name: 'run', runId: 'run-1' });
      const handle = scope.run(() => scope.createTask((signal) => untilAborted(signal)), { nodeName: 'node-a' });
      expect([handle.runId, handle.nodeName]).to.deep.equal(['run-1', 'node-a']);
    });

    it('puts tasks created in a nested run() of a child scope in both scopes', () => {
      const parent = manager.scope({ name: 'parent', runId: 'run-1' });
      const child = parent.scope({ name: 'child' });
      const handle = parent.run(() => child.run(() => manager.createTask((signal) => untilAborted(signal)), { nodeName: 'inner' }));
      expect(handle.nodeName).to.equal('inner');
      expect(child.getTaskCount()).to.equal(1);
      expect(parent.getTaskCount()).to.equal(1);
    });

    it('puts a task created inside another manager’s scope.run() in none of this manager’s scopes, with that run’s tags', async () => {
      const other = new BackgroundTaskManager({ logger: log.logger });
      const mine = manager.scope({ name: 'mine' });
      const foreign = other.scope({ name: 'foreign', runId: 'run-9' });
      const handle = mine.run(() => foreign.run(() => manager.createTask((signal) => untilAborted(signal)), { nodeName: 'n' }));
      expect(mine.getTaskCount()).to.equal(1); // the nearest scope of this manager among the frames entered
      expect(foreign.getTaskCount()).to.equal(0);
      expect(handle.runId).to.equal('run-9');
      await other.shutdown({ timeoutMs: 10 });
    });

    it('refuses a fn that is not a function and a bad nodeName, by name', () => {
      const scope = manager.scope({ name: 'scope' });
      expect(invalidArgument(() => scope.run('nope' as never)).argument).to.equal('fn');
      expect(invalidArgument(() => scope.run(() => 1, { nodeName: 42 } as never)).argument).to.equal('nodeName');
      expect(invalidArgument(() => scope.run(() => 1, { node: 'x' } as never)).argument).to.equal('node');
    });
  });

  describe('task$()', () => {
    it('creates one task of the scope per subscription', async () => {
      const scope = manager.scope({ name: 'scope', runId: 'run-1' });
      const work = sinon.spy(async () => 'value');
      const value$ = scope.task$(work, { name: 'scoped' });
      expect(scope.getTaskCount()).to.equal(0);
      const values: string[] = [];
      value$.subscribe((value) => values.push(value));
      expect(scope.getTaskCount()).to.equal(1);
      expect(scope.getTaskInfo()[0]?.runId).to.equal('run-1');
      await scope.waitForAll();
      expect(values).to.deep.equal(['value']);
      expect(work.calledOnce).to.equal(true);
    });
  });
});

describe('getCurrentTaskScope()', () => {
  let manager: BackgroundTaskManager;

  beforeEach(() => {
    manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
  });

  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 50 });
  });

  it('is undefined outside any scope.run()', () => {
    expect(getCurrentTaskScope()).to.equal(undefined);
  });

  it('is the scope inside its run(), across awaits, and undefined again after it', async () => {
    const scope = manager.scope({ name: 'scope' });
    const seen = await scope.run(async () => {
      const before = getCurrentTaskScope();
      await realDelay(1);
      return [before, getCurrentTaskScope()];
    });
    expect(seen).to.deep.equal([scope, scope]);
    expect(getCurrentTaskScope()).to.equal(undefined);
  });

  it('is the innermost scope entered, of any manager', async () => {
    const other = new BackgroundTaskManager({ logger: capturingLogger().logger });
    const outer = manager.scope({ name: 'outer' });
    const inner = other.scope({ name: 'inner' });
    const seen = outer.run(() => [getCurrentTaskScope(), inner.run(() => getCurrentTaskScope()), getCurrentTaskScope()]);
    expect(seen[0]).to.equal(outer);
    expect(seen[1]).to.equal(inner);
    expect(seen[2]).to.equal(outer);
    await other.shutdown({ timeoutMs: 10 });
  });
});
