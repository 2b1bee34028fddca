import { expect } from 'chai';
import { Observable } from 'rxjs';
import sinon from 'sinon';
import {
  BackgroundTaskManager,
  BasePublisher,
  TaskCancelledError,
  TaskTimeoutError,
  createGraphExecutionEvent,
  publishEvent,
  type EventModel,
  type TaskCounts,
  type TaskEvent,
  type TaskHandle,
} from '../../lib';
import { getDefaultLogger } from '../../lib/logging/default-logger';
import { capturingLogger, deferred, nextTurn, rejectionOf, stackFramesArgument, untilAborted, type CapturingLogger } from '../support/helpers';

/** Issue 6, "Faults and bad input": every fault gives a clear error or a logged, counted outcome, and the manager goes on. */

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The manager still works: one more task runs and completes. */
async function expectStillWorks(manager: BackgroundTaskManager): Promise<void> {
  const handle = manager.createTask(async () => 'still alive', { name: 'after_fault' });
  expect(await handle.result()).to.equal('still alive');
  expect(handle.status).to.equal('completed');
}

function counts(manager: BackgroundTaskManager): TaskCounts {
  let snapshot: TaskCounts | undefined;
  manager.counts$.subscribe((value) => (snapshot = value)).unsubscribe();
  return snapshot as TaskCounts;
}

/** Every captured log message is one line. */
function expectOneLineEach(captured: CapturingLogger): void {
  for (const call of captured.calls) {
    expect(call.message, `log line ${JSON.stringify(call.message)}`).not.to.match(/[\n\r]/);
  }
}

/** A thenable that never calls back. */
const neverThenable = (): PromiseLike<never> => ({ then: () => neverThenable() as never });

describe('BackgroundTaskManager faults and bad input (issue 6)', () => {
  let captured: CapturingLogger;
  let manager: BackgroundTaskManager;

  beforeEach(() => {
    captured = capturingLogger();
    manager = new BackgroundTaskManager({ logger: captured.logger });
  });

  afterEach(async () => {
    sinon.restore();
    await manager.shutdown({ timeoutMs: 20 });
  });

  describe('work that throws synchronously', () => {
    it('fails the task with the thrown Error, logs it at ERROR, counts it, and the manager goes on', async () => {
      const boom = new Error('sync boom');
      const handle = manager.createTask(
        () => {
          throw boom;
        },
        { name: 'thrower' },
      );
      const outcome = await handle.done;
      expect(outcome).to.deep.include({ status: 'failed', error: boom });
      expect(await rejectionOf(handle.result())).to.equal(boom);
      const errors = captured.calls.filter((call) => call.level === 'error');
      expect(errors).to.have.length(1);
      expect(errors[0]?.message).to.contain("'thrower' failed").and.contain('sync boom');
      expect(errors[0]?.args).to.include(stackFramesArgument(boom));
      expect(counts(manager)).to.deep.include({ failed: 1, active: 0 });
      expect(manager.detachedCount).to.equal(0);
      await expectStillWorks(manager);
    });

    it('fails the task with a thrown non-Error value (a string) as is', async () => {
      const handle = manager.createTask(() => {
        throw 'plain string thrown';
      });
      expect(await rejectionOf(handle.result())).to.equal('plain string thrown');
      expect(captured.messages('error')[0]).to.contain('"plain string thrown"');
      expect(counts(manager).failed).to.equal(1);
      await expectStillWorks(manager);
    });
  });

  describe('work that rejects with a non-Error', () => {
    const frozen = Object.freeze({ code: 'E_FROZEN', nested: Object.freeze({ depth: 1 }) });
    const cases: { label: string; value: unknown; logged: string }[] = [
      { label: 'undefined', value: undefined, logged: ': undefined' },
      { label: 'a string', value: 'nope', logged: ': "nope"' },
      { label: 'a frozen object', value: frozen, logged: '"code":"E_FROZEN"' },
    ];
    for (const { label, value, logged } of cases) {
      it(`fails the task with ${label} passed through unchanged, logged at ERROR and counted`, async () => {
        const handle = manager.createTask(() => Promise.reject(value), { name: 'non_error' });
        const outcome = await handle.done;
        expect(outcome.status).to.equal('failed');
        expect(outcome.status === 'failed' && outcome.error).to.equal(value);
        expect(await rejectionOf(handle.result())).to.equal(value);
        const errors = captured.messages('error');
        expect(errors).to.have.length(1);
        expect(errors[0]).to.contain("'non_error' failed").and.contain(logged);
        expect(counts(manager)).to.deep.include({ created: 1, failed: 1, active: 0 });
        await expectStillWorks(manager);
      });
    }

    it('rejects waitForAll with the non-Error value itself (undefined included)', async () => {
      manager.createTask(() => Promise.reject(undefined));
      const waited = manager.waitForAll().then(
        () => 'resolved',
        (error: unknown) => ({ rejectedWith: error }),
      );
      expect(await waited).to.deep.equal({ rejectedWith: undefined });
      await expectStillWorks(manager);
    });
  });

  describe('a thenable that never settles', () => {
    it('with timeoutMs: times out with a TaskTimeoutError, logs a WARN, and stays listed as detached work', async () => {
      const handle = manager.createTask(() => neverThenable(), { name: 'hung_thenable', timeoutMs: 10 });
      const outcome = await handle.done;
      expect(outcome.status).to.equal('timed_out');
      expect(outcome.status === 'timed_out' && outcome.reason).to.be.instanceOf(TaskTimeoutError);
      expect(captured.messages('warn')).to.deep.equal(["Background task 'hung_thenable' timed out after 10 ms"]);
      expect(counts(manager)).to.deep.include({ timedOut: 1, active: 0 });
      expect(manager.detachedCount).to.equal(1);
      await expectStillWorks(manager);
      const stats = await manager.shutdown({ timeoutMs: 10 });
      expect(stats).to.deep.include({ status: 'timeout', remainingTasks: 1, timedOut: 1 });
      expect(stats.remaining.map((task) => [task.name, task.status, task.done])).to.deep.equal([['hung_thenable', 'timed_out', false]]);
    });

    it('given directly (not from a function) with timeoutMs: times out too', async () => {
      const handle = manager.createTask(neverThenable(), { timeoutMs: 5 });
      expect((await handle.done).status).to.equal('timed_out');
      await expectStillWorks(manager);
    });

    it('without timeoutMs: shutdown cancels it, gives up after its timeoutMs and reports it as remaining', async () => {
      const handle = manager.createTask(() => neverThenable(), { name: 'hung_forever' });
      await nextTurn();
      expect(handle.status).to.equal('running');
      await expectStillWorks(manager);
      const stats = await manager.shutdown({ timeoutMs: 15 });
      expect(stats).to.deep.include({ status: 'timeout', initialTasks: 1, completedTasks: 0, remainingTasks: 1, cancelled: 1 });
      expect(stats.remaining.map((task) => [task.name, task.status])).to.deep.equal([['hung_forever', 'cancelled']]);
      expect(handle.status).to.equal('cancelled');
      expect(captured.messages('warn').some((line) => line.includes('(timeout)') && line.includes('1 still running'))).to.equal(true);
      // After shutdown the manager still answers, without throwing: new tasks are refused and counted.
      const late = manager.createTask(async () => 1);
      expect(late.status).to.equal('dropped');
      expect(manager.droppedCount).to.equal(1);
    });
  });

  describe('an Observable that never completes', () => {
    it('is unsubscribed (its teardown runs) when it times out', async () => {
      let teardowns = 0;
      let subscribed = 0;
      const work$ = new Observable<number>((subscriber) => {
        subscribed++;
        subscriber.next(1);
        return () => teardowns++;
      });
      const handle = manager.createTask(work$, { name: 'endless$', timeoutMs: 10 });
      await nextTurn();
      expect(subscribed).to.equal(1);
      expect(teardowns).to.equal(0);
      expect((await handle.done).status).to.equal('timed_out');
      expect(teardowns).to.equal(1);
      expect(manager.detachedCount).to.equal(0);
      expect(counts(manager).timedOut).to.equal(1);
      expect(captured.messages('warn')[0]).to.contain("'endless$' timed out");
      await expectStillWorks(manager);
    });

    it('is unsubscribed (its teardown runs) when cancelled, also when returned by a function', async () => {
      let teardowns = 0;
      const handle = manager.createTask(() => new Observable<number>(() => () => teardowns++), { name: 'endless_fn$' });
      await nextTurn();
      expect(handle.cancel('enough')).to.equal(true);
      expect(teardowns).to.equal(1);
      const error = (await rejectionOf(handle.result())) as TaskCancelledError;
      expect(error).to.be.instanceOf(TaskCancelledError);
      expect(error.cause).to.equal('enough');
      expect(manager.detachedCount).to.equal(0);
      expect(counts(manager).cancelled).to.equal(1);
      await expectStillWorks(manager);
    });
  });

  describe('an Observable that emits then errors', () => {
    it('fails the task with the error (synchronously emitted), logged and counted', async () => {
      const boom = new Error('stream broke');
      let teardowns = 0;
      const work$ = new Observable<number>((subscriber) => {
        subscriber.next(1);
        subscriber.next(2);
        subscriber.error(boom);
        return () => teardowns++;
      });
      const handle = manager.createTask(work$, { name: 'erroring$' });
      expect(await handle.done).to.deep.include({ status: 'failed', error: boom });
      expect(teardowns).to.equal(1);
      expect(captured.messages('error')[0]).to.contain("'erroring$' failed").and.contain('stream broke');
      expect(counts(manager).failed).to.equal(1);
      await expectStillWorks(manager);
    });

    it('fails the task with a non-Error error emitted later', async () => {
      const handle = manager.createTask(
        () =>
          new Observable<number>((subscriber) => {
            subscriber.next(1);
            const timer = setTimeout(() => subscriber.error('late string error'), 5);
            return () => clearTimeout(timer);
          }),
      );
      expect(await rejectionOf(handle.result())).to.equal('late string error');
      expect(counts(manager).failed).to.equal(1);
      await expectStillWorks(manager);
    });
  });

  describe('a subscriber that throws', () => {
    it('on events$ and counts$ (non-Error values thrown): others still receive, each throw is logged', async () => {
      manager.events$.subscribe(() => {
        throw 'events subscriber broke';
      });
      manager.counts$.subscribe(() => {
        throw undefined;
      });
      const events: TaskEvent['type'][] = [];
      const seenCounts: TaskCounts[] = [];
      manager.events$.subscribe((event) => events.push(event.type));
      manager.counts$.subscribe((value) => seenCounts.push(value));
      expect(await manager.createTask(async () => 1).result()).to.equal(1);
      expect(events).to.deep.equal(['created', 'started', 'completed']);
      expect(seenCounts.at(-1)).to.deep.include({ created: 1, completed: 1, active: 0 });
      const subscriberErrors = captured.calls.filter((call) => call.message.startsWith('A subscriber of the task streams threw'));
      // events$: 3 events; counts$: initial value + created + settled.
      expect(subscriberErrors.filter((call) => call.message.includes('"events subscriber broke"'))).to.have.length(3);
      expect(subscriberErrors.filter((call) => call.message.endsWith(': undefined'))).to.have.length(3);
      expect(subscriberErrors.every((call) => call.level === 'error')).to.equal(true);
      await expectStillWorks(manager);
      expect(events).to.have.length(6);
    });
  });

  describe('a publisher (through publishEvent)', () => {
    let defaultError: sinon.SinonStub;
    beforeEach(() => {
      defaultError = sinon.stub(getDefaultLogger(), 'error');
    });

    function publishTask(publisher: BasePublisher): TaskHandle<unknown> {
      const createTask = sinon.spy(manager, 'createTask');
      publishEvent(createGraphExecutionEvent('end', { runId: 'r-1', threadId: 't-1' }), publisher, manager);
      createTask.restore();
      return createTask.firstCall.returnValue as TaskHandle<unknown>;
    }

    async function expectPublishingStillWorks(): Promise<void> {
      const received: EventModel[] = [];
      const handle = publishTask(
        new (class extends BasePublisher {
          async publish(event: EventModel): Promise<void> {
            received.push(event);
          }
        })(),
      );
      expect((await handle.done).status).to.equal('completed');
      expect(received).to.have.length(1);
    }

    it('that throws synchronously: logged at ERROR, never thrown at the caller, the task completes', async () => {
      const failure = new Error('sync publish failure');
      const handle = publishTask(
        new (class extends BasePublisher {
          publish(): Promise<void> {
            throw failure;
          }
        })(),
      );
      expect((await handle.done).status).to.equal('completed');
      expect(defaultError.calledOnce).to.equal(true);
      expect(defaultError.firstCall.args[0]).to.equal(
        'Failed to publish event graph_execution.end (run r-1, thread t-1): Error: sync publish failure',
      );
      expect(defaultError.firstCall.args, 'one line, no stack: a failing publisher is an operational fault').to.have.length(1);
      await expectPublishingStillWorks();
      await expectStillWorks(manager);
    });

    it('that rejects with a non-Error: logged at ERROR with the value described', async () => {
      const handle = publishTask(
        new (class extends BasePublisher {
          async publish(): Promise<void> {
            throw Object.freeze({ status: 503 });
          }
        })(),
      );
      expect((await handle.done).status).to.equal('completed');
      expect(defaultError.calledOnce).to.equal(true);
      expect(defaultError.firstCall.args[0]).to.contain('{"status":503}');
      await expectPublishingStillWorks();
    });

    it('that hangs (ignoring its signal), with publishTimeoutMs: the task times out, is logged at WARN, counted', async () => {
      let signalSeen: AbortSignal | undefined;
      const handle = publishTask(
        new (class extends BasePublisher {
          constructor() {
            super({ publishTimeoutMs: 10 });
          }
          publish(_event: EventModel, signal?: AbortSignal): Promise<void> {
            signalSeen = signal;
            return new Promise<void>(() => undefined);
          }
        })(),
      );
      expect((await handle.done).status).to.equal('timed_out');
      expect(signalSeen?.aborted).to.equal(true);
      expect(captured.messages('warn')[0]).to.contain("'publish_event' timed out after 10 ms");
      expect(counts(manager).timedOut).to.equal(1);
      expect(manager.detachedCount).to.equal(1);
      expect(defaultError.called).to.equal(false);
      await expectPublishingStillWorks();
    });

    it('that hangs with no publishTimeoutMs: shutdown reports it as remaining', async () => {
      publishTask(
        new (class extends BasePublisher {
          publish(): Promise<void> {
            return new Promise<void>(() => undefined);
          }
        })(),
      );
      await expectPublishingStillWorks();
      const stats = await manager.shutdown({ timeoutMs: 10 });
      expect(stats).to.deep.include({ status: 'timeout', remainingTasks: 1 });
      expect(stats.remaining[0]?.name).to.equal('publish_event');
      expect(defaultError.called).to.equal(false);
    });
  });

  describe('a context that is circular, huge or holds a BigInt', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    circular.list = [circular, { back: circular }];
    const contexts: { label: string; context: () => Record<string, unknown> }[] = [
      { label: 'circular', context: () => circular },
      { label: 'a 1 MB string', context: () => ({ blob: 'x'.repeat(1024 * 1024) }) },
      { label: 'an array of 100k entries', context: () => ({ items: Array.from({ length: 100_000 }, (_, i) => ({ i })) }) },
      { label: 'a BigInt', context: () => ({ amount: 12345678901234567890n, nested: { big: [1n, 2n] } }) },
    ];
    for (const { label, context } of contexts) {
      it(`logs every outcome without throwing, on bounded lines, for ${label}`, async () => {
        const ctx = context();
        const failed = manager.createTask(() => Promise.reject(new Error('fail')), { name: 'ctx_fail', context: ctx });
        const timedOut = manager.createTask((signal) => untilAborted(signal), { name: 'ctx_timeout', context: ctx, timeoutMs: 5 });
        const cancelled = manager.createTask((signal) => untilAborted(signal), { name: 'ctx_cancel', context: ctx });
        const completed = manager.createTask(async () => 'ok', { name: 'ctx_ok', context: ctx });
        const events: TaskEvent[] = [];
        manager.events$.subscribe((event) => events.push(event));
        await nextTurn();
        cancelled.cancel('stop');
        const outcomes = await Promise.all([failed.done, timedOut.done, cancelled.done, completed.done]);
        expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['failed', 'timed_out', 'cancelled', 'completed']);
        expect(() => manager.getTaskInfo({ redacted: true })).not.to.throw();
        expect(events.every((event) => event.context === ctx)).to.equal(true);
        const taskLines = captured.calls.filter((call) => call.message.startsWith("Background task 'ctx_"));
        expect(taskLines.map((call) => call.level).sort()).to.deep.equal(['debug', 'debug', 'error', 'warn']);
        for (const call of taskLines) expect(call.message).to.contain(' context=');
        for (const call of captured.calls) expect(call.message.length).to.be.below(1000);
        expectOneLineEach(captured);
        expect(counts(manager)).to.deep.include({ created: 4, completed: 1, failed: 1, cancelled: 1, timedOut: 1, active: 0 });
        await expectStillWorks(manager);
      });
    }

    it('describes a circular reference and a BigInt readably in the log line', async () => {
      await manager.createTask(() => Promise.reject(10n), { name: 'readable', context: { self: circular, big: 7n } }).done;
      const [line] = captured.messages('error');
      expect(line).to.contain('[Circular]').and.contain('"7n"').and.contain(': 10n');
    });
  });

  describe('task names with newlines or control characters', () => {
    it('keeps every log line on one line: failure, timeout, completion, cancellation, detached work, drops', async () => {
      const evil = 'evil\r\nERROR forged line\n\u0000\u001b[31mred\u2028';
      const small = new BackgroundTaskManager({ logger: captured.logger, maxPendingTasks: 3 });
      const release = deferred<void>();
      try {
        const failed = small.createTask(() => Promise.reject(new Error('multi\nline\rerror')), {
          name: `${evil}fail`,
          context: { 'key\nwith\rbreaks': 'value\nwith\rbreaks' },
        });
        const timedOut = small.createTask(() => release.promise, { name: `${evil}timeout`, timeoutMs: 5 });
        const cancelled = small.createTask((signal) => untilAborted(signal), { name: `${evil}cancel` });
        const overflow = small.createTask(async () => 1, { name: `${evil}overflow` });
        expect(overflow.status).to.equal('dropped');
        await nextTurn();
        cancelled.cancel('line1\nline2');
        await Promise.all([failed.done, timedOut.done, cancelled.done]);
        release.resolve(); // the timed-out work finishes later, as detached work
        await nextTurn();
        await small.createTask(async () => 1, { name: `${evil}ok` }).done;
        expect(small.detachedCount).to.equal(0);
        await small.shutdown();
        small.createTask(async () => 1, { name: `${evil}late` });
      } finally {
        await small.shutdown();
      }
      const levels = new Set(captured.calls.map((call) => call.level));
      expect([...levels].sort()).to.deep.equal(['debug', 'error', 'info', 'warn']);
      expect(captured.calls.filter((call) => call.message.includes('evil')).length).to.be.at.least(6);
      expectOneLineEach(captured);
      expect(captured.calls.some((call) => call.message.includes('\u001b') || call.message.includes('\u0000'))).to.equal(false);
    });

    it('keeps the subscriber-failure and waitForAll lines on one line too', async () => {
      manager.events$.subscribe(() => {
        throw new Error('sub\nscriber\rbroke');
      });
      manager.createTask((signal) => untilAborted(signal), { name: 'a\nb' });
      expect((await manager.waitForAll({ timeoutMs: 5 })).status).to.equal('timeout');
      expectOneLineEach(captured);
      expect(captured.messages('error').length).to.be.at.least(1);
      await expectStillWorks(manager);
    });
  });

  describe('createTask from inside the manager’s own callbacks', () => {
    it('from a task’s completion handler (handle.done.then and result().then): the new tasks run and complete', async () => {
      const parent = manager.createTask(async () => 'parent', { name: 'parent' });
      const fromDone = parent.done.then(() => manager.createTask(async () => 'from done', { name: 'child_done' }));
      const fromResult = parent.result().then(() => manager.createTask(async () => 'from result', { name: 'child_result' }));
      const [doneChild, resultChild] = await Promise.all([fromDone, fromResult]);
      expect(await doneChild.result()).to.equal('from done');
      expect(await resultChild.result()).to.equal('from result');
      expect(counts(manager)).to.deep.include({ created: 3, completed: 3, active: 0 });
      await expectStillWorks(manager);
    });

    it('from a failed task’s completion handler too', async () => {
      const parent = manager.createTask(() => Promise.reject(new Error('parent failed')));
      const child = await parent.done.then(() => manager.createTask(async () => 'recovered'));
      expect(await child.result()).to.equal('recovered');
      expect(counts(manager)).to.deep.include({ created: 2, completed: 1, failed: 1, active: 0 });
    });

    it('from a completion handler run by shutdown: refused as dropped (reason shutdown), counted, never lost silently', async () => {
      const parent = manager.createTask((signal) => untilAborted(signal), { name: 'parent' });
      const child = parent.done.then(() => manager.createTask(async () => 'child', { name: 'child' }));
      await nextTurn();
      const stats = await manager.shutdown({ timeoutMs: 20 });
      expect(stats).to.deep.include({ status: 'completed', cancelled: 1 });
      const handle = await child;
      expect(handle.status).to.equal('dropped');
      const outcome = await handle.done;
      expect(outcome.status === 'dropped' && outcome.reason.dropReason).to.equal('shutdown');
      expect(manager.droppedCount).to.equal(1);
    });

    it('from an events$ subscriber on the final events (completed, failed): the new tasks run and complete', async () => {
      const children: TaskHandle<string>[] = [];
      manager.events$.subscribe((event) => {
        if ((event.type === 'completed' || event.type === 'failed') && event.name.startsWith('parent')) {
          children.push(manager.createTask(async () => `child of ${event.name}`, { name: `child_${event.id}` }));
        }
      });
      await manager.createTask(async () => 1, { name: 'parent_ok' }).done;
      await manager.createTask(() => Promise.reject(new Error('x')), { name: 'parent_fail' }).done;
      expect(children).to.have.length(2);
      expect(await Promise.all(children.map((child) => child.result()))).to.deep.equal([
        'child of parent_ok',
        'child of parent_fail',
      ]);
      expect(counts(manager)).to.deep.include({ created: 4, completed: 3, failed: 1, active: 0 });
      await expectStillWorks(manager);
    });
  });

  describe('shutdown() called from inside a task', () => {
    it('from async work that honours its signal: the task is cancelled and shutdown completes', async () => {
      let stats: ReturnType<BackgroundTaskManager['shutdown']> | undefined;
      const other = manager.createTask((signal) => untilAborted(signal), { name: 'other' });
      const handle = manager.createTask(
        (signal) => {
          stats = manager.shutdown({ timeoutMs: 50 });
          return untilAborted(signal);
        },
        { name: 'self_shutdown' },
      );
      await nextTurn();
      expect(stats).not.to.equal(undefined);
      const result = await stats;
      expect(result).to.deep.include({ status: 'completed', initialTasks: 2, remainingTasks: 0, cancelled: 2 });
      expect(handle.status).to.equal('cancelled');
      expect(other.status).to.equal('cancelled');
      expect(manager.state).to.equal('shutdown');
      expect(manager.createTask(async () => 1).status).to.equal('dropped');
      expect((await manager.shutdown()).status).to.equal('already_shutdown');
    });

    it('from synchronous work that returns a value right after calling it: no throw, every count adds up', async () => {
      let stats: ReturnType<BackgroundTaskManager['shutdown']> | undefined;
      const handle = manager.createTask(
        () => {
          stats = manager.shutdown({ timeoutMs: 50 });
          return 'returned anyway';
        },
        { name: 'sync_self_shutdown' },
      );
      await nextTurn();
      const result = await stats;
      expect(result).to.deep.include({ status: 'completed', initialTasks: 1, remainingTasks: 0, cancelled: 1, succeeded: 0 });
      // shutdown() cancelled the task while its work was still on the stack: the value it returned is discarded.
      expect(handle.status).to.equal('cancelled');
      const c = counts(manager);
      expect(c.created).to.equal(c.active + c.completed + c.failed + c.cancelled + c.timedOut);
      expect(c).to.deep.include({ created: 1, active: 0 });
      expect(manager.detachedCount).to.equal(0);
      expect(manager.state).to.equal('shutdown');
    });

    it('from work that awaits it: shutdown cannot wait for its caller, gives up after timeoutMs and reports it', async () => {
      let stats: ReturnType<BackgroundTaskManager['shutdown']> | undefined;
      const handle = manager.createTask(
        async () => {
          stats = manager.shutdown({ timeoutMs: 15 });
          await stats;
        },
        { name: 'awaits_own_shutdown' },
      );
      await nextTurn();
      const result = await stats;
      expect(result).to.deep.include({ status: 'timeout', remainingTasks: 1, cancelled: 1 });
      expect(result?.remaining[0]?.name).to.equal('awaits_own_shutdown');
      expect(handle.status).to.equal('cancelled');
      await nextTurn();
      expect(manager.detachedCount).to.equal(0); // its work finished right after, as detached work
    });
  });

  describe('cancelAll() and shutdown() racing', () => {
    for (const order of ['cancelAll first', 'shutdown first'] as const) {
      it(`settles every task exactly once and keeps the books straight (${order})`, async () => {
        const finals = new Map<number, number>();
        manager.events$.subscribe((event) => {
          if (event.type !== 'created' && event.type !== 'started') finals.set(event.id, (finals.get(event.id) ?? 0) + 1);
        });
        const handles = [
          manager.createTask((signal) => untilAborted(signal)),
          manager.createTask((signal) => untilAborted(signal)),
          manager.createTask(() => new Promise<never>(() => undefined), { name: 'stubborn' }),
          manager.createTask(async () => 'done'), // still pending when the race starts
        ];
        await Promise.resolve();
        const [cancelledByCancelAll, stats] =
          order === 'cancelAll first'
            ? await Promise.all([manager.cancelAll('race'), manager.shutdown({ timeoutMs: 15 })])
            : await Promise.all([manager.shutdown({ timeoutMs: 15 }), manager.cancelAll('race')]).then(
                ([s, n]) => [n, s] as const,
              );
        expect(cancelledByCancelAll).to.equal(order === 'cancelAll first' ? 4 : 0);
        expect(handles.every((handle) => handle.status === 'cancelled')).to.equal(true);
        expect([...finals.values()]).to.deep.equal([1, 1, 1, 1]);
        expect(stats).to.deep.include({ status: 'timeout', initialTasks: 4, remainingTasks: 1, cancelled: 4 });
        expect(stats.completedTasks + stats.remainingTasks).to.equal(stats.initialTasks);
        expect(counts(manager)).to.deep.include({ created: 4, cancelled: 4, active: 0 });
        expect(await manager.cancelAll()).to.equal(0);
        expect(manager.state).to.equal('shutdown');
      });
    }

    it('cancelAll() alone, repeated concurrently, cancels each task once and the manager goes on', async () => {
      manager.createTask((signal) => untilAborted(signal));
      manager.createTask((signal) => untilAborted(signal));
      const [first, second] = await Promise.all([manager.cancelAll('a'), manager.cancelAll('b')]);
      expect(first + second).to.equal(2);
      expect(counts(manager)).to.deep.include({ cancelled: 2, active: 0 });
      await expectStillWorks(manager);
    });
  });

  describe('a caller signal that is already aborted', () => {
    const reasons: { label: string; abort: (controller: AbortController) => void; check: (reason: unknown) => void }[] = [
      {
        label: 'no reason (an AbortError)',
        abort: (controller) => controller.abort(),
        check: (reason) => expect((reason as DOMException).name).to.equal('AbortError'),
      },
      { label: 'an Error reason', abort: (c) => c.abort(new Error('client gone')), check: (r) => expect((r as Error).message).to.equal('client gone') },
      { label: 'a string reason', abort: (c) => c.abort('too late'), check: (r) => expect(r).to.equal('too late') },
    ];
    for (const { label, abort, check } of reasons) {
      it(`cancels the task with the caller’s reason (${label}), never calls the work, counts it, and goes on`, async () => {
        const controller = new AbortController();
        abort(controller);
        const work = sinon.spy(async () => 1);
        const handle = manager.createTask(work, { name: 'pre_aborted', signal: controller.signal });
        expect(handle.status).to.equal('cancelled');
        const outcome = await handle.done;
        expect(outcome.status).to.equal('cancelled');
        const reason = outcome.status === 'cancelled' ? outcome.reason : undefined;
        expect(reason).to.equal(controller.signal.reason);
        check(reason);
        expect(handle.signal.reason).to.equal(controller.signal.reason);
        const error = (await rejectionOf(handle.result())) as TaskCancelledError;
        expect(error).to.be.instanceOf(TaskCancelledError);
        expect(error.cause).to.equal(controller.signal.reason);
        await nextTurn();
        expect(work.called).to.equal(false);
        expect(counts(manager)).to.deep.include({ created: 1, cancelled: 1, active: 0, dropped: 0 });
        expect(captured.messages('debug').some((line) => line.includes("'pre_aborted' cancelled"))).to.equal(true);
        await expectStillWorks(manager);
      });
    }

    it('never subscribes to Observable work given with an already-aborted signal', async () => {
      const subscribe = sinon.spy(() => undefined);
      const handle = manager.createTask(new Observable<number>(subscribe), { signal: AbortSignal.abort('gone') });
      await nextTurn();
      expect(handle.status).to.equal('cancelled');
      expect(subscribe.called).to.equal(false);
      await expectStillWorks(manager);
    });
  });
});
