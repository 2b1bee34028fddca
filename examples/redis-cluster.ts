/**
 * A cluster of workers seen from one place: three worker processes, each with its own manager, mirror their
 * task events to one Redis stream (`mirrorTaskEvents`), and a viewer reads it with a consumer group of its own
 * (`RedisStreamsSubscriber`) and prints the aggregated counts per worker and in total.
 *
 * Needs Redis (REDIS_URL, default redis://127.0.0.1:6379) and the optional `redis` package. With no Redis
 * reachable it says so at once and exits with code 1. It uses a random stream key and deletes it on the way out.
 *
 * Run: npx ts-node examples/redis-cluster.ts
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { createClient } from 'redis';
import { TimeoutError, filter, firstValueFrom, timeout } from 'rxjs';
import { RedisStreamsSubscriber, type ClusterCounts, type TaskCounts } from '../lib';
import type { WorkerPlan } from './redis-cluster-worker';
import { redisUrl, requireRedis } from './support/require-redis';
import { runExample } from './support/run-example';

const WORKERS: readonly Omit<WorkerPlan, 'stream'>[] = [
  { workerId: 'worker-1', tasks: 3, lastTask: 'complete' },
  { workerId: 'worker-2', tasks: 4, lastTask: 'fail' },
  { workerId: 'worker-3', tasks: 5, lastTask: 'time_out' },
];
const TOTAL_TASKS = WORKERS.reduce((sum, worker) => sum + worker.tasks, 0);

/** How long the viewer waits for every worker's last event. */
const VIEWER_TIMEOUT_MS = 10_000;

/**
 * Starts one worker process (TypeScript through ts-node, without type-checking, so that it starts quickly), with
 * an IPC channel: that is how a worker knows it was started by this example.
 */
function startWorker(plan: WorkerPlan, url: string): Promise<void> {
  const child = fork(path.join(__dirname, 'redis-cluster-worker.ts'), [plan.stream, plan.workerId, String(plan.tasks), plan.lastTask], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, REDIS_URL: url },
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${plan.workerId} exited with code ${code}: ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  });
}

function describeCounts(counts: TaskCounts): string {
  return (
    `created ${counts.created}, completed ${counts.completed}, failed ${counts.failed}, ` +
    `timed out ${counts.timedOut}, active ${counts.active}`
  );
}

export async function main(): Promise<void> {
  const url = redisUrl();
  await requireRedis(url); // fail at once, rather than start workers that cannot deliver
  const stream = `agentflow-example-${process.pid}-${Math.random().toString(36).slice(2, 10)}:events`;
  // The viewer: a consumer group of its own, so that it sees every entry of the stream.
  const viewer = new RedisStreamsSubscriber({ url, stream, group: 'viewer', consumer: 'viewer-1', blockMs: 200 });
  let graphEvents = 0;
  const events = viewer.events$.subscribe((entry) => {
    if (entry.kind === 'event') graphEvents++;
  });
  let latest: ClusterCounts | undefined;
  const watching = viewer.clusterCounts$.subscribe((current) => (latest = current));
  try {
    await Promise.all(WORKERS.map((worker) => startWorker({ ...worker, stream }, url)));
    console.log(`${WORKERS.length} workers ran and exited cleanly, each mirroring its tasks to one Redis stream`);

    // The viewer has been reading all along; wait until it has read every worker's last event.
    const counts = await firstValueFrom(
      viewer.clusterCounts$.pipe(
        filter((current: ClusterCounts) => current.total.created === TOTAL_TASKS && current.total.active === 0),
        timeout(VIEWER_TIMEOUT_MS),
      ),
    ).catch((error: unknown) => {
      if (!(error instanceof TimeoutError)) throw error;
      const seen = latest === undefined ? 'nothing' : `${latest.total.created} created, ${latest.total.active} active`;
      throw new Error(`the viewer did not see all ${TOTAL_TASKS} tasks end within ${VIEWER_TIMEOUT_MS} ms (it saw ${seen})`);
    });
    for (const [workerId, workerCounts] of Object.entries(counts.workers).sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`${workerId}: ${describeCounts(workerCounts)}`);
    }
    console.log(`cluster: ${describeCounts(counts.total)}`);
    console.log(`graph events seen: ${graphEvents}`);
  } finally {
    watching.unsubscribe();
    events.unsubscribe();
    await viewer.close();
    await deleteStream(url, stream);
  }
}

/** Deletes the example's stream, without waiting for a Redis that went away meanwhile. */
async function deleteStream(url: string, stream: string): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.del(stream);
  } catch {
    // the stream stays; its name says which run left it
  } finally {
    if (client.isOpen) client.destroy();
  }
}

runExample(module, main);
