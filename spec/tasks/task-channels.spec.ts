import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  BackgroundTaskManager,
  TASK_CHANNELS,
  TaskDroppedError,
  wrapTaskLaunch,
  addTaskLogFields,
  InvalidArgumentError,
  type TaskChannelMessage,
  type TaskSettledMessage,
} from '../../lib';
import { capturingLogger, deferred, untilAborted } from '../support/helpers';

describe('task lifecycle on diagnostics channels (TASK_CHANNELS)', () => {
  let manager: BackgroundTaskManager;
  const heard: { channel: string; message: TaskChannelMessage; store: string | undefined }[] = [];
  const store = new AsyncLocalStorage<string>();
  const listeners = Object.fromEntries(
    Object.entries(TASK_CHANNELS).map(([key, name]) => [key, (message: unknown) => heard.push({ channel: key, message: message as TaskChannelMessage, store: store.getStore() })]),
  );

  beforeEach(() => {
    heard.length = 0;
    manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger, maxPendingTasks: 1, overflow: 'drop-newest' });
    for (const [key, name] of Object.entries(TASK_CHANNELS)) subscribe(name, listeners[key] as (message: unknown) => void);
  });
  afterEach(async () => {
    for (const [key, name] of Object.entries(TASK_CHANNELS)) unsubscribe(name, listeners[key] as (message: unknown) => void);
    await manager.shutdown({ timeoutMs: 200 });
  });

  it('publishes created (in the caller’s context, after the books), started, settled with the outcome, and a refused task as settled only', async () => {
    const handle = store.run('request-1', () =>
      manager.createTask(async () => 'ok', { name: 'one' }),
    );
    const created = heard.find((entry) => entry.channel === 'created');
    expect(created?.store).to.equal('request-1');
    expect(created?.message.manager).to.equal(manager);
    expect(created?.message.task).to.equal(handle);
    expect(manager.getTaskCount()).to.equal(1);
    const refused = manager.createTask(async () => undefined, { name: 'refused' });
    await handle.done;
    const seen = heard.filter((entry) => entry.message.manager === manager).map((entry) => `${entry.channel} ${entry.message.task.name}`);
    expect(seen).to.deep.equal(['created one', 'settled refused', 'started one', 'settled one']);
    const settled = heard.filter((entry) => entry.channel === 'settled').map((entry) => entry.message as TaskSettledMessage);
    expect(settled[0]?.task).to.equal(refused);
    expect(settled[0]?.outcome.status).to.equal('dropped');
    expect((settled[0]?.outcome as { reason?: unknown }).reason).to.be.instanceOf(TaskDroppedError);
    expect(settled[1]?.outcome).to.include({ status: 'completed', value: 'ok' });
    expect(settled[1]?.detached).to.equal(false);
    expect(settled[1]?.task.status).to.equal('completed'); // published after the books
  });

  it('says when a task settles with its work still running, and when that work stops (workStopped)', async () => {
    const release = deferred();
    const handle = manager.createTask(() => release.promise, { name: 'stubborn', timeoutMs: 5 });
    await handle.done;
    const settled = heard.find((entry) => entry.channel === 'settled')?.message as TaskSettledMessage;
    expect(settled.outcome.status).to.equal('timed_out');
    expect(settled.detached).to.equal(true);
    expect(heard.some((entry) => entry.channel === 'workStopped')).to.equal(false);
    release.resolve();
    await manager.shutdown({ timeoutMs: 1_000 });
    expect(heard.filter((entry) => entry.channel === 'workStopped').map((entry) => entry.message.task)).to.deep.equal([handle]);
  });
});

describe('wrapTaskLaunch()', () => {
  let manager: BackgroundTaskManager;
  beforeEach(() => {
    manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
  });
  afterEach(async () => {
    await manager.shutdown({ timeoutMs: 200 });
  });

  it('runs each task’s work in the context its wrapper launched it in, wrappers nested in the order added', async () => {
    const outer = new AsyncLocalStorage<string>();
    const inner = new AsyncLocalStorage<string>();
    const order: string[] = [];
    const removeOuter = wrapTaskLaunch(manager, (task, launch) => {
      order.push(`outer ${task.name}`);
      outer.run(`outer-${task.id}`, launch);
    });
    wrapTaskLaunch(manager, (task, launch) => {
      order.push(`inner ${task.name}`);
      inner.run(`inner-${task.id}`, launch);
    });
    const a = manager.createTask(async () => [outer.getStore(), inner.getStore()], { name: 'a' });
    const b = manager.createTask(async () => [outer.getStore(), inner.getStore()], { name: 'b' });
    expect(await a.result()).to.deep.equal([`outer-${a.id}`, `inner-${a.id}`]);
    expect(await b.result()).to.deep.equal([`outer-${b.id}`, `inner-${b.id}`]);
    expect(order).to.deep.equal(['outer a', 'inner a', 'outer b', 'inner b']);
    removeOuter();
    removeOuter();
    const c = manager.createTask(async () => [outer.getStore(), inner.getStore()], { name: 'c' });
    expect(await c.result()).to.deep.equal([undefined, `inner-${c.id}`]);
  });

  it('launches the task all the same, once, when a wrapper throws, never calls launch, or calls it twice', async () => {
    let calls = 0;
    const remove = [
      wrapTaskLaunch(manager, () => {
        throw new Error('wrapper down');
      }),
    ];
    const work = async (): Promise<void> => {
      calls++;
    };
    await manager.createTask(work).done;
    remove.forEach((undo) => undo());
    const forgets = wrapTaskLaunch(manager, () => undefined);
    await manager.createTask(work).done;
    forgets();
    wrapTaskLaunch(manager, (_task, launch) => {
      launch();
      launch();
    });
    await manager.createTask(work).done;
    expect(calls).to.equal(3);
    expect(manager.stats.callbackFailures).to.equal(1);
  });

  it('runs an inner wrapper once, and never late: a second launch() or one after the wrapper returned does nothing', async () => {
    const inner: number[] = [];
    let late: (() => void) | undefined;
    wrapTaskLaunch(manager, (task, launch) => {
      launch();
      launch();
      late = launch;
    });
    wrapTaskLaunch(manager, (task, launch) => {
      inner.push(task.id);
      launch();
    });
    const handle = manager.createTask(async () => 'once', { name: 'twice' });
    expect(await handle.result()).to.equal('once');
    late?.();
    expect(inner).to.deep.equal([handle.id]);
  });

  it('lets a task the wrapper cancels before launching end cancelled, its work never called', async () => {
    let called = false;
    wrapTaskLaunch(manager, (task, launch) => {
      (task as { cancel(reason?: unknown): boolean }).cancel('not now');
      launch();
    });
    const handle = manager.createTask(async (signal) => {
      called = true;
      await untilAborted(signal);
    });
    expect((await handle.done).status).to.equal('cancelled');
    expect(called).to.equal(false);
  });

  it('refuses what is not a manager or a function, naming the argument', () => {
    expect(() => wrapTaskLaunch({} as BackgroundTaskManager, () => undefined)).to.throw(InvalidArgumentError, 'manager');
    expect(() => wrapTaskLaunch(manager, 'x' as never)).to.throw(InvalidArgumentError, 'wrapper');
  });
});

describe('addTaskLogFields()', () => {
  it('adds string fields to each task line, skips other values, counts a throwing provider, and can be removed', async () => {
    const text = capturingLogger('debug');
    const manager = new BackgroundTaskManager({ logger: text.logger });
    const remove = addTaskLogFields(manager, (task) => ({
      request_id: `r-${task.id}`,
      skipped: 7 as unknown as string,
      spaced: 'a b\nc',
      'x status=completed trace_id': 'forged', // not a field name: left out
      quoted: 'a\\" status=ok',
    }));
    addTaskLogFields(manager, () => {
      throw new Error('provider down');
    });
    const handle = manager.createTask(async () => undefined, { name: 'logged' });
    await handle.done;
    const line = text.messages('debug').find((message) => message.includes("'logged' completed"));
    expect(line?.endsWith(` request_id=r-${handle.id} spaced="a b\\nc" quoted="a\\\\\\" status=ok"`), line).to.equal(true);
    expect(line).to.not.contain('skipped');
    expect(line).to.not.contain('forged');
    expect(manager.stats.loggerFailures).to.equal(1);
    remove();
    await manager.createTask(async () => undefined, { name: 'plain' }).done;
    expect(text.messages('debug').find((message) => message.includes("'plain' completed"))).to.not.contain('request_id');
    expect(() => addTaskLogFields(manager, 'x' as never)).to.throw(InvalidArgumentError, 'fields');
    await manager.shutdown();
  });
});
