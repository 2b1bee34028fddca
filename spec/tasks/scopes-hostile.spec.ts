import { expect } from 'chai';
import { queueScheduler, type SchedulerLike } from 'rxjs';
import { BackgroundTaskManager, InvalidArgumentError, StateGraph, TaskScope, inject, type TaskEvent } from '../../lib';
import { callerSignalLinks } from '../../lib/util/caller-signal-links';
import { capturingLogger, deferred, rejectionOf, thrownBy, untilAborted } from '../support/helpers';

/** A compiled graph whose one node starts a task named 'long' that runs until cancelled. */
function spawningLong() {
  return new StateGraph<{ n: number }>()
    .addNode('spawn', (state) => {
      inject(BackgroundTaskManager).createTask((signal) => untilAborted(signal), { name: 'long' });
      return state;
    })
    .setEntryPoint('spawn')
    .compile();
}

/** Runs, scopes, task$ and the scheduler option under hostile input (found by a hostile review of issue 16). */
describe('runs and scopes under hostile input', () => {
  const quiet = () => ({ logger: capturingLogger('silent').logger });

  it('task$(): a failure nobody handles and a subscriber that throws are counted and logged, never uncaught', async () => {
    const manager = new BackgroundTaskManager(quiet());
    manager.task$(async () => {
      throw new Error('work failed');
    }).subscribe(() => undefined); // no error callback
    manager.task$(async () => 1).subscribe(() => {
      throw new Error('subscriber threw');
    });
    const scope = manager.scope({ name: 's' });
    scope.task$(async () => {
      throw new Error('scope work failed');
    }).subscribe(() => undefined);
    await manager.waitForAll({ returnExceptions: true });
    await new Promise((resolve) => setTimeout(resolve, 10)); // RxJS would have thrown its uncaught error by now
    expect(manager.stats.callbackFailures).to.equal(3);
    await manager.shutdown();
  });

  it('a scheduler whose schedule() throws or returns no Subscription changes no outcome: counted, tasks settle', async () => {
    for (const [throws, schedule] of [
      [true, (): never => {
        throw new Error('schedule failed');
      }],
      [false, (work: (this: unknown, state?: unknown) => void, delay = 0, state?: unknown): unknown => {
        setTimeout(() => work.call({}, state), delay);
        return {}; // not a Subscription: nothing to cancel, and its late timeout finds the task settled
      }],
    ] as const) {
      const scheduler = { now: () => performance.now(), schedule } as unknown as SchedulerLike;
      const manager = new BackgroundTaskManager({ ...quiet(), scheduler });
      const quick = manager.createTask(async () => 1, { name: 'quick', timeoutMs: 1_000 });
      const slow = manager.createTask((signal) => untilAborted(signal), { name: 'slow', timeoutMs: 20 });
      expect(await quick.result()).to.equal(1);
      expect((await slow.done).status).to.equal('timed_out');
      expect(manager.getTaskCount()).to.equal(0);
      expect(manager.stats.callbackFailures > 0, 'the throwing scheduler counted').to.equal(throws);
      expect((await manager.shutdown({ timeoutMs: 100 })).status).to.equal('completed');
    }
  });

  it('a synchronous scheduler (queueScheduler) keeps each task’s events in order: created, started, then final', () => {
    const manager = new BackgroundTaskManager({ scheduler: queueScheduler });
    const seen: string[] = [];
    manager.events$.subscribe((event: TaskEvent) => seen.push(`${event.type}#${event.id}`));
    const handle = manager.createTask(() => 42, { name: 'sync' });
    expect(seen).to.deep.equal([`created#${handle.id}`, `started#${handle.id}`, `completed#${handle.id}`]);
    expect(manager.getTaskCount()).to.equal(0);
  });

  it('a scheduler that runs every action at once, even twice, or whose now() is no number, leaves the books whole', async () => {
    const eager = {
      now: (): unknown => 'not a number',
      schedule(work: (this: unknown, state?: unknown) => void, _delay?: number, state?: unknown) {
        work.call({}, state);
        work.call({}, state);
        return { unsubscribe: () => undefined };
      },
    } as unknown as SchedulerLike;
    const manager = new BackgroundTaskManager({ ...quiet(), scheduler: eager });
    const seen: string[] = [];
    manager.events$.subscribe((event: TaskEvent) => seen.push(event.type));
    const handle = manager.createTask(async () => 1, { name: 'eager', timeoutMs: 10 });
    expect(seen[0]).to.equal('created');
    expect(['completed', 'timed_out', 'running']).to.include(handle.status);
    await handle.done;
    expect(manager.pendingCount).to.equal(0);
    expect(manager.stats.callbackFailures, 'now() that is no number, counted').to.be.greaterThan(0);
    expect((await manager.shutdown({ timeoutMs: 100 })).status).to.equal('completed');
  });

  it('refuses a Proxy as a filter: it could answer for keys it does not list, and read as {} cancel every task', async () => {
    const manager = new BackgroundTaskManager();
    manager.createTask((signal) => untilAborted(signal), { name: 'unrelated' });
    const lying = new Proxy({}, { get: (_target, key) => (key === 'runId' ? 'nope' : undefined) });
    expect(thrownBy(() => manager.getTaskCount(lying))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'filter');
    expect(await rejectionOf(manager.cancelAll(lying as never))).to.be.instanceOf(InvalidArgumentError);
    expect(manager.getTaskCount()).to.equal(1);
    await manager.shutdown({ timeoutMs: 100 });
  });

  it("unsubscribing from a graph's stream while it waits for the run's tasks cancels them", async () => {
    const app = spawningLong();
    const ended = deferred();
    const subscription = app.stream({ n: 1 }, { waitForTasks: true }).subscribe({
      next: (event) => {
        if (event.type === 'graph_end') ended.resolve();
      },
      error: () => undefined,
    });
    await ended.promise;
    expect(app.taskManager.getTaskCount({ name: 'long' })).to.equal(1);
    subscription.unsubscribe();
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.taskManager.getTaskCount({ name: 'long' })).to.equal(0);
    expect(callerSignalLinks.size).to.equal(0);
    await app.close();
  });

  it('refuses a TaskScope made with new, and a filter whose scope only pretends to be one', () => {
    const manager = new BackgroundTaskManager();
    manager.createTask((signal) => untilAborted(signal), { name: 'unrelated' });
    const Scope = TaskScope as unknown as new (host: unknown, core: unknown, events$: unknown, counts$: unknown) => TaskScope;
    expect(thrownBy(() => new Scope(undefined, { owner: manager }, undefined, undefined))).to.be.instanceOf(TypeError);
    const pretender = Object.create(TaskScope.prototype) as TaskScope;
    expect(thrownBy(() => manager.getTaskCount({ scope: pretender }))).to.be.instanceOf(InvalidArgumentError).with.property('argument', 'scope');
    expect(manager.getTaskCount()).to.equal(1);
    void manager.shutdown();
  });

  it('counts a two-field wait once, then keeps it up to date: tasks created during the wait that match are waited for', async () => {
    const manager = new BackgroundTaskManager();
    const scope = manager.scope({ name: 'run', runId: 'r1' });
    const gates = [deferred(), deferred()];
    scope.createTask(() => gates[0]?.promise, { name: 'match' });
    scope.createTask((signal) => untilAborted(signal), { name: 'other' });
    let waited = false;
    const waiting = manager.waitForAll({ runId: 'r1', name: 'match' }).then(() => (waited = true));
    scope.createTask(() => gates[1]?.promise, { name: 'match' }); // created during the wait
    gates[0]?.resolve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(waited).to.equal(false);
    gates[1]?.resolve();
    await waiting;
    expect(manager.getTaskCount({ runId: 'r1' })).to.equal(1); // the 'other' task was not waited for
    await manager.shutdown();
  });

  it('nests scopes at most 100 levels deep, saying so', () => {
    const manager = new BackgroundTaskManager();
    let scope = manager.scope({ name: 'level-1' });
    for (let level = 2; level <= 100; level++) scope = scope.scope({ name: `level-${level}` });
    const error = thrownBy(() => scope.scope({ name: 'level-101' }));
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect((error as Error).message).to.include('at most 100 levels deep');
  });

  it("a graph run's caller signal aborting while invoke() waits for the run's tasks cancels them and rejects with its reason", async () => {
    const controller = new AbortController();
    const app = spawningLong();
    const running = app.invoke({ n: 1 }, { signal: controller.signal, waitForTasks: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.taskManager.getTaskCount({ name: 'long' })).to.equal(1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await rejectionOf(running)).to.equal(reason);
    expect(app.taskManager.getTaskCount({ name: 'long' })).to.equal(0);
    expect(callerSignalLinks.size).to.equal(0);
    await app.close();
  });
});
