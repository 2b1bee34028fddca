import { expect } from 'chai';
import sinon from 'sinon';
import { Observable, catchError, exhaustMap, from, mergeMap, of, switchMap, takeUntil, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  TaskCancelledError,
  TaskDroppedError,
  TaskRejectedError,
  TaskTimeoutError,
  type TaskEvent,
  type TaskEventType,
} from '../../lib';
import { capturingLogger, deferred, nextTurn, untilAborted, useFakeClock, type CapturingLogger } from '../support/helpers';

/** What a subscriber saw, in order. */
interface Recorded<T> {
  readonly values: T[];
  readonly errors: unknown[];
  completed: boolean;
  readonly subscription: Subscription;
}

function record<T>(source: Observable<T>): Recorded<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const recorded: { completed: boolean } = { completed: false };
  const subscription = source.subscribe({
    next: (value) => values.push(value),
    error: (error: unknown) => errors.push(error),
    complete: () => {
      recorded.completed = true;
    },
  });
  return {
    values,
    errors,
    subscription,
    get completed() {
      return recorded.completed;
    },
  };
}

describe('BackgroundTaskManager', () => {
  let log: CapturingLogger;
  let manager: BackgroundTaskManager;
  let events: TaskEvent[];

  beforeEach(() => {
    log = capturingLogger();
    manager = new BackgroundTaskManager({ logger: log.logger });
    events = [];
    manager.events$.subscribe((event) => events.push(event));
  });

  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 50 });
  });

  const typesOf = (id?: number): TaskEventType[] => events.filter((event) => id === undefined || event.id === id).map((event) => event.type);

  describe('task$()', () => {
    it('is cold: no task is created, and the work is not called, until someone subscribes', async () => {
      const work = sinon.spy(async () => 1);
      const value$ = manager.task$(work, { name: 'lazy' });
      await nextTurn();
      expect(manager.getTaskCount()).to.equal(0);
      expect(events).to.deep.equal([]);
      expect(work.called).to.equal(false);
      record(value$);
      expect(manager.getTaskCount()).to.equal(1);
      expect(typesOf()).to.deep.equal(['created']);
    });

    it('creates one task per subscription, each with its own work call', async () => {
      let calls = 0;
      const value$ = manager.task$(async () => ++calls, { name: 'each' });
      const first = record(value$);
      const second = record(value$);
      expect(manager.getTaskCount()).to.equal(2);
      await manager.waitForAll();
      expect(calls).to.equal(2);
      expect([...first.values, ...second.values].sort()).to.deep.equal([1, 2]);
      expect(events.filter((event) => event.type === 'created').map((event) => event.name)).to.deep.equal(['each', 'each']);
    });

    it('emits the task’s value, then completes', async () => {
      const seen = record(manager.task$(async () => 'value', { name: 'one' }));
      await manager.waitForAll();
      expect(seen.values).to.deep.equal(['value']);
      expect(seen.completed).to.equal(true);
      expect(seen.errors).to.deep.equal([]);
    });

    it('emits the last value of an Observable work, once', async () => {
      const seen = record(manager.task$(of(1, 2, 3)));
      await manager.waitForAll();
      expect(seen.values).to.deep.equal([3]);
      expect(seen.completed).to.equal(true);
    });

    it('errors with the task’s own error when the work fails', async () => {
      const boom = new Error('boom');
      const seen = record(
        manager.task$(async () => {
          throw boom;
        }),
      );
      await nextTurn();
      expect(seen.errors).to.have.length(1);
      expect(seen.errors[0]).to.equal(boom);
      expect(seen.values).to.deep.equal([]);
    });

    it('errors with a TaskTimeoutError when the task times out', async () => {
      const clock = useFakeClock();
      try {
        const seen = record(manager.task$((signal) => untilAborted(signal), { name: 'slow', timeoutMs: 100 }));
        await clock.tickAsync(99);
        expect(seen.errors).to.deep.equal([]);
        await clock.tickAsync(1);
        expect(seen.errors).to.have.length(1);
        const error = seen.errors[0] as TaskTimeoutError;
        expect(error).to.be.instanceOf(TaskTimeoutError);
        expect([error.taskName, error.timeoutMs]).to.deep.equal(['slow', 100]);
      } finally {
        clock.restore();
      }
    });

    it('cancels the task when unsubscribed before it settled: outcome cancelled, events$ shows it, its signal aborts', async () => {
      let received: AbortSignal | undefined;
      const seen = record(
        manager.task$(
          (signal) => {
            received = signal;
            return untilAborted(signal);
          },
          { name: 'stale' },
        ),
      );
      await Promise.resolve();
      const [info] = manager.getTaskInfo();
      const handle = manager.getTask(info?.id as number);
      seen.subscription.unsubscribe();
      expect(handle?.status).to.equal('cancelled');
      expect(typesOf(info?.id)).to.deep.equal(['created', 'started', 'cancelled']);
      const cancelled = events.at(-1) as Extract<TaskEvent, { type: 'cancelled' }>;
      expect(cancelled.reason).to.be.instanceOf(TaskCancelledError);
      expect((cancelled.reason as TaskCancelledError).cause).to.equal('unsubscribed');
      expect(received?.aborted).to.equal(true);
      expect(received?.reason).to.equal(cancelled.reason);
      const outcome = await handle?.done;
      expect(outcome?.status).to.equal('cancelled');
      expect(seen.errors).to.deep.equal([]); // the subscriber left: it is told nothing
      expect(manager.getTaskCount()).to.equal(0);
    });

    it('unsubscribing after the task settled cancels nothing', async () => {
      const seen = record(manager.task$(async () => 1));
      await manager.waitForAll();
      seen.subscription.unsubscribe();
      expect(typesOf()).to.deep.equal(['created', 'started', 'completed']);
    });

    it('errors with a TaskCancelledError when the task is cancelled by someone else', async () => {
      const seen = record(manager.task$((signal) => untilAborted(signal), { name: 'victim' }));
      await manager.cancelAll('stop');
      expect(seen.errors).to.have.length(1);
      expect(seen.errors[0]).to.be.instanceOf(TaskCancelledError);
      expect((seen.errors[0] as TaskCancelledError).cause).to.equal('stop');
    });

    it('errors the subscription with an InvalidArgumentError for a bad option, tracking nothing', () => {
      const value$ = manager.task$(async () => 1, { timeoutMs: -1 });
      const seen = record(value$);
      expect(seen.errors).to.have.length(1);
      expect(seen.errors[0]).to.be.instanceOf(InvalidArgumentError);
      expect((seen.errors[0] as InvalidArgumentError).argument).to.equal('timeoutMs');
      expect(manager.getTaskCount()).to.equal(0);
    });

    it('errors the subscription with a TaskRejectedError under the reject policy', async () => {
      const capped = new BackgroundTaskManager({ logger: log.logger, maxPendingTasks: 1, overflow: 'reject' });
      try {
        capped.createTask((signal) => untilAborted(signal));
        const seen = record(capped.task$(async () => 1));
        expect(seen.errors[0]).to.be.instanceOf(TaskRejectedError);
      } finally {
        await capped.shutdown({ timeoutMs: 10 });
      }
    });

    it('errors with a TaskDroppedError when the task is refused (a closed scope, a shut-down manager)', async () => {
      const scope = manager.scope({ name: 'scope' });
      await scope.close();
      const inScope = record(scope.task$(async () => 1, { name: 'late' }));
      expect(inScope.errors[0]).to.be.instanceOf(TaskDroppedError);
      expect((inScope.errors[0] as TaskDroppedError).dropReason).to.equal('scope_closed');
      await manager.shutdown({ timeoutMs: 10 });
      const afterShutdown = record(manager.task$(async () => 1));
      expect((afterShutdown.errors[0] as TaskDroppedError).dropReason).to.equal('shutdown');
    });

    it('creates the task in the subscriber’s scope and run, not where task$() was called', async () => {
      const scope = manager.scope({ name: 'scope', runId: 'run-1', threadId: 'thread-1' });
      const madeInScope = scope.run(() => manager.task$((signal) => untilAborted(signal), { name: 'made-in-scope' }));
      const made = manager.task$((signal) => untilAborted(signal), { name: 'subscribed-in-scope' });
      record(madeInScope);
      scope.run(() => record(made), { nodeName: 'node-a' });
      expect(scope.getTaskInfo().map((info) => [info.name, info.runId, info.nodeName])).to.deep.equal([['subscribed-in-scope', 'run-1', 'node-a']]);
      const [outside] = manager.getTaskInfo({ name: 'made-in-scope' });
      expect(outside?.runId).to.equal(undefined);
    });
  });

  describe('from(handle)', () => {
    it('emits the task’s value and completes, as soon as the task completes', async () => {
      const gate = deferred<string>();
      const handle = manager.createTask(() => gate.promise);
      const seen = record(from(handle));
      await nextTurn();
      expect(seen.values).to.deep.equal([]);
      gate.resolve('value');
      await handle.done;
      expect(seen.values).to.deep.equal(['value']);
      expect(seen.completed).to.equal(true);
    });

    it('errors as result() rejects: the work’s error, a TaskCancelledError, a TaskTimeoutError', async () => {
      const clock = useFakeClock();
      try {
        const boom = new Error('boom');
        const failed = record(
          from(
            manager.createTask(async () => {
              throw boom;
            }),
          ),
        );
        const toCancel = manager.createTask((signal) => untilAborted(signal));
        const cancelled = record(from(toCancel));
        const timedOut = record(from(manager.createTask((signal) => untilAborted(signal), { name: 't', timeoutMs: 10 })));
        toCancel.cancel('why');
        await clock.tickAsync(10);
        expect(failed.errors).to.deep.equal([boom]);
        expect(failed.errors[0]).to.equal(boom);
        expect(cancelled.errors[0]).to.be.instanceOf(TaskCancelledError);
        expect((cancelled.errors[0] as TaskCancelledError).cause).to.equal('why');
        expect(timedOut.errors[0]).to.be.instanceOf(TaskTimeoutError);
      } finally {
        clock.restore();
      }
    });

    it('delivers in the same turn as the task settles', () => {
      const handle = manager.createTask((signal) => untilAborted(signal));
      const seen = record(from(handle));
      handle.cancel();
      expect(seen.errors).to.have.length(1);
    });

    it('never cancels the task on unsubscribe', async () => {
      const gate = deferred<number>();
      const handle = manager.createTask(() => gate.promise, { name: 'kept' });
      const seen = record(from(handle));
      seen.subscription.unsubscribe();
      expect(handle.status).to.not.equal('cancelled');
      gate.resolve(5);
      const outcome = await handle.done;
      expect(outcome.status).to.equal('completed');
      expect(typesOf(handle.id)).to.deep.equal(['created', 'started', 'completed']);
      expect(seen.values).to.deep.equal([]);
    });

    it('emits synchronously, inside subscribe(), for a handle already settled', async () => {
      const handle = manager.createTask(async () => 'done');
      await handle.done;
      const order: string[] = [];
      from(handle).subscribe({ next: (value) => order.push(`next:${value}`), complete: () => order.push('complete') });
      order.push('after subscribe');
      expect(order).to.deep.equal(['next:done', 'complete', 'after subscribe']);
    });

    it('errors synchronously for a handle already failed or dropped', async () => {
      const boom = new Error('boom');
      const failed = manager.createTask(async () => {
        throw boom;
      });
      await failed.done;
      expect(record(from(failed)).errors).to.deep.equal([boom]);
      const scope = manager.scope({ name: 'closed' });
      await scope.close();
      const dropped = scope.createTask(async () => 1);
      expect(record(from(dropped)).errors[0]).to.be.instanceOf(TaskDroppedError);
    });

    it('gives every subscriber the value', async () => {
      const handle = manager.createTask(async () => 7);
      const first = record(from(handle));
      const second = record(from(handle));
      await handle.done;
      const late = record(from(handle));
      expect([first.values, second.values, late.values]).to.deep.equal([[7], [7], [7]]);
    });
  });
});

describe('BackgroundTaskManager with a TestScheduler (marble tests)', () => {
  /** A task event, at the virtual frame it was emitted in. */
  type Seen = [frame: number, type: TaskEventType, name: string];

  let testScheduler: TestScheduler;
  let manager: BackgroundTaskManager | undefined;
  let seen: Seen[];

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
    manager = undefined;
    seen = [];
  });

  afterEach(async () => {
    await manager?.shutdown({ timeoutMs: 10 });
  });

  /** The manager on the test scheduler, its events recorded with their frames. Call inside testScheduler.run(). */
  function virtualManager(): BackgroundTaskManager {
    manager = new BackgroundTaskManager({ scheduler: testScheduler, logger: capturingLogger().logger });
    manager.events$.subscribe((event) => seen.push([testScheduler.now(), event.type, event.name]));
    return manager;
  }

  it('switchMap: a new value cancels the stale task, whose event is cancelled, and its Observable work is unsubscribed', () => {
    const works: Record<string, ReturnType<TestScheduler['createColdObservable']>> = {};
    testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const tasks = virtualManager();
      const input = hot('-a-b-----c------|');
      for (const key of ['a', 'b', 'c']) works[key] = cold('---r|', { r: key.toUpperCase() });
      const output = input.pipe(switchMap((key) => tasks.task$(works[key] as Observable<string>, { name: `search-${key}` })));
      expectObservable(output).toBe('-------B-----C--|', { B: 'B', C: 'C' });
      expectSubscriptions((works['a'] as ReturnType<TestScheduler['createColdObservable']>).subscriptions).toBe('-^-!');
      expectSubscriptions((works['b'] as ReturnType<TestScheduler['createColdObservable']>).subscriptions).toBe('---^---!');
    });
    expect(seen).to.deep.equal([
      [1, 'created', 'search-a'],
      [1, 'started', 'search-a'],
      [3, 'cancelled', 'search-a'],
      [3, 'created', 'search-b'],
      [3, 'started', 'search-b'],
      [7, 'completed', 'search-b'],
      [9, 'created', 'search-c'],
      [9, 'started', 'search-c'],
      [13, 'completed', 'search-c'],
    ]);
  });

  it('switchMap: the stale task is cancelled with the reason unsubscribed', () => {
    const reasons: unknown[] = [];
    testScheduler.run(({ hot, cold, expectObservable }) => {
      const tasks = virtualManager();
      tasks.events$.subscribe((event) => {
        if (event.type === 'cancelled') reasons.push(event.reason);
      });
      const output = hot('-ab---|').pipe(switchMap((key) => tasks.task$(cold('--r|', { r: key }), { name: key })));
      expectObservable(output).toBe('-----b|');
    });
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.be.instanceOf(TaskCancelledError);
    expect((reasons[0] as TaskCancelledError).cause).to.equal('unsubscribed');
    expect((reasons[0] as TaskCancelledError).taskName).to.equal('a');
  });

  it('exhaustMap: values that arrive while a task runs create no task', () => {
    testScheduler.run(({ hot, cold, expectObservable }) => {
      const tasks = virtualManager();
      const input = hot('-a-b-----c---|');
      const output = input.pipe(exhaustMap((key) => tasks.task$(cold('----r|', { r: key.toUpperCase() }), { name: `exhaust-${key}` })));
      expectObservable(output).toBe('------A-------(C|)');
    });
    expect(seen.filter(([, type]) => type === 'created')).to.deep.equal([
      [1, 'created', 'exhaust-a'],
      [9, 'created', 'exhaust-c'],
    ]);
    expect(seen.filter(([, type]) => type === 'cancelled')).to.deep.equal([]);
  });

  it('mergeMap with concurrency 2: a third task is created only when one of the two in flight completes', () => {
    let mostInFlight = 0;
    testScheduler.run(({ hot, cold, expectObservable }) => {
      const tasks = virtualManager();
      tasks.counts$.subscribe(({ active }) => (mostInFlight = Math.max(mostInFlight, active)));
      const input = hot('-abc-----|');
      const output = input.pipe(mergeMap((key) => tasks.task$(cold('---r|', { r: key.toUpperCase() }), { name: `merge-${key}` }), 2));
      expectObservable(output).toBe('-----AB--(C|)');
    });
    expect(mostInFlight).to.equal(2);
    expect(seen.filter(([, type]) => type === 'created' || type === 'completed')).to.deep.equal([
      [1, 'created', 'merge-a'],
      [2, 'created', 'merge-b'],
      [5, 'completed', 'merge-a'],
      [5, 'created', 'merge-c'],
      [6, 'completed', 'merge-b'],
      [9, 'completed', 'merge-c'],
    ]);
  });

  it('takeUntil: the notifier cancels the task in flight, and its work is unsubscribed', () => {
    testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const tasks = virtualManager();
      const work = cold('------r|');
      const output = tasks.task$(work, { name: 'slow' }).pipe(takeUntil(hot('----x')));
      expectObservable(output).toBe('----|');
      expectSubscriptions(work.subscriptions).toBe('^---!');
    });
    expect(seen).to.deep.equal([
      [0, 'created', 'slow'],
      [0, 'started', 'slow'],
      [4, 'cancelled', 'slow'],
    ]);
  });

  it('an error in the work errors the output with that very error, at its frame', () => {
    const boom = new Error('boom');
    testScheduler.run(({ cold, expectObservable }) => {
      const tasks = virtualManager();
      const output = tasks.task$(cold<string>('--#', undefined, boom), { name: 'failing' });
      expectObservable(output).toBe('--#', undefined, boom);
      expectObservable(output.pipe(catchError((error: unknown) => of(error === boom ? 'same' : 'other')))).toBe('--(s|)', { s: 'same' });
    });
    expect(seen.filter(([, type]) => type === 'failed')).to.deep.equal([
      [2, 'failed', 'failing'],
      [2, 'failed', 'failing'],
    ]);
  });

  it('timeoutMs runs in virtual time: the output errors with a TaskTimeoutError at the timeout’s frame', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const tasks = virtualManager();
      const work = cold('------r|');
      const output = tasks.task$(work, { name: 'slow', timeoutMs: 4 });
      expectObservable(output).toBe('----#', undefined, new TaskTimeoutError('slow', 4));
      expectSubscriptions(work.subscriptions).toBe('^---!');
    });
    expect(seen).to.deep.equal([
      [0, 'created', 'slow'],
      [0, 'started', 'slow'],
      [4, 'timed_out', 'slow'],
    ]);
  });

  it('timeoutMs in virtual time does not fire for a task that completes before it', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const tasks = virtualManager();
      expectObservable(tasks.task$(cold('--r|'), { name: 'quick', timeoutMs: 5 })).toBe('---(r|)');
    });
    expect(seen.map(([frame, type]) => [frame, type])).to.deep.equal([
      [0, 'created'],
      [0, 'started'],
      [3, 'completed'],
    ]);
  });

  it('a scope’s timeoutMs runs in virtual time too', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const tasks = virtualManager();
      const scope = tasks.scope({ name: 'request', timeoutMs: 3 });
      expectObservable(scope.task$(cold('------r|'), { name: 'scoped' })).toBe('---#', undefined, new TaskTimeoutError('scoped', 3));
    });
  });
});
