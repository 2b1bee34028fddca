import { expect } from 'chai';
import { filter, firstValueFrom, timeout } from 'rxjs';
import {
  BackgroundTaskManager,
  RedisStreamsPublisher,
  RedisStreamsSubscriber,
  mirrorTaskEvents,
  type ClusterCounts,
  type ClusterTasks,
  type ClusterWorkers,
} from '../../lib';
import { capturingLogger, untilAborted } from '../support/helpers';
import { adminClient, deleteKeys, randomPrefix, REDIS_URL, requireRedis, useOwnRedis } from '../support/redis';
import { spawnLibraryChild } from '../support/run-in-child';
import type { RedisStreamsClient } from '../../lib';

/*
 * The cluster view against the real Redis, as issue "a cluster view that tells the truth" found it wanting:
 * a worker killed with SIGKILL while its tasks hang is shown lost within workerTimeoutMs plus one heartbeat, with
 * no phantom active task; a viewer that starts after the stream was trimmed converges from the next heartbeat;
 * a worker that stops its mirror is shown stopped at once.
 */
describe('cluster view liveness (Redis)', function () {
  this.timeout(30_000);
  let admin: RedisStreamsClient;
  let prefix: string;
  const subscribers: RedisStreamsSubscriber[] = [];

  before(async function () {
    await requireRedis(this);
    admin = await adminClient();
  });
  beforeEach(() => {
    prefix = randomPrefix('liveness');
  });
  afterEach(async () => {
    await Promise.all(subscribers.splice(0).map((subscriber) => subscriber.close()));
    await deleteKeys(admin, prefix);
  });
  after(async () => {
    if (admin?.isOpen) await admin.close();
  });

  function viewer(stream: string, workerTimeoutMs: number): RedisStreamsSubscriber {
    const subscriber = new RedisStreamsSubscriber({
      stream,
      group: `viewer-${subscribers.length}`,
      consumer: 'v',
      blockMs: 100,
      workerTimeoutMs,
      logger: capturingLogger('silent').logger,
    });
    subscribers.push(subscriber);
    return subscriber;
  }

  it('shows a worker killed with SIGKILL as lost within workerTimeoutMs plus one heartbeat, its hanging tasks in total.lost, none active', async () => {
    const stream = `${prefix}:events`;
    const subscriber = viewer(stream, 1_000);
    const workers: ClusterWorkers[] = [];
    const watching = subscriber.clusterWorkers$.subscribe((value) => workers.push(value));
    const child = spawnLibraryChild(`
      const { BackgroundTaskManager, RedisStreamsPublisher, mirrorTaskEvents } = require('./lib');
      const manager = new BackgroundTaskManager();
      const publisher = new RedisStreamsPublisher({ url: ${JSON.stringify(REDIS_URL)}, stream: ${JSON.stringify(stream)}, workerId: 'crashy' });
      mirrorTaskEvents(manager, publisher, { heartbeatMs: 200, batchMs: 5 });
      for (let i = 0; i < 3; i++) manager.createTask(() => new Promise(() => {}), { name: 'hangs-' + i });
      process.stdout.write('ready\\n');
    `);
    try {
      await firstValueFrom(
        subscriber.clusterCounts$.pipe(
          filter((counts: ClusterCounts) => counts.workers['crashy']?.active === 3),
          timeout(15_000),
        ),
      );
      child.kill('SIGKILL');
      const killedAt = Date.now();
      await firstValueFrom(
        subscriber.clusterWorkers$.pipe(
          filter((value: ClusterWorkers) => value['crashy']?.status === 'lost'),
          timeout(5_000),
        ),
      );
      const lostAfterMs = Date.now() - killedAt;
      // workerTimeoutMs (1 s) after its last entry, which came at most one heartbeat (200 ms) before the kill,
      // checked every quarter of the timeout (250 ms)
      expect(lostAfterMs).to.be.at.most(1_000 + 200 + 250 + 200);

      const counts = await firstValueFrom(subscriber.clusterCounts$);
      expect(counts.total).to.include({ active: 0, lost: 3, created: 3 });
      const tasks: ClusterTasks = await firstValueFrom(subscriber.clusterTasks$);
      expect(tasks.workers['crashy']).to.deep.equal([]);
      expect(tasks.total).to.equal(0);
      expect(workers.some((value) => value['crashy']?.status === 'alive')).to.equal(true);
    } finally {
      watching.unsubscribe();
      child.kill('SIGKILL');
    }
  });

  it('converges from the next heartbeat when it starts after the stream was trimmed', async () => {
    const stream = `${prefix}:events`;
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const publisher = new RedisStreamsPublisher({ stream, workerId: 'steady' });
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 300, batchMs: 5 });
    try {
      const held = new AbortController();
      for (let i = 0; i < 4; i++) await manager.createTask(async () => i, { name: `done-${i}` }).done;
      manager.createTask((signal) => untilAborted(signal), { name: 'held', signal: held.signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Everything so far is trimmed away before the viewer starts.
      await admin.sendCommand(['XTRIM', stream, 'MAXLEN', '0']);

      const subscriber = viewer(stream, 5_000);
      const counts = await firstValueFrom(
        subscriber.clusterCounts$.pipe(
          filter((value: ClusterCounts) => value.workers['steady'] !== undefined),
          timeout(5_000),
        ),
      );
      expect(counts.workers['steady']).to.deep.equal({ active: 1, created: 5, completed: 4, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
      const tasks = await firstValueFrom(subscriber.clusterTasks$);
      expect(tasks.workers['steady']?.map((task) => [task.name, task.status])).to.deep.equal([['held', 'running']]);

      held.abort();
      const after = await firstValueFrom(
        subscriber.clusterCounts$.pipe(
          filter((value: ClusterCounts) => value.workers['steady']?.cancelled === 1),
          timeout(5_000),
        ),
      );
      expect(after.total).to.include({ active: 0, created: 5, completed: 4, cancelled: 1, lost: 0 });
    } finally {
      await manager.shutdown();
      await mirror.stop();
      await publisher.close();
    }
  });

  it('shows a worker whose mirror stopped as stopped, with its last counts', async () => {
    const stream = `${prefix}:events`;
    const subscriber = viewer(stream, 5_000);
    const reading = subscriber.clusterWorkers$.subscribe();
    const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
    const publisher = new RedisStreamsPublisher({ stream, workerId: 'leaving' });
    const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 5_000, batchMs: 5 });
    try {
      await manager.createTask(async () => 1, { name: 'one' }).done;
      await manager.shutdown();
      await mirror.stop();
      const workers = await firstValueFrom(
        subscriber.clusterWorkers$.pipe(
          filter((value: ClusterWorkers) => value['leaving']?.status === 'stopped'),
          timeout(5_000),
        ),
      );
      expect(workers['leaving']?.counts).to.deep.equal({ active: 0, created: 1, completed: 1, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
    } finally {
      reading.unsubscribe();
      await publisher.close();
    }
  });

  describe('Redis trouble during a burst (a redis-server of its own)', () => {
    const ownRedis = useOwnRedis();

    for (const trouble of ['CLIENT KILL', 'CLIENT PAUSE'] as const) {
      it(`ends with the view equal to the worker's own counts within two heartbeats after ${trouble} during a burst`, async () => {
        const own = ownRedis();
        const stream = `${trouble.replace(' ', '-').toLowerCase()}:events`;
        const admin = await adminClient(own.url);
        const quiet = capturingLogger('silent').logger;
        const manager = new BackgroundTaskManager({ logger: quiet });
        const publisher = new RedisStreamsPublisher({ url: own.url, stream, workerId: 'bursty', maxBuffered: 100, logger: quiet });
        const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 200, batchMs: 5 });
        const subscriber = new RedisStreamsSubscriber({ url: own.url, stream, group: 'viewer', consumer: 'v', blockMs: 100, logger: quiet });
        subscribers.push(subscriber);
        const watching = subscriber.clusterCounts$.subscribe();
        try {
          const held = new AbortController();
          const burst = setInterval(() => {
            for (let index = 0; index < 20; index++) manager.createTask(async () => index, { name: 'burst' });
            manager.createTask((signal) => untilAborted(signal), { name: 'held', signal: held.signal });
          }, 10);
          await new Promise((resolve) => setTimeout(resolve, 300));
          if (trouble === 'CLIENT KILL') {
            for (let kill = 0; kill < 5; kill++) {
              await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
              await new Promise((resolve) => setTimeout(resolve, 60));
            }
          } else {
            await admin.sendCommand(['CLIENT', 'PAUSE', '1500', 'WRITE']);
            await new Promise((resolve) => setTimeout(resolve, 1_600));
          }
          clearInterval(burst);
          await manager.waitForAll({ timeoutMs: 100 }).catch(() => undefined);
          expect(manager.getTaskCount()).to.be.greaterThan(0); // the held tasks
          // The connections were really cut: appends in flight then fail (how many depends on timing).
          if (trouble === 'CLIENT KILL') expect(publisher.stats.reconnects, JSON.stringify(publisher.stats)).to.be.at.least(1);

          // Within two heartbeats after the burst (and the time to read them), the view is the worker's truth.
          const counts = await firstValueFrom(
            subscriber.clusterCounts$.pipe(
              filter((value: ClusterCounts) => {
                const worker = value.workers['bursty'];
                return worker !== undefined && worker.active === manager.getTaskCount() && worker.created === createdSoFar(manager);
              }),
              timeout(2 * 200 + 2_000),
            ),
          );
          expect(counts.total).to.include({ active: manager.getTaskCount(), lost: 0 });
          const tasks = await firstValueFrom(subscriber.clusterTasks$);
          expect(tasks.workers['bursty']).to.have.length(manager.getTaskCount());
          held.abort();
        } finally {
          watching.unsubscribe();
          await manager.shutdown({ timeoutMs: 200 });
          await mirror.stop();
          await publisher.close();
          await admin.close();
        }
      });
    }
  });
});

/** How many tasks the manager created so far (its counts$ value, read at once). */
function createdSoFar(manager: BackgroundTaskManager): number {
  let created = 0;
  manager.counts$.subscribe((counts) => (created = counts.created)).unsubscribe();
  return created;
}
