import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import {
  BackgroundTaskManager,
  InvalidArgumentError,
  RedisStreamsPublisher,
  RedisStreamsSubscriber,
  createNodeExecutionEvent,
  mirrorTaskEvents,
  type ClusterTasks,
  type RedisStreamsClient,
  type StreamEntry,
} from '../../lib';
import { capturingLogger, deferred, thrownBy } from '../support/helpers';
import { adminClient, connectionNames, deleteKeys, randomPrefix, REDIS_URL, requireRedis, waitFor } from '../support/redis';
import { runInChild } from '../support/run-in-child';
import { createClient } from 'redis';

/** Appends `count` events (contents `event 0`, `event 1`, ...) to `stream` and waits until Redis has them. */
async function publishEvents(stream: string, count: number, first = 0): Promise<void> {
  const publisher = new RedisStreamsPublisher({ stream, workerId: 'publisher-1' });
  for (let i = first; i < first + count; i++) {
    void publisher.publish(createNodeExecutionEvent('step', 'progress', { content: `event ${i}` }));
  }
  await publisher.close();
  expect(publisher.stats.published).to.equal(count);
}

function contentOf(entry: StreamEntry): string {
  if (entry.kind === 'event') return entry.event.content;
  if (entry.kind === 'task') return `${entry.workerId} ${entry.event.type} ${entry.event.name}`;
  return `${entry.workerId} ${entry.kind}`;
}

function collect(subscriber: RedisStreamsSubscriber, count: number, timeoutMs = 5_000): Promise<StreamEntry[]> {
  return firstValueFrom(subscriber.events$.pipe(take(count), toArray(), timeout(timeoutMs)));
}

async function pendingCount(admin: RedisStreamsClient, stream: string, group: string): Promise<number> {
  const summary = (await admin.sendCommand(['XPENDING', stream, group])) as [number, ...unknown[]];
  return Number(summary[0]);
}


describe('RedisStreamsSubscriber', () => {
  describe('options', () => {
    it('throws an InvalidArgumentError naming each missing or unacceptable option and the value', () => {
      const base = { group: 'g', consumer: 'c' };
      const cases: [Record<string, unknown>, string][] = [
        [{ consumer: 'c' }, 'group'],
        [{ group: 'g' }, 'consumer'],
        [{ ...base, group: '' }, 'group'],
        [{ ...base, url: 'localhost:6379' }, 'url'],
        [{ ...base, client: 'redis' }, 'client'],
        [{ ...base, stream: 7 }, 'stream'],
        [{ ...base, startId: '' }, 'startId'],
        [{ ...base, startId: 'latest' }, 'startId'],
        [{ ...base, count: 0 }, 'count'],
        [{ ...base, blockMs: -1 }, 'blockMs'],
        [{ ...base, minIdleMs: 0 }, 'minIdleMs'],
        [{ ...base, claimIntervalMs: Infinity }, 'claimIntervalMs'],
        [{ ...base, maxTrackedTasks: 0 }, 'maxTrackedTasks'],
        [{ ...base, logger: {} }, 'logger'],
      ];
      for (const [options, argument] of cases) {
        const error = thrownBy(() => new RedisStreamsSubscriber(options as never));
        expect(error, argument).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument, JSON.stringify(options)).to.equal(argument);
      }
      expect((thrownBy(() => new RedisStreamsSubscriber(undefined as never)) as InvalidArgumentError).argument).to.equal('options');
    });

    it('opens no connection until someone subscribes', async () => {
      const subscriber = new RedisStreamsSubscriber({ url: 'redis://127.0.0.1:6390', group: 'g', consumer: 'c' });
      expect(subscriber.reading).to.equal(false);
      await subscriber.close();
      expect(subscriber.closed).to.equal(true);
    });
  });

  describe('against Redis', function () {
    let admin: RedisStreamsClient;
    let prefix: string;
    let stream: string;
    const subscribers: RedisStreamsSubscriber[] = [];
    /** A subscriber closed after the test, with a quick claim cycle unless told otherwise. */
    function subscriberFor(options: Partial<ConstructorParameters<typeof RedisStreamsSubscriber>[0]> = {}): RedisStreamsSubscriber {
      const subscriber = new RedisStreamsSubscriber({ stream, group: 'g', consumer: 'c-1', blockMs: 200, ...options });
      subscribers.push(subscriber);
      return subscriber;
    }

    before(async function () {
      await requireRedis(this);
      admin = await adminClient();
    });
    beforeEach(() => {
      prefix = randomPrefix('subscriber');
      stream = `${prefix}:events`;
    });
    afterEach(async () => {
      await Promise.all(subscribers.splice(0).map((subscriber) => subscriber.close()));
      await deleteKeys(admin, prefix);
    });
    after(async () => {
      if (admin?.isOpen) await admin.close();
    });

    it('reads back published events and mirrored task events in stream order, each with its stream id', async () => {
      const manager = new BackgroundTaskManager();
      const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-1' });
      const mirror = mirrorTaskEvents(manager, publisher, { batchMs: 10, heartbeatMs: 0 });
      await publisher.publish(createNodeExecutionEvent('fetch', 'start', { runId: 'r-1', threadId: 't-1', data: { page: 1 } }));
      const handle = manager.createTask(async () => 42, { name: 'fetch_page', context: { threadId: 't-1' } });
      await handle.done;
      await mirror.stop();
      await publisher.close();
      await manager.shutdown();

      const entries = await collect(subscriberFor(), 5);
      expect(entries.map(contentOf)).to.deep.equal([
        '',
        'w-1 created fetch_page',
        'w-1 started fetch_page',
        'w-1 completed fetch_page',
        'w-1 worker_stopped', // the mirror's last entry, from stop()
      ]);
      const ids = entries.map((entry) => entry.streamId);
      expect([...ids].sort((a, b) => compareIds(a, b))).to.deep.equal(ids);
      const [first, created] = entries;
      expect(first).to.include({ kind: 'event', workerId: 'w-1' });
      if (first?.kind !== 'event') throw new Error('expected an event entry');
      expect(first.event).to.include({ event: 'node_execution', eventType: 'start', nodeName: 'fetch', runId: 'r-1', threadId: 't-1' });
      expect(first.event.data).to.deep.equal({ page: 1 });
      if (created?.kind !== 'task') throw new Error('expected a task entry');
      expect(created.event).to.include({ type: 'created', id: handle.id, name: 'fetch_page' });
      expect(created.event.context).to.deep.equal({ threadId: 't-1' });
      expect(await pendingCount(admin, stream, 'g')).to.equal(0);
    });

    it('reads through a client that speaks RESP3 (node-redis 6 by default): the map replies give their entries, counted in stats', async () => {
      const resp3 = createClient({ url: REDIS_URL, RESP: 3 });
      resp3.on('error', () => undefined);
      await resp3.connect();
      try {
        const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-3' });
        for (let index = 0; index < 3; index++) await publisher.publish(createNodeExecutionEvent('fetch', 'progress', { content: `event ${index}` }));
        await publisher.close();
        const subscriber = subscriberFor({ client: resp3 as unknown as RedisStreamsClient });
        const reading = subscriber.events$.subscribe(); // keeps the read loop running after collect()
        try {
          const entries = await collect(subscriber, 3);
          expect(entries.map(contentOf)).to.deep.equal(['event 0', 'event 1', 'event 2']);
          expect(subscriber.stats).to.deep.equal({ delivered: 3, undecodable: 0, unknownReplies: 0, evictedWorkers: 0 });
          await admin.sendCommand(['XADD', stream, '*', 'kind', 'nonsense']);
          await waitFor('the damaged entry to be counted', () => subscriber.stats.undecodable === 1);
        } finally {
          reading.unsubscribe();
        }
      } finally {
        await resp3.quit();
      }
    });

    it('creates its group with MKSTREAM when the stream does not exist yet, and joins a group that exists', async () => {
      const first = subscriberFor({ consumer: 'c-1', startId: '$' });
      const received = collect(first, 2);
      await waitFor('the group', async () => Number(await admin.sendCommand(['EXISTS', stream])) === 1);
      const second = subscriberFor({ consumer: 'c-2' });
      const subscription = second.events$.subscribe();
      await waitFor('the second consumer', async () => {
        const consumers = (await admin.sendCommand(['XINFO', 'CONSUMERS', stream, 'g'])) as unknown[];
        return consumers.length === 2;
      });
      subscription.unsubscribe();
      await publishEvents(stream, 2);
      expect((await received).map(contentOf)).to.deep.equal(['event 0', 'event 1']);
    });

    it('shares the entries between two subscribers of one group: each gets some, together all of them, none twice', async () => {
      const a = subscriberFor({ consumer: 'c-a', count: 5 });
      const b = subscriberFor({ consumer: 'c-b', count: 5 });
      const seen = new Map<string, string[]>([['c-a', []], ['c-b', []]]);
      const subscriptions = [a, b].map((subscriber) =>
        subscriber.events$.subscribe((entry) => seen.get(subscriber.consumer)?.push(contentOf(entry))),
      );
      await waitFor('both consumers', async () => {
        const consumers = (await admin.sendCommand(['XINFO', 'CONSUMERS', stream, 'g']).catch(() => [])) as unknown[];
        return consumers.length === 2;
      });
      for (let batch = 0; batch < 20; batch++) {
        await publishEvents(stream, 10, batch * 10);
        await sleep(5);
      }
      await waitFor('every entry', () => (seen.get('c-a')?.length ?? 0) + (seen.get('c-b')?.length ?? 0) >= 200);
      subscriptions.forEach((subscription) => subscription.unsubscribe());
      const all = [...(seen.get('c-a') ?? []), ...(seen.get('c-b') ?? [])];
      expect(seen.get('c-a')).to.not.be.empty;
      expect(seen.get('c-b')).to.not.be.empty;
      expect(all).to.have.length(200);
      expect(new Set(all).size).to.equal(200);
      await waitFor('the acknowledgements', async () => (await pendingCount(admin, stream, 'g')) === 0);
    });

    it('claims the entries a consumer killed mid-read left pending, once they are idle for minIdleMs', async function () {
      this.timeout(20_000);
      await publishEvents(stream, 20);
      const script = `
        const { RedisStreamsSubscriber } = require('./lib/redis/redis-streams-subscriber');
        const subscriber = new RedisStreamsSubscriber({ url: ${JSON.stringify(REDIS_URL)}, stream: ${JSON.stringify(stream)}, group: 'g', consumer: 'doomed' });
        subscriber.events$.subscribe(() => process.kill(process.pid, 'SIGKILL'));
      `;
      const child = await runInChild(script, 15_000);
      expect(child.killed, child.stderr).to.equal(false);
      expect(child.code).to.equal(null); // killed by its own SIGKILL while delivering the first entry
      expect(await pendingCount(admin, stream, 'g')).to.equal(20);

      const rescuer = subscriberFor({ consumer: 'rescuer', minIdleMs: 100, claimIntervalMs: 50 });
      const entries = await collect(rescuer, 20);
      expect(entries.map(contentOf)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `event ${i}`));
      await waitFor('the acknowledgements', async () => (await pendingCount(admin, stream, 'g')) === 0);
    });

    it('gives a consumer restarted under the same name its own pending entries back at once', async () => {
      await publishEvents(stream, 3);
      await admin.sendCommand(['XGROUP', 'CREATE', stream, 'g', '0']);
      // a previous run of consumer 'c-1' read them and stopped before acknowledging
      await admin.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c-1', 'COUNT', '10', 'STREAMS', stream, '>']);
      expect(await pendingCount(admin, stream, 'g')).to.equal(3);
      const entries = await collect(subscriberFor({ consumer: 'c-1' }), 3, 1_000); // minIdleMs is 30 s: no claim involved
      expect(entries.map(contentOf)).to.deep.equal(['event 0', 'event 1', 'event 2']);
      await waitFor('the acknowledgements', async () => (await pendingCount(admin, stream, 'g')) === 0);
    });

    it('reads only while someone subscribes: it stops and releases its connection when the last one leaves', async () => {
      const subscriber = subscriberFor({ consumer: 'c-refcount' });
      const name = 'agentflow:subscriber:g:c-refcount';
      const first = subscriber.events$.subscribe();
      const second = subscriber.clusterCounts$.subscribe();
      expect(subscriber.reading).to.equal(true);
      await waitFor('the connection', async () => (await connectionNames(admin)).includes(name));
      first.unsubscribe();
      expect(subscriber.reading).to.equal(true);
      second.unsubscribe();
      expect(subscriber.reading).to.equal(false);
      await waitFor('the connection to go', async () => !(await connectionNames(admin)).includes(name));

      await publishEvents(stream, 2);
      const entries = await collect(subscriber, 2); // starts again where the group left off
      expect(entries.map(contentOf)).to.deep.equal(['event 0', 'event 1']);
      expect(subscriber.reading).to.equal(false);
    });

    it('close() completes every stream and releases its connection; a later subscriber completes at once', async () => {
      const subscriber = subscriberFor({ consumer: 'c-close' });
      const completed: string[] = [];
      subscriber.events$.subscribe({ complete: () => completed.push('events$') });
      subscriber.clusterCounts$.subscribe({ complete: () => completed.push('clusterCounts$') });
      subscriber.clusterTasks$.subscribe({ complete: () => completed.push('clusterTasks$') });
      await waitFor('the connection', async () => (await connectionNames(admin)).includes('agentflow:subscriber:g:c-close'));
      await subscriber.close();
      expect(completed.sort()).to.deep.equal(['clusterCounts$', 'clusterTasks$', 'events$']);
      expect(subscriber.reading).to.equal(false);
      expect(await connectionNames(admin)).not.to.include('agentflow:subscriber:g:c-close');
      let lateCompleted = false;
      subscriber.events$.subscribe({ complete: () => (lateCompleted = true) });
      expect(lateCompleted).to.equal(true);
      expect(subscriber.reading).to.equal(false);
    });

    it('reads on a duplicate of a client you pass, and leaves yours open', async () => {
      await publishEvents(stream, 1);
      const subscriber = new RedisStreamsSubscriber({ client: admin, stream, group: 'g', consumer: 'c-dup' });
      subscribers.push(subscriber);
      const entries = await collect(subscriber, 1);
      expect(entries.map(contentOf)).to.deep.equal(['event 0']);
      await subscriber.close();
      expect(admin.isReady).to.equal(true);
      expect(await connectionNames(admin)).not.to.include('agentflow:subscriber:g:c-dup');
    });

    it('skips and acknowledges entries it cannot decode, with a warning', async () => {
      const log = capturingLogger('warn');
      await admin.sendCommand(['XADD', stream, '*', 'kind', 'something-else', 'json', '{}']);
      await admin.sendCommand(['XADD', stream, '*', 'kind', 'event', 'json', 'not json']);
      await admin.sendCommand(['XADD', stream, '*', 'kind', 'task', 'workerId', 'w', 'json', '{"type":"exploded"}']);
      await publishEvents(stream, 1);
      const entries = await collect(subscriberFor({ logger: log.logger }), 1);
      expect(entries.map(contentOf)).to.deep.equal(['event 0']);
      expect(log.messages('warn')[0]).to.include('cannot decode').and.include("unknown 'kind'");
      await waitFor('the acknowledgements', async () => (await pendingCount(admin, stream, 'g')) === 0);
    });

    it('aggregates the mirrored task events per worker: clusterCounts$ and clusterTasks$', async () => {
      const workers = ['w-1', 'w-2'].map((workerId) => {
        const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger, maxPendingTasks: 2, overflow: 'drop-oldest' });
        const publisher = new RedisStreamsPublisher({ stream, workerId });
        return { manager, publisher, mirror: mirrorTaskEvents(manager, publisher, { batchMs: 5 }) };
      });
      const [w1, w2] = workers;
      if (w1 === undefined || w2 === undefined) throw new Error('two workers expected');
      const release = deferred();
      try {
        w1.manager.createTask(() => release.promise, { name: 'slow', context: { order: 1 } });
        w1.manager.createTask(async () => 'done', { name: 'quick' });
        const broken = w2.manager.createTask(async () => {
          throw new Error('boom');
        }, { name: 'broken' });
        await broken.done;
        w2.manager.createTask(() => release.promise, { name: 'held_1' });
        w2.manager.createTask(() => release.promise, { name: 'held_2' });
        w2.manager.createTask(() => release.promise, { name: 'held_3' }); // sheds held_1 ('drop-oldest')

        const viewer = subscriberFor({ consumer: 'viewer' });
        const tasks = await firstValueFrom(
          viewer.clusterTasks$.pipe(
            filter((view: ClusterTasks) => view.total === 3 && view.workers['w-2']?.every((task) => task.status === 'running') === true),
            timeout(5_000),
          ),
        );
        expect(tasks.workers['w-1']?.map((task) => [task.name, task.status, task.context])).to.deep.equal([['slow', 'running', { order: 1 }]]);
        expect(tasks.workers['w-2']?.map((task) => task.name)).to.deep.equal(['held_2', 'held_3']);
        expect(tasks.untracked).to.equal(0);

        release.resolve();
        const counts = await firstValueFrom(
          viewer.clusterCounts$.pipe(
            filter((view) => view.total.active === 0 && view.total.created === 6),
            timeout(5_000),
          ),
        );
        expect(counts.workers['w-1']).to.deep.equal({ active: 0, created: 2, completed: 2, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
        expect(counts.workers['w-2']).to.deep.equal({ active: 0, created: 4, completed: 2, failed: 1, cancelled: 1, timedOut: 0, dropped: 1 });
        expect(counts.total).to.deep.equal({ active: 0, created: 6, completed: 4, failed: 1, cancelled: 1, timedOut: 0, dropped: 1, lost: 0 });
        expect(counts.workers['w-2']).to.deep.equal(await firstValueFrom(w2.manager.counts$));
        const emptied = await firstValueFrom(viewer.clusterTasks$);
        expect(emptied).to.deep.equal({ workers: { 'w-1': [], 'w-2': [] }, total: 0, untracked: 0 });
      } finally {
        release.resolve();
        for (const worker of workers) {
          await worker.manager.shutdown();
          await worker.mirror.stop();
          await worker.publisher.close();
        }
      }
    });

    it('sends clusterCounts$ again only when the counts change, not on every heartbeat', async () => {
      const manager = new BackgroundTaskManager({ logger: capturingLogger('silent').logger });
      const publisher = new RedisStreamsPublisher({ stream, workerId: 'w-steady' });
      const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 50 });
      try {
        const viewer = subscriberFor({ consumer: 'counts-viewer' });
        const seen: string[] = [];
        const subscription = viewer.clusterCounts$.subscribe((counts) => seen.push(JSON.stringify(counts)));
        await firstValueFrom(viewer.clusterWorkers$.pipe(filter((workers) => workers['w-steady'] !== undefined), timeout(5_000)));
        await new Promise((resolve) => setTimeout(resolve, 600)); // about a dozen heartbeats, nothing changing
        const settledCount = seen.length;
        await manager.createTask(async () => 'x', { name: 'one' }).done;
        await firstValueFrom(viewer.clusterCounts$.pipe(filter((counts) => counts.total.completed === 1), timeout(5_000)));
        subscription.unsubscribe();
        expect(settledCount).to.be.at.most(3); // the first value, the worker's arrival, and at most one more
        expect(new Set(seen).size).to.equal(seen.length); // never the same counts twice in a row... nor at all here
      } finally {
        await mirror.stop();
        await publisher.close();
        await manager.shutdown();
      }
    });

    it('forgets the oldest tasks beyond maxTrackedTasks, counting them as untracked', async () => {
      const manager = new BackgroundTaskManager();
      const publisher = new RedisStreamsPublisher({ stream, workerId: 'w' });
      const mirror = mirrorTaskEvents(manager, publisher, { batchMs: 5 });
      const release = deferred();
      try {
        for (let i = 1; i <= 5; i++) manager.createTask(() => release.promise, { name: `task_${i}` });
        const viewer = subscriberFor({ consumer: 'viewer', maxTrackedTasks: 3 });
        const view = await firstValueFrom(viewer.clusterTasks$.pipe(filter((tasks) => tasks.untracked === 2), timeout(5_000)));
        expect(view.workers.w?.map((task) => task.name)).to.deep.equal(['task_3', 'task_4', 'task_5']);
        expect(view.total).to.equal(3);
      } finally {
        release.resolve();
        await manager.shutdown();
        await mirror.stop();
        await publisher.close();
      }
    });

    it('logs a subscriber that throws and goes on delivering to the others', async () => {
      const log = capturingLogger('error');
      await publishEvents(stream, 3);
      const subscriber = subscriberFor({ logger: log.logger });
      subscriber.events$.subscribe(() => {
        throw new Error('subscriber bug');
      });
      const entries = await collect(subscriber, 3);
      expect(entries).to.have.length(3);
      expect(log.messages('error')[0]).to.include('subscriber bug');
    });
  });
});

/** Orders stream ids (`<ms>-<seq>`) numerically. */
function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
