import { expect } from 'chai';
import fc from 'fast-check';
import log from 'loglevel';
import { BackgroundTaskManager, type TaskHandle } from '../../lib';
import { FINAL_STATUSES, TaskHistory, type TaskRecord } from '../../examples/dashboard/task-history';
import { asContext, hostileArb, make } from '../support/hostile-values';

const quiet = log.getLogger('task-history-spec');
quiet.setLevel('silent');

describe('examples/dashboard TaskHistory', () => {
  let manager: BackgroundTaskManager;
  let history: TaskHistory;

  beforeEach(() => {
    manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: quiet });
  });

  afterEach(async () => {
    history?.close();
    await manager.shutdown({ timeoutMs: 1_000 });
  });

  function settleAll(handles: readonly TaskHandle<unknown>[]): Promise<unknown> {
    return Promise.all(handles.map((handle) => handle.done));
  }

  it('keeps a failure findable, with its stack, after 1,000 other tasks', async () => {
    history = new TaskHistory(manager);
    const failing = manager.createTask(async () => {
      throw new TypeError('upstream returned 503');
    }, { name: 'sync_crm', context: { userId: 'alice' } });
    await failing.done;
    await settleAll(Array.from({ length: 1_000 }, (_, index) => manager.createTask(async () => index, { name: 'send_email' })));

    const failures = history.page({ status: 'failed' });
    expect(failures.total).to.equal(1);
    const [record] = failures.records as TaskRecord[];
    expect(record.id).to.equal(failing.id);
    expect(record.error?.name).to.equal('TypeError');
    expect(record.error?.message).to.equal('upstream returned 503');
    expect(record.error?.stack, 'a page leaves stacks out').to.equal(undefined);
    expect(record.context).to.deep.equal({ userId: 'alice' });
    const detail = history.get(failing.id) as TaskRecord;
    expect(detail.error?.stack).to.match(/^TypeError: upstream returned 503\n\s+at /);
    expect({ ...detail, error: { ...detail.error, stack: undefined } }).to.deep.equal(record);
    expect(history.page({ status: 'completed' }).total).to.equal(1_000);
  });

  it('is bounded: the last maxCompleted completions and the last maxProblems others, with exact totals', async () => {
    history = new TaskHistory(manager, { maxCompleted: 5, maxProblems: 3 });
    const completed = Array.from({ length: 12 }, (_, index) => manager.createTask(async () => index, { name: 'ok' }));
    const failed = Array.from({ length: 7 }, () => manager.createTask(async () => Promise.reject(new Error('no')), { name: 'bad' }));
    await settleAll([...completed, ...failed]);
    const page = history.page({ limit: 1_000 });
    expect(page.records.map((record) => record.id).sort((a, b) => a - b)).to.deep.equal([
      ...completed.slice(-5).map((handle) => handle.id),
      ...failed.slice(-3).map((handle) => handle.id),
    ]);
    expect(page.kept).to.deep.equal({ failed: 3, timed_out: 0, cancelled: 0, dropped: 0, completed: 5 });
    expect(page.totals.user).to.deep.equal({ created: 19, completed: 12, failed: 7, cancelled: 0, timed_out: 0, dropped: 0 });
    expect(history.get(completed[0]?.id as number), 'forgotten').to.equal(undefined);
  });

  it('records the timeline, duration, tags and the reason of a timeout, a cancellation and a drop', async () => {
    history = new TaskHistory(manager);
    const scope = manager.scope({ name: 'run', runId: 'run-1', threadId: 'thread-1' });
    const timedOut = scope.createTask((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { name: 'call_webhook', timeoutMs: 20 });
    const cancelled = manager.createTask((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { name: 'slow' });
    setTimeout(() => cancelled.cancel('password=hunter2 by the operator'), 5);
    await settleAll([timedOut, cancelled]);
    await manager.shutdown();
    const dropped = manager.createTask(async () => 1, { name: 'late' });

    const timedOutRecord = history.get(timedOut.id) as TaskRecord;
    expect(timedOutRecord.status).to.equal('timed_out');
    expect(timedOutRecord.timeline.map((step) => step.type)).to.deep.equal(['created', 'started', 'timed_out']);
    const times = timedOutRecord.timeline.map((step) => step.at);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(timedOutRecord.durationMs).to.be.at.least(15);
    expect(timedOutRecord.timeoutMs).to.equal(20);
    expect([timedOutRecord.runId, timedOutRecord.threadId]).to.deep.equal(['run-1', 'thread-1']);
    expect(timedOutRecord.reason).to.include('timed out after 20 ms');

    const cancelledRecord = history.get(cancelled.id) as TaskRecord;
    expect(cancelledRecord.reason).to.include('[REDACTED]').and.not.include('hunter2');
    const droppedRecord = history.get(dropped.id) as TaskRecord;
    expect(droppedRecord.status).to.equal('dropped');
    expect(droppedRecord.timeline.map((step) => step.type)).to.deep.equal(['created', 'dropped']);
  });

  it('redacts a failure: the message, the whole stack, the context; escapes control characters; cuts a long stack', async () => {
    history = new TaskHistory(manager, { maxStackChars: 300 });
    const error = new Error('login failed: password=hunter2');
    error.stack = `Error: login failed\n    at connect (postgres://admin:s3cret@db:5432/app)\u001b[2J\n${'    at frame (file.js:1:1)\n'.repeat(40)}`;
    const task = manager.createTask(async () => Promise.reject(error), { name: 'login', context: { apiKey: 'k-123', user: 'bob' } });
    await task.done;
    const record = history.get(task.id) as TaskRecord;
    expect(record.error?.message).to.equal('login failed: password=[REDACTED]');
    expect(record.error?.stack).not.to.include('s3cret').and.not.include('\u001b').and.include('\\x1b[2J');
    expect(record.error?.stack).to.include('more characters cut');
    expect((record.error?.stack ?? '').length).to.be.below(400);
    expect(record.context).to.deep.equal({ apiKey: '[REDACTED]', user: 'bob' });
  });

  it('redacts, cuts and escapes names, run, thread and node too; bounds a context; escapes bidirectional overrides', async () => {
    history = new TaskHistory(manager);
    const scope = manager.scope({ name: 'req', runId: 'run?api_key=AKIAIOSFODNN7EXAMPLE', threadId: 'thread password=hunter2' });
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`k${index}`, 'v'.repeat(900)]));
    let task!: TaskHandle<unknown>;
    await scope.run(
      async () => {
        task = manager.createTask(async () => Promise.reject(Object.assign(new Error('evil \u202eoverride'), { name: `N${'x'.repeat(5_000)}` })), {
          name: `job password=hunter2 ${'y'.repeat(5_000)}`,
          context: wide,
        });
      },
      { nodeName: 'node token=ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' },
    );
    await task.done;
    const record = history.get(task.id) as TaskRecord;
    const text = JSON.stringify(record);
    for (const secret of ['hunter2', 'AKIAIOSFODNN7EXAMPLE', 'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789']) expect(text).not.to.include(secret);
    expect(record.name.length).to.be.below(1_100);
    expect((record.error?.name ?? '').length).to.be.below(1_100);
    expect(record.error?.message).to.include('\\u202e').and.not.include('\u202e');
    expect(JSON.stringify(record.context).length, 'a context is bounded').to.be.at.most(4_000);
    const escaped = manager.createTask(async () => Promise.reject(new Error(`ECONNREFUSED connecting to db: ${'M'.repeat(1_500)}`)), {
      name: 'escapes',
      context: { a: Array(400).fill('\\'.repeat(40)) },
    });
    await escaped.done;
    const escapedRecord = history.get(escaped.id) as TaskRecord;
    expect(JSON.stringify(escapedRecord.context).length, 'escaping does not double the bound').to.be.at.most(4_000);
    expect(escapedRecord.error?.message, 'a long message keeps its start').to.match(/^ECONNREFUSED connecting to db: M+… \(cut\)$/);
    expect(history.page({ text: 'hunter2' }).total, 'search cannot confirm a secret').to.equal(0);
  });

  it('counts internal tasks apart and leaves them out unless asked', async () => {
    history = new TaskHistory(manager);
    await settleAll([manager.createTask(async () => 1, { name: 'publish_event' }), manager.createTask(async () => 1, { name: 'mine' })]);
    const page = history.page();
    expect(page.records.map((record) => record.name)).to.deep.equal(['mine']);
    expect(page.totals.user.completed).to.equal(1);
    expect(page.totals.internal.completed).to.equal(1);
    expect(history.page({ internal: true }).records.map((record) => record.name).sort()).to.deep.equal(['mine', 'publish_event']);
    expect(page.kept.completed, 'kept counts follow the internal toggle').to.equal(1);
    expect(history.page({ internal: true }).kept.completed).to.equal(2);
  });

  it('keeps the internal tasks’ completions apart: many of them never push the user’s completions out', async () => {
    history = new TaskHistory(manager, { maxCompleted: 5, maxInternal: 3 });
    const mine = Array.from({ length: 5 }, (_, index) => manager.createTask(async () => index, { name: 'mine' }));
    await settleAll(mine);
    await settleAll(Array.from({ length: 50 }, () => manager.createTask(async () => 1, { name: 'publish_event' })));
    expect(history.page({ status: 'completed' }).records.map((record) => record.id)).to.deep.equal(mine.map((handle) => handle.id).reverse());
    const all = history.page({ status: 'completed', internal: true });
    expect(all.total).to.equal(8);
    expect(all.totals.internal.completed).to.equal(50);
  });

  it('filters by status, name, run, thread and text, and pages most recent first', async () => {
    history = new TaskHistory(manager);
    const runs = ['a', 'b'].map((runId) => manager.scope({ name: runId, runId, threadId: `t-${runId}` }));
    const handles: TaskHandle<unknown>[] = [];
    for (let index = 0; index < 10; index++) {
      const scope = runs[index % 2] as (typeof runs)[number];
      handles.push(scope.createTask(async () => (index === 7 ? Promise.reject(new Error('disk full on /var')) : index), { name: index % 3 === 0 ? 'fizz' : 'other', context: { doc: `doc-${index}` } }));
      await handles[index]?.done;
    }
    expect(history.page({ runId: 'a' }).total).to.equal(5);
    expect(history.page({ threadId: 't-b' }).total).to.equal(5);
    expect(history.page({ name: 'fizz' }).records.map((record) => record.id)).to.deep.equal([9, 6, 3, 0].map((index) => handles[index]?.id));
    expect(history.page({ text: 'DISK FULL' }).records.map((record) => record.id)).to.deep.equal([handles[7]?.id]);
    expect(history.page({ text: 'doc-4' }).records.map((record) => record.id)).to.deep.equal([handles[4]?.id]);
    expect(history.page({ status: 'failed', runId: 'a' }).total).to.equal(0);
    const second = history.page({ offset: 3, limit: 3 });
    expect(second.total).to.equal(10);
    expect(second.records.map((record) => record.id)).to.deep.equal([6, 5, 4].map((index) => handles[index]?.id));
    expect(FINAL_STATUSES).to.have.members(['completed', 'failed', 'cancelled', 'timed_out', 'dropped']);
  });

  it('follows a task in flight: get() gives its status and timeline so far', async () => {
    history = new TaskHistory(manager);
    let release!: () => void;
    const task = manager.createTask(() => new Promise<void>((resolve) => (release = resolve)), { name: 'held', context: { token: 't-1' } });
    expect(history.get(task.id)?.status).to.equal('pending');
    await new Promise((resolve) => setImmediate(resolve));
    const running = history.get(task.id) as TaskRecord;
    expect(running.status).to.equal('running');
    expect(running.timeline.map((step) => step.type)).to.deep.equal(['created', 'started']);
    expect(running.context).to.deep.equal({ token: '[REDACTED]' });
    release();
    await task.done;
    expect(history.get(task.id)?.status).to.equal('completed');
  });

  it('is total under hostile errors, reasons and contexts: every task is recorded, outcomes are unchanged, JSON is always possible', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ error: hostileArb, context: hostileArb, mode: fc.constantFrom('fail', 'throw', 'cancel') }), { minLength: 1, maxLength: 6 }), async (plans) => {
        const local = new BackgroundTaskManager({ maxPendingTasks: 0, logger: quiet });
        const localHistory = new TaskHistory(local);
        try {
          const handles = plans.map((plan) => {
            const handle = local.createTask(
              (signal) =>
                plan.mode === 'cancel'
                  ? new Promise((_, reject) => signal.addEventListener('abort', () => reject(make(plan.error))))
                  : plan.mode === 'throw'
                    ? (() => {
                        throw make(plan.error);
                      })()
                    : Promise.reject(make(plan.error)),
              { name: `hostile_${plan.mode}`, context: asContext(make(plan.context)) },
            );
            if (plan.mode === 'cancel') handle.cancel(make(plan.error));
            return handle;
          });
          await settleAll(handles);
          for (const [index, handle] of handles.entries()) {
            const expected = (plans[index] as { mode: string }).mode === 'cancel' ? 'cancelled' : 'failed';
            expect(handle.status).to.equal(expected);
            const record = localHistory.get(handle.id);
            expect(record?.status, `task ${handle.id}`).to.equal(expected);
            expect(() => JSON.stringify(record)).not.to.throw();
          }
          const page = localHistory.page({ limit: 1_000, text: 'x' });
          expect(page.totals.user.created).to.equal(plans.length);
          expect(localHistory.page({ limit: 1_000 }).total).to.equal(plans.length);
        } finally {
          localHistory.close();
          await local.shutdown({ timeoutMs: 1_000 });
        }
      }),
      { numRuns: Number(process.env['HOSTILE_RUNS'] ?? 100) },
    );
  });

  it('refuses a bound that is not a positive integer, naming it', () => {
    expect(() => new TaskHistory(manager, { maxProblems: 0 })).to.throw(RangeError, 'maxProblems');
    expect(() => new TaskHistory(manager, { maxCompleted: 1.5 })).to.throw(RangeError, 'maxCompleted');
  });
});
