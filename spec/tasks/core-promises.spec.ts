import { expect } from 'chai';
import fc from 'fast-check';
import { AsyncLocalStorage } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { Observable } from 'rxjs';
import sinon from 'sinon';
import log from 'loglevel';
import {
  BackgroundTaskManager,
  END,
  START,
  StateGraph,
  TaskCancelledError,
  getRunContext,
  inject,
  ObservablePublisher,
  type TaskHandle,
  type TaskOutcome,
} from '../../lib';
import { capturingLogger, deferred, nextTurn, rejectionOf, untilAborted, useFakeClock } from '../support/helpers';

/**
 * The manager's core promises, each checked with the input that once broke it and with others of the same
 * kind: every task settles and its `done` resolves, whatever the values it carries do when read and whatever
 * the logger does; each task runs in its own creator's async context; durations come from a monotonic clock;
 * a task cancelled before its work was called never calls it; `waitForAll()` lets `done` handlers run first;
 * a caller's signal shared by many graph runs gets one listener.
 */
describe('BackgroundTaskManager core promises', () => {
  afterEach(() => {
    sinon.restore();
  });

  describe('values whose reading throws', () => {
    class UnreadableMessage extends Error {
      override get message(): string {
        throw new Error('message getter');
      }
    }
    class UnreadableName extends Error {
      override get name(): string {
        throw new Error('name getter');
      }
    }
    const hostileErrors: readonly [string, () => unknown][] = [
      ['an Error whose message getter throws', () => new UnreadableMessage()],
      ['an Error whose name getter throws', () => new UnreadableName()],
      ['a Proxy whose every trap throws', () => throwingProxy()],
      ['an object whose toString and Symbol.toPrimitive throw', () => unprintable()],
      ['an Error whose stack getter throws', () => unreadableStack()],
    ];

    for (const [label, make] of hostileErrors) {
      it(`settles a task failing with ${label}: done resolves, waitForAll settles, it is logged, nothing escapes`, async () => {
        const captured = capturingLogger('trace');
        const manager = new BackgroundTaskManager({ logger: captured.logger });
        const thrown = make();
        const handle = manager.createTask(() => Promise.reject(thrown), { name: 'hostile' });
        const outcome = await handle.done;
        expect(outcome.status).to.equal('failed');
        expect((outcome as { error: unknown }).error).to.equal(thrown);
        // (compared inside the handler: returning a Proxy from an async function would read its `then`)
        expect(await handle.result().then(() => 'resolved', (error: unknown) => error === thrown)).to.equal(true);
        expect(manager.getTaskCount()).to.equal(0);
        expect(captured.messages('error').some((line) => line.includes("'hostile' failed"))).to.equal(true);
        expect(await manager.waitForAll()).to.deep.include({ status: 'idle' });
        await expectStillWorks(manager);
      });
    }

    it('rejects a waitForAll pending during the failure with the hostile error itself', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
      const thrown = new UnreadableMessage();
      const gate = deferred();
      manager.createTask(async () => {
        await gate.promise;
        throw thrown;
      });
      const waiting = manager.waitForAll();
      gate.resolve();
      expect(await rejectionOf(waiting)).to.equal(thrown);
    });

    it('settles tasks whose context, cancel reason or timeout is read by the logger at every level', async () => {
      const captured = capturingLogger('trace');
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const context = contextWithThrowingGetter();
      const cancelled = manager.createTask((signal) => untilAborted(signal), { name: 'cancelled', context });
      const reason = unprintable();
      expect(cancelled.cancel(reason)).to.equal(true);
      expect(await cancelled.done).to.deep.include({ status: 'cancelled' });
      const error = ((await cancelled.done) as { reason: TaskCancelledError }).reason;
      expect(error.message).to.equal("Background task 'cancelled' was cancelled: [object Object]");
      expect(error.cause).to.equal(reason);
      const timedOut = manager.createTask((signal) => untilAborted(signal), { name: 'timed', timeoutMs: 1, context });
      expect((await timedOut.done).status).to.equal('timed_out');
      const completed = manager.createTask(async () => 1, { name: 'completed', context });
      expect((await completed.done).status).to.equal('completed');
      expect(captured.messages('debug').some((line) => line.includes("'completed' completed"))).to.equal(true);
      expect(captured.messages('warn').some((line) => line.includes("'timed' timed out"))).to.equal(true);
      expect(manager.getTaskInfo({ redacted: true })).to.deep.equal([]);
      const stats = await manager.shutdown();
      expect(stats).to.deep.include({ status: 'completed', remainingTasks: 0 });
    });

    it('redacts and lists a context whose getters throw without throwing', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
      const context = contextWithThrowingGetter();
      const handle = manager.createTask((signal) => untilAborted(signal), { context });
      const [info] = manager.getTaskInfo({ redacted: true });
      expect(info?.context).to.deep.equal({ ok: 1, broken: '[unreadable]', password: '[REDACTED]' });
      expect(manager.redactContext(context)).to.deep.equal({ ok: 1, broken: '[unreadable]', password: '[REDACTED]' });
      handle.cancel();
      await manager.shutdown();
    });
  });

  describe('values whose reading throws, found by a hostile review', () => {
    it('settles a task whose native promise has an own `then` that throws (returned, given, or refused)', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger, maxPendingTasks: 2 });
      const hostilePromise = (value: number): Promise<number> => {
        const promise = Promise.resolve(value);
        (promise as { then: unknown }).then = () => {
          throw new Error('own then');
        };
        return promise;
      };
      const returned = manager.createTask(() => hostilePromise(1));
      const given = manager.createTask(hostilePromise(2));
      expect(await returned.done).to.deep.include({ status: 'completed', value: 1 });
      expect(await given.done).to.deep.include({ status: 'completed', value: 2 });
      expect(await manager.shutdown({ timeoutMs: 100 })).to.deep.include({ status: 'completed', remainingTasks: 0 });
      const refused = manager.createTask(hostilePromise(3));
      expect(refused.status).to.equal('dropped');
    });

    it('reads each option once: a getter that answers differently the second time cannot slip past the checks', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      let reads = 0;
      const flipping = Object.defineProperty({ timeoutMs: 5 }, 'name', {
        enumerable: true,
        get: () => (reads++ === 0 ? 'first' : Symbol('second')),
      });
      const handle = manager.createTask((signal) => untilAborted(signal), flipping as never);
      expect(handle.name).to.equal('first');
      expect(reads).to.equal(1);
      expect((await handle.done).status).to.equal('timed_out');
      const unreadable = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
      expect(() => manager.createTask(async () => 1, unreadable)).to.throw(/Expected `options` to be an object whose properties can be read/);
      await manager.shutdown();
    });

    it('rejects result() with a TaskCancelledError when the caller’s reason is a revoked Proxy', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      const caller = new AbortController();
      const handle = manager.createTask((signal) => untilAborted(signal), { signal: caller.signal });
      caller.abort(proxy);
      const error = await handle.result().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect((error as TaskCancelledError).cause).to.equal(proxy);
      await manager.shutdown();
    });

    it('builds a cancellation message only when it is read, after the books are settled', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      let statusWhenRead: string | undefined;
      const handle = manager.createTask((signal) => untilAborted(signal));
      const reason = {
        toJSON(): string {
          statusWhenRead = handle.status;
          return 'why';
        },
      };
      handle.cancel(reason);
      expect(statusWhenRead).to.equal(undefined);
      const error = ((await handle.done) as { reason: TaskCancelledError }).reason;
      expect(error.message).to.equal(`Background task '${handle.name}' was cancelled: "why"`);
      expect(statusWhenRead).to.equal('cancelled');
      await manager.shutdown();
    });

    it('walks huge and lying arrays in bounded time on every path (log lines, redaction, SSE frames)', async () => {
      const captured = capturingLogger('trace');
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      const lying = new Proxy([], { get: (target, key) => (key === 'length' ? Infinity : Reflect.get(target, key)) });
      const context = { lying, sparse: new Array(2 ** 32 - 1), huge: new Array(1e6).fill('x') };
      const startedAt = performance.now();
      const failed = manager.createTask(() => Promise.reject(new Error('boom')), { context });
      const timedOut = manager.createTask((signal) => untilAborted(signal), { timeoutMs: 1, context });
      expect((await failed.done).status).to.equal('failed');
      expect((await timedOut.done).status).to.equal('timed_out');
      const hanging = manager.createTask((signal) => untilAborted(signal), { context });
      const [info] = manager.getTaskInfo({ redacted: true });
      const cancelled = hanging.cancel(new Array(3e7));
      expect(cancelled).to.equal(true);
      expect(performance.now() - startedAt).to.be.below(2_000);
      expect(JSON.stringify(info?.context).length).to.be.below(100_000);
      expect(String(JSON.stringify(info?.context))).to.contain('more]');
      await manager.shutdown();
    });
  });

  describe('a logger that throws', () => {
    /** A loglevel logger whose every method throws, as one writing to a stream closed during shutdown does. */
    function throwingLogger(options: { getLevel?: boolean } = {}): log.Logger {
      const logger = log.getLogger(`throwing-${Math.random()}`);
      logger.methodFactory = () => () => {
        throw new Error('write after end');
      };
      logger.setLevel('trace', false);
      if (options.getLevel === true) {
        sinon.stub(logger, 'getLevel').throws(new Error('getLevel'));
      }
      return logger;
    }

    for (const getLevel of [false, true]) {
      it(`changes no outcome${getLevel ? ' (its getLevel throws too)' : ''}: done, waitForAll with a timeout, shutdown`, async () => {
        const manager = new BackgroundTaskManager({ logger: throwingLogger({ getLevel }), maxPendingTasks: 2 });
        const failed = manager.createTask(() => Promise.reject(new Error('boom')));
        expect((await failed.done).status).to.equal('failed');
        const completed = manager.createTask(async () => 1);
        expect(await completed.result()).to.equal(1);
        const hanging = manager.createTask(() => new Promise(() => undefined), { name: 'hanging' });
        expect(await manager.waitForAll({ timeoutMs: 5 })).to.deep.include({ status: 'timeout' });
        const timed = manager.createTask((signal) => untilAborted(signal), { timeoutMs: 1 });
        expect((await timed.done).status).to.equal('timed_out');
        manager.createTask(async () => 1); // at the cap: dropped, and the drop warning throws
        manager.createTask(async () => 1);
        manager.events$.subscribe(() => {
          throw new Error('subscriber');
        });
        manager.createTask(async () => 2);
        hanging.cancel();
        const stats = await manager.shutdown({ timeoutMs: 5 });
        expect(stats.status).to.be.oneOf(['completed', 'timeout']);
        expect(manager.state).to.equal('shutdown');
        expect(manager.stats.loggerFailures).to.be.greaterThan(0);
        expect(manager.stats.callbackFailures).to.be.greaterThan(0);
      });
    }
  });

  describe('a logger that rejects, or reads its message as a format', () => {
    it('counts an async logger’s rejections as failures, never as unhandled rejections', async () => {
      const logger = log.getLogger(`async-${Math.random()}`);
      logger.methodFactory = () => async () => {
        throw new Error('async write failed');
      };
      logger.setLevel('trace', false);
      const manager = new BackgroundTaskManager({ logger });
      await manager.createTask(() => Promise.reject(new Error('boom'))).done;
      await manager.createTask(async () => 1).done;
      await nextTurn();
      expect(manager.stats.loggerFailures).to.be.at.least(2);
      await manager.shutdown();
    });

    it('doubles `%` in an ERROR line that has a stack argument, so a console-style logger cannot reformat it', async () => {
      const captured = capturingLogger('error');
      const manager = new BackgroundTaskManager({ logger: captured.logger });
      await manager.createTask(() => Promise.reject(new Error('boom %s')), { name: 'job %c' }).done;
      const [call] = captured.calls;
      expect(call?.args).to.have.length(2);
      expect(call?.message).to.contain("'job %%c' failed").and.contain('boom %%s');
      const { format } = await import('node:util');
      expect(format(...(call?.args as [string, string])).split('\n')[0]).to.contain("'job %c' failed").and.contain('boom %s');
      await manager.shutdown();
    });
  });

  describe('a hostile Promise environment (changed after the library loaded)', () => {
    const NativePromise = Promise;
    const nativeThen = Promise.prototype.then;
    /** A promise library's promise: a thenable, not a native promise. */
    class ForeignPromise<T> {
      readonly #inner: Promise<T>;
      constructor(executor: (resolve: (value: T) => void, reject: (error: unknown) => void) => void) {
        this.#inner = new NativePromise(executor);
      }
      then<R>(onValue?: (value: T) => R, onError?: (error: unknown) => R): ForeignPromise<R> {
        const next = nativeThen.call(this.#inner, onValue, onError) as Promise<R>;
        return new ForeignPromise<R>((resolve, reject) => void nativeThen.call(next, resolve, reject));
      }
      static resolve<T>(value: T): ForeignPromise<T> {
        return new ForeignPromise<T>((resolve) => resolve(value));
      }
    }
    const later = (ms: number): Promise<void> => new NativePromise((resolve) => setTimeout(resolve, ms));

    it('settles async work, promise work and thenable work while globalThis.Promise is another library’s', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const handles: TaskHandle<unknown>[] = [];
      (globalThis as { Promise: unknown }).Promise = ForeignPromise;
      try {
        handles.push(manager.createTask(async () => 42, { name: 'async' }));
        handles.push(manager.createTask(() => ForeignPromise.resolve('foreign') as unknown as Promise<string>, { name: 'returns a foreign promise' }));
        handles.push(manager.createTask(ForeignPromise.resolve('given') as unknown as Promise<string>, { name: 'a foreign promise' }));
        await later(20);
      } finally {
        (globalThis as { Promise: unknown }).Promise = NativePromise;
      }
      const outcomes = await Promise.all(handles.map((handle) => handle.done));
      expect(outcomes.map((outcome) => [outcome.status, outcome.status === 'completed' ? outcome.value : undefined])).to.deep.equal([
        ['completed', 42],
        ['completed', 'foreign'],
        ['completed', 'given'],
      ]);
      await manager.shutdown();
    });

    it('starts every task once, in its own context, when Promise[Symbol.species] throws; work it cannot follow fails, it never hangs', async () => {
      const storage = new AsyncLocalStorage<string>();
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const seen: string[] = [];
      const species = Object.getOwnPropertyDescriptor(Promise, Symbol.species) as PropertyDescriptor;
      const handles: TaskHandle<unknown>[] = [];
      await later(1); // Mocha has followed this test's promise by now: the window below is the library's alone
      Object.defineProperty(Promise, Symbol.species, {
        configurable: true,
        get() {
          throw new Error('species unavailable');
        },
      });
      try {
        for (const name of ['a', 'b']) {
          handles.push(storage.run(name, () => manager.createTask(() => void seen.push(`${name} in ${storage.getStore()}`), { name })));
        }
        handles.push(manager.createTask(async () => 'async', { name: 'async' }));
        // Microtasks only (the tasks start in them): nothing else of the process runs under the hostile species.
        for (let turn = 0; turn < 5; turn++) await undefined;
      } finally {
        Object.defineProperty(Promise, Symbol.species, species);
      }
      handles.push(storage.run('c', () => manager.createTask(() => void seen.push(`c in ${storage.getStore()}`), { name: 'c' })));
      await later(10);
      expect(seen).to.deep.equal(['a in a', 'b in b', 'c in c']);
      expect(handles.map((handle) => handle.status)).to.deep.equal(['completed', 'completed', 'failed', 'completed']);
      expect(manager.getTaskCount()).to.equal(0);
      await manager.shutdown();
    });

    it('starts a task created by a subscriber of another task’s created event after that task', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const started: string[] = [];
      manager.events$.subscribe((event) => {
        if (event.type === 'created' && event.name === 'parent') manager.createTask(() => void started.push('child'), { name: 'child' });
      });
      await manager.createTask(() => void started.push('parent'), { name: 'parent' }).done;
      await manager.waitForAll();
      expect(started).to.deep.equal(['parent', 'child']);
      await manager.shutdown();
    });

    it('resolves shutdown() although Promise.prototype.then was replaced by a function that throws', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      (Promise.prototype as { then: unknown }).then = function () {
        throw new Error('patched then');
      };
      let stopping: Promise<unknown>;
      try {
        stopping = manager.shutdown();
      } finally {
        (Promise.prototype as { then: unknown }).then = nativeThen;
      }
      expect(await stopping).to.include({ status: 'completed' });
    });
  });

  describe('async context', () => {
    it('runs each task in the context of its own createTask call, also for tasks created in one tick', async () => {
      const storage = new AsyncLocalStorage<string>();
      const manager = new BackgroundTaskManager();
      const seen: (string | undefined)[] = [];
      const handles = ['a', 'b', 'c'].map((id) =>
        storage.run(id, () =>
          manager.createTask(async () => {
            seen.push(storage.getStore());
            await nextTurn();
            seen.push(storage.getStore());
          }),
        ),
      );
      const outside = manager.createTask(async () => void seen.push(storage.getStore() ?? 'none'));
      await Promise.all([...handles, outside].map((handle) => handle.done));
      expect(seen.slice(0, 4)).to.deep.equal(['a', 'b', 'c', 'none']);
      expect(seen.slice(4)).to.deep.equal(['a', 'b', 'c']);
      await manager.shutdown();
    });

    it('starts every task once, in the order the tasks were created, each in its own creator’s context, across managers and from inside other tasks (property)', async () => {
      const storage = new AsyncLocalStorage<string>();
      // A plan: tasks created in one tick, in contexts, on two managers; each may create children when it starts
      // (while the earlier tasks of the tick are still being started), and one plan has over a thousand tasks.
      const plan = fc.array(fc.record({ manager: fc.nat(1), context: fc.string({ maxLength: 3 }), children: fc.nat(3) }), {
        minLength: 1,
        maxLength: 40,
      });
      const check = async (entries: { manager: number; context: string; children: number }[]): Promise<void> => {
        const managers = [new BackgroundTaskManager(), new BackgroundTaskManager()];
        const created: string[] = [];
        const started: string[] = [];
        const handles: TaskHandle<void>[] = [];
        const create = (manager: number, context: string, label: string, children: number): void => {
          handles.push(
            storage.run(context, () =>
              (managers[manager] as BackgroundTaskManager).createTask(() => {
                started.push(`${label} in ${storage.getStore() ?? 'no context'}`);
                for (let child = 0; child < children; child++) create(1 - manager, `${context}/${child}`, `${label}.${child}`, 0);
              }),
            ),
          );
          created.push(`${label} in ${context}`);
        };
        entries.forEach((entry, index) => create(entry.manager, entry.context, `${index}`, entry.children));
        while (handles.length > 0) await (handles.pop() as TaskHandle<void>).done;
        expect(started).to.deep.equal(created);
        for (const manager of managers) expect(manager.getTaskInfo()).to.deep.equal([]);
        await Promise.all(managers.map((manager) => manager.shutdown()));
      };
      await fc.assert(fc.asyncProperty(plan, check), { numRuns: 100 });
      await check(Array.from({ length: 1_500 }, (_, index) => ({ manager: index % 2, context: `c${index % 7}`, children: index % 3 })));
    });

    it('gives each of three concurrent graph runs its own run context in the tasks its node starts', async () => {
      interface State {
        seen?: string;
      }
      const seen = new Map<string, string | undefined>();
      const app = new StateGraph<State>()
        .addNode('start_task', (_state, config) => {
          const threadId = config.threadId as string;
          // The three runs reach this node in the same tick: one microtask must not start all their tasks.
          inject(BackgroundTaskManager).createTask(async () => {
            seen.set(threadId, getRunContext()?.config.threadId);
          });
          return {};
        })
        .addEdge(START, 'start_task')
        .addEdge('start_task', END)
        .compile();
      await Promise.all(['t1', 't2', 't3'].map((threadId) => app.invoke({}, { threadId })));
      await app.taskManager.waitForAll();
      expect(Object.fromEntries(seen)).to.deep.equal({ t1: 't1', t2: 't2', t3: 't3' });
      await app.close();
    });
  });

  describe('the clock', () => {
    it('measures durations and ages on the monotonic clock when the wall clock steps back an hour', async () => {
      const clock = useFakeClock();
      try {
        const manager = new BackgroundTaskManager({ logger: capturingLogger().logger });
        const createdAt = Date.now();
        const completed = manager.createTask(() => new Promise((resolve) => setTimeout(resolve, 100)));
        const timedOut = manager.createTask((signal) => untilAborted(signal), { timeoutMs: 151 });
        await clock.tickAsync(50);
        clock.setSystemTime(Date.now() - 3_600_000);
        const [info] = manager.getTaskInfo();
        expect(info?.ageMs).to.equal(50);
        expect(info?.createdAt).to.equal(createdAt); // wall-clock time of creation, for display
        await clock.tickAsync(50);
        expect(await completed.done).to.deep.include({ status: 'completed', durationMs: 100 });
        await clock.tickAsync(51);
        expect(await timedOut.done).to.deep.include({ status: 'timed_out', durationMs: 151 });
        await manager.shutdown();
      } finally {
        clock.restore();
      }
    });
  });

  describe('a task settled before its work was called', () => {
    it('never calls a function whose task an events$ subscriber cancels on its started event', async () => {
      const manager = new BackgroundTaskManager();
      const work = sinon.spy(async () => 1);
      manager.events$.subscribe((event) => {
        if (event.type === 'started') manager.getTask(event.id)?.cancel('on started');
      });
      const handle = manager.createTask(work);
      const outcome = await handle.done;
      await nextTurn();
      expect(outcome.status).to.equal('cancelled');
      expect(work.called).to.equal(false);
      expect(handle.signal.aborted).to.equal(true);
      expect(manager.getTaskInfo()).to.deep.equal([]);
      await manager.shutdown();
    });

    it('never subscribes to an Observable whose task is cancelled on its started event', async () => {
      const manager = new BackgroundTaskManager();
      const subscribe = sinon.spy();
      manager.events$.subscribe((event) => {
        if (event.type === 'started') manager.getTask(event.id)?.cancel();
      });
      const handle = manager.createTask(new Observable<number>(subscribe));
      expect((await handle.done).status).to.equal('cancelled');
      await nextTurn();
      expect(subscribe.called).to.equal(false);
      await manager.shutdown();
    });

    it('never calls the work of a task cancelled by a subscriber of its created event, nor links its signal', async () => {
      const manager = new BackgroundTaskManager();
      const work = sinon.spy(async () => 1);
      const caller = new AbortController();
      manager.events$.subscribe((event) => {
        if (event.type === 'created') manager.getTask(event.id)?.cancel();
      });
      const handle = manager.createTask(work, { signal: caller.signal });
      expect(handle.status).to.equal('cancelled');
      expect(getEventListeners(caller.signal, 'abort')).to.have.length(0);
      await nextTurn();
      expect(work.called).to.equal(false);
      await manager.shutdown();
    });

    it('watches an already-started promise whose task was cancelled on started as detached work', async () => {
      const manager = new BackgroundTaskManager();
      manager.events$.subscribe((event) => {
        if (event.type === 'started') manager.getTask(event.id)?.cancel();
      });
      const gate = deferred<number>();
      const handle = manager.createTask(gate.promise);
      expect((await handle.done).status).to.equal('cancelled');
      expect(manager.detachedCount).to.equal(1);
      gate.resolve(1);
      await nextTurn();
      expect(manager.detachedCount).to.equal(0);
      await manager.shutdown();
    });
  });

  describe('waitForAll() and done handlers', () => {
    it('called while already idle, still waits for a successor a pending done handler creates', async () => {
      const manager = new BackgroundTaskManager();
      const handle = manager.createTask((signal) => untilAborted(signal));
      let successor: TaskHandle<unknown> | undefined;
      void handle.done.then(() => {
        successor = manager.createTask(() => new Promise((resolve) => setTimeout(resolve, 20)), { name: 'successor' });
      });
      handle.cancel();
      expect(manager.getTaskCount()).to.equal(0);
      expect(await manager.waitForAll()).to.deep.include({ status: 'idle' });
      expect(successor?.status).to.equal('completed');
      await manager.shutdown();
    });

    it('lets the handlers of every task’s done run before it resolves', async () => {
      const manager = new BackgroundTaskManager();
      const pushed: number[] = [];
      for (let i = 0; i < 5; i++) {
        const handle = manager.createTask(async () => i);
        void handle.done.then(() => pushed.push(i));
      }
      await manager.waitForAll();
      expect(pushed).to.deep.equal([0, 1, 2, 3, 4]);
      await manager.shutdown();
    });

    it('waits for a successor created from a done handler, and from a result() chain', async () => {
      const manager = new BackgroundTaskManager();
      const finished: string[] = [];
      const first = manager.createTask(async () => 'first');
      void first.done.then(() => manager.createTask(async () => void finished.push('successor')));
      const second = manager.createTask(async () => 'second');
      void (async () => {
        await second.result();
        manager.createTask(async () => void finished.push('from result()'));
      })();
      expect(await manager.waitForAll()).to.deep.include({ status: 'idle' });
      expect(finished.sort()).to.deep.equal(['from result()', 'successor']);
      expect(manager.getTaskCount()).to.equal(0);
      await manager.shutdown();
    });

    it('resolves a failed task’s done before a waitForAll rejects with its error', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const order: string[] = [];
      const gate = deferred();
      const handle = manager.createTask(async () => {
        await gate.promise;
        throw new Error('boom');
      });
      void handle.done.then(() => order.push('done'));
      const waiting = manager.waitForAll().catch(() => order.push('waitForAll rejected'));
      gate.resolve();
      await waiting;
      expect(order).to.deep.equal(['done', 'waitForAll rejected']);
      await manager.shutdown();
    });

    it('resolves done before shutdown reports the manager idle', async () => {
      const manager = new BackgroundTaskManager();
      const order: string[] = [];
      const handle = manager.createTask((signal) => untilAborted(signal));
      void handle.done.then(() => order.push('done'));
      await manager.shutdown().then(() => order.push('shutdown'));
      expect(order).to.deep.equal(['done', 'shutdown']);
    });
  });

  describe('one order for every stream', () => {
    it('delivers events$ in seq order when a counts$ subscriber cancels another task, counts first', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const first = manager.createTask((signal) => untilAborted(signal), { name: 'first' });
      const second = manager.createTask((signal) => untilAborted(signal), { name: 'second' });
      const seen: string[] = [];
      manager.counts$.subscribe((counts) => {
        seen.push(`counts cancelled=${counts.cancelled}`);
        if (counts.cancelled === 1) second.cancel('cascade');
      });
      manager.events$.subscribe((event) => seen.push(`${event.seq} ${event.type} ${event.name}`));
      first.cancel();
      const seqs = seen.filter((line) => /^\d/.test(line)).map((line) => Number(line.split(' ')[0]));
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
      expect(seen.slice(1)).to.deep.equal([
        'counts cancelled=1',
        `${seqs[0]} cancelled first`,
        'counts cancelled=2',
        `${seqs[1]} cancelled second`,
      ]);
      await manager.shutdown();
    });
  });

  describe('re-entrant shutdown', () => {
    it('shares one shutdown with a subscriber of state$ or events$ that calls shutdown() again', async () => {
      for (const stream of ['state$', 'events$'] as const) {
        const captured = capturingLogger('info');
        const manager = new BackgroundTaskManager({ logger: captured.logger });
        manager.createTask((signal) => untilAborted(signal));
        const states: string[] = [];
        let inner: Promise<unknown> | undefined;
        manager.state$.subscribe((state) => states.push(state));
        if (stream === 'state$') manager.state$.subscribe((state) => void (state === 'shutting_down' && (inner ??= manager.shutdown())));
        else manager.events$.subscribe((event) => void (event.type === 'cancelled' && (inner ??= manager.shutdown())));
        const outer = manager.shutdown();
        expect(inner, stream).to.equal(outer);
        await outer;
        expect(states, stream).to.deep.equal(['running', 'shutting_down', 'shutdown']);
        expect(captured.messages('info').filter((line) => line.includes('shut down'))).to.have.length(1);
      }
    });

    it('closes a graph once when a run’s abort listener calls close() again', async () => {
      const publisher = new ObservablePublisher();
      const close = sinon.spy(publisher, 'close');
      const started = deferred();
      let inner: Promise<unknown> | undefined;
      const app = new StateGraph<Record<string, unknown>>({ publisher })
        .addNode('hang', (_state, config) => {
          config.signal.addEventListener('abort', () => (inner = app.close()));
          started.resolve();
          return untilAborted(config.signal);
        })
        .addEdge(START, 'hang')
        .addEdge('hang', END)
        .compile();
      const run = app.invoke({}).catch(() => undefined);
      await started.promise;
      const outer = app.close();
      expect(inner).to.not.equal(undefined);
      const [outerResult, innerResult] = await Promise.all([outer, inner, run]);
      expect(innerResult).to.equal(outerResult); // one close, one result
      expect(close.callCount).to.equal(1);
    });
  });

  describe('a caller signal shared by many', () => {
    it('gets one listener from eleven concurrent graph runs and no MaxListenersExceededWarning', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const gate = deferred();
        const app = new StateGraph<Record<string, unknown>>()
          .addNode('wait', async () => {
            await gate.promise;
          })
          .addEdge(START, 'wait')
          .addEdge('wait', END)
          .compile();
        const request = new AbortController();
        const runs = Array.from({ length: 11 }, () => app.invoke({}, { signal: request.signal }));
        expect(getEventListeners(request.signal, 'abort')).to.have.length(1);
        gate.resolve();
        await Promise.all(runs);
        expect(getEventListeners(request.signal, 'abort')).to.have.length(0);
        await app.close();
        await nextTurn();
        expect(warnings).to.deep.equal([]);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('gets one listener when shared by tasks of several managers and graph runs, and cancels them all', async () => {
      const request = new AbortController();
      const managers = [new BackgroundTaskManager(), new BackgroundTaskManager()];
      const handles = managers.flatMap((manager) =>
        Array.from({ length: 12 }, () => manager.createTask((signal) => untilAborted(signal), { signal: request.signal })),
      );
      const app = new StateGraph<Record<string, unknown>>()
        .addNode('hang', (_state, config) => untilAborted(config.signal))
        .addEdge(START, 'hang')
        .addEdge('hang', END)
        .compile();
      const runs = Array.from({ length: 12 }, () => app.invoke({}, { signal: request.signal }));
      expect(getEventListeners(request.signal, 'abort')).to.have.length(1);
      request.abort(new Error('request closed'));
      const outcomes: TaskOutcome<unknown>[] = await Promise.all(handles.map((handle) => handle.done));
      expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(handles.map(() => 'cancelled'));
      for (const run of runs) expect(((await rejectionOf(run)) as Error).message).to.equal('request closed');
      await Promise.all([...managers.map((manager) => manager.shutdown()), app.close()]);
    });
  });
});

/** Checks that the manager still runs, completes and counts tasks. */
async function expectStillWorks(manager: BackgroundTaskManager): Promise<void> {
  const handle = manager.createTask(async () => 'still works');
  expect(await handle.result()).to.equal('still works');
}

/** A Proxy whose every trap throws (reading anything of it throws). */
function throwingProxy(): object {
  const fail = (): never => {
    throw new Error('trap');
  };
  return new Proxy(
    {},
    {
      get: fail,
      has: fail,
      ownKeys: fail,
      getPrototypeOf: fail,
      getOwnPropertyDescriptor: fail,
    },
  );
}

/** An object that cannot be turned into a string. */
function unprintable(): object {
  return {
    toString(): never {
      throw new Error('toString');
    },
    [Symbol.toPrimitive](): never {
      throw new Error('toPrimitive');
    },
    toJSON(): never {
      throw new Error('toJSON');
    },
  };
}

/** An Error whose stack getter throws. */
function unreadableStack(): Error {
  const error = new Error('stack');
  Object.defineProperty(error, 'stack', {
    get(): never {
      throw new Error('stack getter');
    },
  });
  return error;
}

/** A context with a throwing getter and a secret key. */
function contextWithThrowingGetter(): Record<string, unknown> {
  const context: Record<string, unknown> = { ok: 1 };
  Object.defineProperty(context, 'broken', {
    enumerable: true,
    get(): never {
      throw new Error('getter');
    },
  });
  context['password'] = 'hunter2';
  return context;
}
