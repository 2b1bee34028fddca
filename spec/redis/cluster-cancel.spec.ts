import { expect } from 'chai';
import { filter, firstValueFrom, timeout } from 'rxjs';
import {
  BackgroundTaskManager,
  CommandRefusedError,
  InvalidArgumentError,
  RedisStreamsPublisher,
  RedisStreamsSubscriber,
  mirrorTaskEvents,
  type ClusterCancelFilter,
  type RedisStreamsClient,
  type TaskEventMirror,
} from '../../lib';
import { capturingLogger, untilAborted } from '../support/helpers';
import { adminClient, deleteKeys, randomPrefix, requireRedis, waitFor } from '../support/redis';
import { parseInfoListReply } from '../../lib/redis/internal/redis-stream-replies';

/*
 * Cluster-wide cancel against the real Redis: a viewer cancels a task of another worker through the control stream
 * (`<stream>:control`), which only a mirror started with `control: true` reads; commands are applied once and
 * only until they expire.
 */
describe('cluster-wide cancel (Redis)', function () {
  this.timeout(20_000);
  let admin: RedisStreamsClient;
  let prefix: string;
  let stream: string;
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async function () {
    await requireRedis(this);
    admin = await adminClient();
  });
  beforeEach(() => {
    prefix = randomPrefix('cancel');
    stream = `${prefix}:events`;
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await deleteKeys(admin, prefix);
  });
  after(async () => {
    if (admin?.isOpen) await admin.close();
  });

  /** A worker: a manager mirrored to the stream, with or without control. */
  async function worker(workerId: string, control: boolean): Promise<{ manager: BackgroundTaskManager; mirror: TaskEventMirror }> {
    const logger = capturingLogger('silent').logger;
    const manager = new BackgroundTaskManager({ logger });
    const publisher = new RedisStreamsPublisher({ stream, workerId, logger });
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 100, batchMs: 10, control });
    cleanup.push(async () => {
      await manager.shutdown({ timeoutMs: 1_000 });
      await mirror.stop();
      await publisher.close();
    });
    if (control) await waitFor(`the control group of ${workerId}`, async () => (await controlGroups()).includes(`agentflow:worker:${workerId}`));
    return { manager, mirror };
  }

  /** The consumer groups of the control stream, each as its XINFO fields (the library's own reader of both protocols). */
  async function controlGroupInfos(): Promise<ReadonlyMap<string, unknown>[]> {
    try {
      return parseInfoListReply(await admin.sendCommand(['XINFO', 'GROUPS', `${stream}:control`])) ?? [];
    } catch {
      return []; // no control stream yet
    }
  }

  async function controlGroups(): Promise<string[]> {
    return (await controlGroupInfos()).map((fields) => String(fields.get('name')));
  }

  function viewer(): RedisStreamsSubscriber {
    const subscriber = new RedisStreamsSubscriber({ stream, group: 'viewer', consumer: 'v', blockMs: 100, logger: capturingLogger('silent').logger });
    cleanup.push(() => subscriber.close());
    return subscriber;
  }

  /** Resolves once the viewer's cluster view lists `workerId` as alive with the given control flag. */
  function known(subscriber: RedisStreamsSubscriber, workerId: string, control: boolean): Promise<unknown> {
    return firstValueFrom(
      subscriber.clusterWorkers$.pipe(
        filter((workers) => workers[workerId]?.status === 'alive' && workers[workerId]?.control === control),
        timeout(5_000),
      ),
    );
  }

  it('cancels a task of another worker by its id, with the reason given: the task ends cancelled and leaves the cluster view', async () => {
    const { manager, mirror } = await worker('w-1', true);
    const subscriber = viewer();
    const hanging = manager.createTask((signal) => untilAborted(signal), { name: 'hangs' });
    const other = manager.createTask((signal) => untilAborted(signal), { name: 'stays' });
    await known(subscriber, 'w-1', true);
    await firstValueFrom(subscriber.clusterTasks$.pipe(filter(({ workers }) => (workers['w-1'] ?? []).length === 2), timeout(5_000)));

    await subscriber.cancelTask('w-1', hanging.id, 'an operator stopped it');

    const outcome = await hanging.done;
    expect(outcome.status).to.equal('cancelled');
    expect(String((outcome as { reason?: Error }).reason?.message)).to.contain('an operator stopped it');
    expect(other.status).to.equal('running');
    await firstValueFrom(
      subscriber.clusterTasks$.pipe(filter(({ workers }) => (workers['w-1'] ?? []).map((task) => task.name).join() === 'stays'), timeout(5_000)),
    );
    expect(mirror.stats).to.include({ commandsApplied: 1, commandsExpired: 0, tasksCancelledByCommands: 1 });
  });

  it('cancels by filter across workers: every worker that reads commands cancels its matching tasks, and only those', async () => {
    const first = await worker('w-a', true);
    const second = await worker('w-b', true);
    const handles = [first, second].flatMap(({ manager }) => [
      manager.createTask((signal) => untilAborted(signal), { name: 'step', context: { runId: 'run-1' } }),
      manager.createTask((signal) => untilAborted(signal), { name: 'step', context: { runId: 'run-2' } }),
    ]);
    const subscriber = viewer();

    await subscriber.cancelTasks({ runId: 'run-1' }, 'the run was cancelled');

    await waitFor('both workers applied it', () => first.mirror.stats.commandsApplied === 1 && second.mirror.stats.commandsApplied === 1);
    await Promise.all([handles[0]?.done, handles[2]?.done]);
    expect(handles.map((handle) => handle.status)).to.deep.equal(['cancelled', 'running', 'cancelled', 'running']);

    await subscriber.cancelTasks({ workerId: 'w-b', name: 'step' });
    await handles[3]?.done;
    expect(handles.map((handle) => handle.status)).to.deep.equal(['cancelled', 'running', 'cancelled', 'cancelled']);
    expect(first.mirror.stats.commandsApplied, 'a command for w-b only').to.equal(1);
  });

  it('applies a command delivered twice once, and ignores one that expired', async () => {
    const { manager, mirror } = await worker('w-1', true);
    const task = manager.createTask((signal) => untilAborted(signal), { name: 'hangs' });
    const now = Date.now();
    const fields = (id: string, expiresAt: number): string[] => [
      'v', '1', 'kind', 'cancel', 'target', 'w-1', 'json', JSON.stringify({ id, taskId: task.id + 1_000, issuedAt: now, expiresAt }),
    ];
    await admin.sendCommand(['XADD', `${stream}:control`, '*', ...fields('twice', now + 60_000)]);
    await admin.sendCommand(['XADD', `${stream}:control`, '*', ...fields('twice', now + 60_000)]);
    await admin.sendCommand(['XADD', `${stream}:control`, '*', ...fields('late', now - 1)]);
    await waitFor('the three entries read', () => mirror.stats.commandsApplied + mirror.stats.commandsExpired === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mirror.stats).to.include({ commandsApplied: 1, commandsExpired: 1, tasksCancelledByCommands: 0 });
    expect(task.status).to.equal('running');
  });

  it('refuses a command for a worker whose mirror does not read commands, and a worker without control never obeys one', async () => {
    const { manager, mirror } = await worker('w-off', false);
    const task = manager.createTask((signal) => untilAborted(signal), { name: 'hangs' });
    const subscriber = viewer();
    await known(subscriber, 'w-off', false);

    const refused = await subscriber.cancelTask('w-off', task.id).then(() => undefined, (error: unknown) => error);
    expect(refused).to.be.instanceOf(CommandRefusedError).and.include({ code: 'COMMAND_REFUSED', workerId: 'w-off' });
    expect((refused as Error).message).to.contain('control: true');

    // sent anyway, by a viewer that does not know the worker: nothing reads it
    await viewer().cancelTasks({ workerId: 'w-off' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(task.status).to.equal('running');
    expect(mirror.stats.commandsApplied).to.equal(0);
    expect(await controlGroups()).to.deep.equal([]);
  });

  it('ignores a command for an earlier instance of the worker, and a new mirror never reads what was sent before it started', async () => {
    const control = `${stream}:control`;
    // a backlog left for a worker of this id by a previous process: its group exists, a command waits in it
    await admin.sendCommand(['XGROUP', 'CREATE', control, 'agentflow:worker:w-1', '0', 'MKSTREAM']);
    const now = Date.now();
    const command = (id: string, json: Record<string, unknown>): string[] => [
      'XADD', control, '*', 'v', '1', 'kind', 'cancel', 'target', 'w-1', 'json', JSON.stringify({ id, issuedAt: now, expiresAt: now + 60_000, ...json }),
    ];
    const backlogId = String(await admin.sendCommand(command('backlog', { taskId: 1 })));
    const { manager, mirror } = await worker('w-1', true);
    // the mirror made its group anew at the stream's end: past the backlog
    await waitFor('the group made anew', async () =>
      (await controlGroupInfos()).some((fields) => String(fields.get('last-delivered-id')) === backlogId),
    );
    const task = manager.createTask((signal) => untilAborted(signal), { name: 'hangs' });
    await admin.sendCommand(command('for-an-old-instance', { taskId: task.id, instance: 'an-earlier-instance' }));
    await waitFor('the command read', () => mirror.stats.commandsRefused === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(task.status).to.equal('running');
    expect(mirror.stats).to.include({ commandsApplied: 0, commandsRefused: 1, tasksCancelledByCommands: 0 });
  });

  it('refuses hostile control entries (unknown fields, __proto__, another layout version, a huge id) and cuts a huge reason', async () => {
    const { manager, mirror } = await worker('w-1', true);
    const tasks = [1, 2, 3].map(() => manager.createTask((signal) => untilAborted(signal), { name: 'hangs' }));
    const control = `${stream}:control`;
    const now = Date.now();
    const entry = (json: string, version = '1'): string[] => ['XADD', control, '*', 'v', version, 'kind', 'cancel', 'target', 'w-1', 'json', json];
    const base = { issuedAt: now, expiresAt: now + 60_000 };
    await admin.sendCommand(entry(JSON.stringify({ id: 'typo', taskid: tasks[0]?.id, ...base })));
    await admin.sendCommand(entry(`{"id":"proto","__proto__":{"taskId":${tasks[0]?.id}},"issuedAt":${now},"expiresAt":${now + 60_000}}`));
    await admin.sendCommand(entry(JSON.stringify({ id: 'v2', taskId: tasks[0]?.id, ...base }), '2'));
    await admin.sendCommand(entry(JSON.stringify({ id: 'x'.repeat(1_000), taskId: tasks[0]?.id, ...base })));
    await admin.sendCommand(entry(JSON.stringify({ id: 'long-reason', taskId: tasks[1]?.id, reason: 'r'.repeat(100_000), ...base })));
    await waitFor('all five read', () => mirror.stats.commandsRefused === 4 && mirror.stats.commandsApplied === 1);
    const outcome = await tasks[1]!.done;
    expect(String((outcome as { reason?: Error }).reason?.message).length).to.be.below(1_200);
    expect(tasks.map((task) => task.status)).to.deep.equal(['running', 'cancelled', 'running']);
  });

  it('leaves no control groups behind: a stopped mirror removes its own, a starting one removes those of crashed workers only', async function () {
    this.timeout(30_000);
    const control = `${stream}:control`;
    // a crashed worker's group: one consumer, silent from now on (its idle time grows)
    await admin.sendCommand(['XGROUP', 'CREATE', control, 'agentflow:worker:crashed', '$', 'MKSTREAM']);
    await admin.sendCommand(['XGROUP', 'CREATECONSUMER', control, 'agentflow:worker:crashed', 'mirror']);
    // a group whose reader has not read yet (no consumer), and a group that is not a worker's
    await admin.sendCommand(['XGROUP', 'CREATE', control, 'agentflow:worker:starting', '$']);
    await admin.sendCommand(['XGROUP', 'CREATE', control, 'someone-else', '$']);
    const live = await worker('w-live', true);
    const stopping = await worker('w-stopping', true);
    await stopping.mirror.stop();
    expect(await controlGroups()).to.not.include('agentflow:worker:w-stopping');

    await new Promise((resolve) => setTimeout(resolve, 5_200)); // the crashed consumer is now idle for over 5 s
    const logger = capturingLogger('info');
    const manager = new BackgroundTaskManager({ logger: logger.logger });
    const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-new', logger: logger.logger });
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, control: true, staleControlGroupMs: 5_000 });
    cleanup.push(async () => {
      await mirror.stop();
      await publisher.close();
    });
    await waitFor('the new worker’s group', async () => (await controlGroups()).includes('agentflow:worker:w-new'));
    expect((await controlGroups()).sort()).to.deep.equal(['agentflow:worker:starting', 'agentflow:worker:w-live', 'agentflow:worker:w-new', 'someone-else']);
    expect(logger.messages('info').join('\n')).to.contain("removed 1 control group(s) of workers unseen for 5000 ms on '" + control + "': 'agentflow:worker:crashed'");
    expect(live.mirror.stats.commandsApplied).to.equal(0);
  });

  it('loses no command when its group is removed while the worker runs (a long pause, another process): it is made again from where it read', async () => {
    const { manager, mirror } = await worker('w-gone', true);
    const subscriber = viewer();
    await known(subscriber, 'w-gone', true);
    const first = manager.createTask((signal) => untilAborted(signal), { name: 'first' });
    await subscriber.cancelTask('w-gone', first.id, 'one');
    expect((await first.done).status).to.equal('cancelled');
    // the group goes, and a command is appended before the worker notices
    await admin.sendCommand(['XGROUP', 'DESTROY', `${stream}:control`, 'agentflow:worker:w-gone']);
    const second = manager.createTask((signal) => untilAborted(signal), { name: 'second' });
    await subscriber.cancelTask('w-gone', second.id, 'two');
    const outcome = await Promise.race([second.done, new Promise((resolve) => setTimeout(() => resolve('lost'), 5_000))]);
    expect(outcome).to.include({ status: 'cancelled' });
    expect(mirror.stats.commandsApplied).to.equal(2);
  });

  it('removes its group when it stops, even if its connection never opened (no heartbeat, no task)', async () => {
    const logger = capturingLogger('silent').logger;
    const manager = new BackgroundTaskManager({ logger });
    const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-quiet', logger });
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, control: true });
    await waitFor('the quiet worker’s group', async () => (await controlGroups()).includes('agentflow:worker:w-quiet'));
    await mirror.stop();
    expect(await controlGroups()).to.not.include('agentflow:worker:w-quiet');
    await publisher.close();
    await manager.shutdown();
  });

  it('warns when another live process reads commands under the same workerId', async () => {
    await worker('w-twin', true);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // the first one has read at least once
    const logger = capturingLogger('warn');
    const manager = new BackgroundTaskManager({ logger: logger.logger });
    const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-twin', logger: logger.logger });
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, control: true });
    cleanup.push(async () => {
      await mirror.stop();
      await publisher.close();
    });
    await waitFor('the warning', async () => logger.messages('warn').some((line) => line.includes("reads commands as workerId 'w-twin' too")));
  });

  it('refuses a staleControlGroupMs under 5 s, saying so', () => {
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-x' });
    for (const value of [0, -1, Number.NaN, 4_999, '6000']) {
      expect(() => mirrorTaskEvents(manager, publisher, { staleControlGroupMs: value as number }), String(value))
        .to.throw(InvalidArgumentError)
        .with.property('message')
        .that.contains('>= 5000');
    }
  });

  it('refuses bad arguments with an InvalidArgumentError naming them, before anything is sent', async () => {
    const subscriber = viewer();
    const cases: [() => Promise<void>, string][] = [
      [() => subscriber.cancelTask('', 1), 'workerId'],
      [() => subscriber.cancelTask(undefined as unknown as string, 1), 'workerId'],
      [() => subscriber.cancelTask('*', 1), 'workerId'],
      [() => subscriber.cancelTask('w', undefined as unknown as number), 'taskId'],
      [() => subscriber.cancelTasks({ workerId: '*' }), 'filter.workerId'],
      [() => subscriber.cancelTask('w', -1), 'taskId'],
      [() => subscriber.cancelTask('w', 1.5), 'taskId'],
      [() => subscriber.cancelTask('w', 1, 42 as unknown as string), 'reason'],
      [() => subscriber.cancelTasks({}), 'filter'],
      [() => subscriber.cancelTasks({ run: 'x' } as unknown as ClusterCancelFilter), '`run` (did you mean `runId`?)'],
      [() => subscriber.cancelTasks({ name: 7 } as unknown as ClusterCancelFilter), 'filter.name'],
      [() => subscriber.cancelTasks(null as unknown as ClusterCancelFilter), 'filter'],
      // a filter key inherited from a prototype is not given: this is an empty filter, not "every task of w-1"
      [() => subscriber.cancelTasks(Object.create({ workerId: 'w-1' }) as ClusterCancelFilter), 'filter'],
    ];
    for (const [call, argument] of cases) {
      const error = await call().then(() => undefined, (rejection: unknown) => rejection);
      expect(error, argument).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).message, argument).to.contain(argument);
    }
    expect(Number(await admin.sendCommand(['EXISTS', `${stream}:control`]))).to.equal(0);
    await subscriber.close();
    const closed = await subscriber.cancelTask('w', 1).then(() => undefined, (error: unknown) => error);
    expect(closed).to.be.instanceOf(CommandRefusedError);
  });
});
