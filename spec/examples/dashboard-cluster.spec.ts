import { expect } from 'chai';
import { request as httpRequest, type ClientRequest } from 'node:http';
import log from 'loglevel';
import {
  BackgroundTaskManager,
  RedisStreamsPublisher,
  mirrorTaskEvents,
  type ClusterCounts,
  type RedisStreamsClient,
  type TaskEventMirror,
} from '../../lib';
import { startDashboard, type Dashboard } from '../../examples/dashboard/server';
import { REDIS_URL, adminClient, deleteKeys, randomPrefix, requireRedis } from '../support/redis';
import { request } from './support/http';

/** A server-sent-events stream whose frames are kept with their data parsed. */
interface DataStream {
  readonly frames: { event: string; data: any }[];
  close(): void;
}

function openDataStream(url: string): Promise<DataStream> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    req = httpRequest(url, { headers: { Accept: 'text/event-stream' }, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`GET ${url}: ${response.statusCode}`));
        response.resume();
        return;
      }
      const frames: { event: string; data: any }[] = [];
      let partial = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const blocks = (partial + chunk).split('\n\n');
        partial = blocks.pop() ?? '';
        for (const block of blocks) {
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) frames.push({ event, data: JSON.parse(data) });
        }
      });
      response.on('error', () => undefined);
      resolve({ frames, close: () => req?.destroy() });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}

async function waitUntil<T>(what: string, find: () => T | undefined, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('examples/dashboard in cluster mode (Redis)', function () {
  this.timeout(15_000);

  let prefix: string;
  let stream: string;
  let admin: RedisStreamsClient | undefined;
  let dashboard: Dashboard | undefined;
  let manager: BackgroundTaskManager | undefined;
  let publisher: RedisStreamsPublisher | undefined;
  let mirror: TaskEventMirror | undefined;
  const streams: DataStream[] = [];
  const quiet = log.getLogger('dashboard-cluster-spec');
  quiet.setLevel('silent');

  before(async function () {
    await requireRedis(this);
  });

  beforeEach(async () => {
    prefix = randomPrefix('dashboard-cluster');
    stream = `${prefix}:events`;
    admin = await adminClient();
  });

  afterEach(async () => {
    for (const open of streams.splice(0)) open.close();
    await dashboard?.close();
    await manager?.shutdown({ timeoutMs: 100 });
    await mirror?.stop();
    await publisher?.close();
    if (admin !== undefined) {
      await deleteKeys(admin, prefix);
      await admin.close();
    }
    dashboard = undefined;
    manager = undefined;
    mirror = undefined;
    publisher = undefined;
    admin = undefined;
  });

  it('streams every worker\'s counts and tasks on /cluster/events, its own manager\'s included', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0, cluster: { redisUrl: REDIS_URL, stream } });
    const info = (await request(new URL('/info', dashboard.url).toString())).json();
    expect(info.cluster).to.include({ stream });
    const self = info.cluster.workerId as string;
    expect(self).to.equal(`dashboard:${process.pid}`);
    expect(info.cluster.group).to.match(/^dashboard-\d+-[a-z0-9]+$/);

    // A second worker, in-process: its own manager, mirrored to the same stream.
    manager = new BackgroundTaskManager({ logger: quiet });
    publisher = new RedisStreamsPublisher({ url: REDIS_URL, stream, workerId: 'worker-test', logger: quiet });
    mirror = mirrorTaskEvents(manager, publisher, { workerId: 'worker-test', batchMs: 10 });

    const events = await openDataStream(new URL('/cluster/events', dashboard.url).toString());
    streams.push(events);

    const work = [1, 2, 3].map((i) => manager!.createTask(async () => i, { name: `job_${i}` }).done);
    const failing = manager.createTask(
      async () => {
        throw new Error('boom');
      },
      { name: 'failing' },
    ).done;
    const hanging = manager.createTask((signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)), {
      name: 'hanging',
    });
    const own = [1, 2].map((i) => dashboard!.manager.createTask(async () => i, { name: `own_${i}` }).done);
    await Promise.allSettled([...work, failing, ...own]);

    const counts = await waitUntil('cluster-counts naming both workers with their totals', () => {
      const latest = [...events.frames].reverse().find((frame) => frame.event === 'cluster-counts')?.data as ClusterCounts | undefined;
      const worker = latest?.workers['worker-test'];
      const mine = latest?.workers[self];
      if (worker === undefined || mine === undefined) return undefined;
      return worker.created === 5 && worker.completed === 3 && worker.failed === 1 && mine.completed === 2 ? latest : undefined;
    });
    expect(counts.workers['worker-test']).to.include({ created: 5, active: 1, completed: 3, failed: 1, cancelled: 0 });
    expect(counts.workers[self]).to.include({ created: 2, active: 0, completed: 2, failed: 0 });
    expect(counts.total).to.include({ created: 7, active: 1, completed: 5, failed: 1 });

    const tasks = await waitUntil('cluster-tasks listing the hanging task', () => {
      const latest = [...events.frames].reverse().find((frame) => frame.event === 'cluster-tasks')?.data;
      return latest?.inFlight?.['worker-test'] === 1 ? latest : undefined;
    });
    expect(tasks.workers['worker-test'].map((task: { name: string }) => task.name)).to.deep.equal(['hanging']);
    expect(tasks.inFlight[self]).to.equal(0);

    const workers = await waitUntil('cluster-workers naming both workers alive', () => {
      const latest = [...events.frames].reverse().find((frame) => frame.event === 'cluster-workers')?.data as
        | Record<string, { status: string; lastSeenAt: number }>
        | undefined;
      return latest?.['worker-test']?.status === 'alive' && latest[self]?.status === 'alive' ? latest : undefined;
    });
    expect(workers['worker-test']?.lastSeenAt).to.be.within(Date.now() - 60_000, Date.now() + 5_000);
    expect(dashboard.cluster?.events.connections).to.equal(1);

    hanging.cancel('done');
    await hanging.done.catch(() => undefined);
    await dashboard.close();
    // close() ended the page's stream and released the subscriptions, and removed the dashboard's group.
    expect(dashboard.cluster?.events.connections).to.equal(0);
    expect(dashboard.cluster?.subscriber.closed).to.equal(true);
    const groups = (await admin!.sendCommand(['XINFO', 'GROUPS', stream])) as unknown[];
    expect(groups).to.have.length(0);
  });

  it('answers 404 on /cluster/events and has no cluster in /info when not in cluster mode', async () => {
    dashboard = await startDashboard({ port: 0, lingerMs: 0, agentRunIntervalMs: 0 });
    const info = (await request(new URL('/info', dashboard.url).toString())).json();
    expect(info).to.not.have.property('cluster');
    const missing = await request(new URL('/cluster/events', dashboard.url).toString());
    expect(missing.status).to.equal(404);
    expect(dashboard.cluster).to.equal(undefined);
  });
});
