/**
 * One worker of the redis-cluster example: its own manager, a Redis Streams publisher, and its task events
 * mirrored to the shared stream. It runs a fixed plan of tasks, publishes a start and an end event, shuts
 * down cleanly and exits.
 *
 * It is a child process of `examples/redis-cluster.ts`, which starts three of these with their plans and a
 * stream of its own: run that one. Started by hand, it refuses to run (it would write into whatever stream it
 * was given) and exits with code 1.
 */
import log from 'loglevel';
import { setTimeout as sleep } from 'node:timers/promises';
import { runExample } from './support/run-example';
// Deep imports rather than '../lib' only because this file runs under ts-node in a child process: ts-node
// transpiles every module it loads, and the whole barrel doubles the start-up time. An application imports
// all of these from 'agentflow-rx'.
import { createGraphExecutionEvent } from '../lib/publisher/create-event';
import { publishEvent } from '../lib/publisher/publish-event';
import { mirrorTaskEvents } from '../lib/redis/mirror-task-events';
import { RedisStreamsPublisher } from '../lib/redis/redis-streams-publisher';
import { BackgroundTaskManager } from '../lib/tasks/background-task-manager';

/** What one worker does. */
export interface WorkerPlan {
  /** The stream key shared by the cluster. */
  readonly stream: string;
  /** This worker's id in the cluster view. */
  readonly workerId: string;
  /** How many tasks it runs. */
  readonly tasks: number;
  /** What its last task does: complete like the others, fail, or run past its timeout. */
  readonly lastTask: 'complete' | 'fail' | 'time_out';
}

export async function runWorker(plan: WorkerPlan): Promise<void> {
  const quiet = log.getLogger(`redis-cluster-worker.${plan.workerId}`);
  quiet.setLevel('silent');
  const manager = new BackgroundTaskManager({ logger: quiet });
  const publisher = new RedisStreamsPublisher({ stream: plan.stream, workerId: plan.workerId, logger: quiet });
  const mirror = mirrorTaskEvents(manager, publisher);

  publishEvent(createGraphExecutionEvent('start', { runId: plan.workerId }), publisher, manager);
  for (let i = 1; i <= plan.tasks; i++) {
    const last = i === plan.tasks ? plan.lastTask : 'complete';
    manager.createTask(
      async (signal) => {
        await sleep(10 * i, undefined, { signal });
        if (last === 'fail') throw new Error('payment provider unavailable');
        if (last === 'time_out') await sleep(60_000, undefined, { signal });
      },
      { name: `job_${i}`, timeoutMs: last === 'time_out' ? 100 : 5_000, context: { worker: plan.workerId } },
    );
  }
  await manager.waitForAll({ returnExceptions: true });
  publishEvent(createGraphExecutionEvent('end', { runId: plan.workerId }), publisher, manager);
  await manager.waitForAll(); // shutdown() would cancel the publish task of the 'end' event

  // In this order: the manager's last events reach the mirror, the mirror's last batch reaches the publisher,
  // and the publisher delivers everything before it quits its connection.
  await manager.shutdown();
  await mirror.stop();
  await publisher.close();
}

export async function main(): Promise<void> {
  if (process.send === undefined) {
    // Only examples/redis-cluster.ts starts workers, through fork(), which gives them an IPC channel.
    throw new Error('this is one worker of examples/redis-cluster.ts, which starts three of them: run npx ts-node examples/redis-cluster.ts');
  }
  const [stream, workerId, tasks, lastTask] = process.argv.slice(2);
  if (stream === undefined || workerId === undefined || tasks === undefined || !/^[1-9]\d*$/.test(tasks)) {
    throw new Error(`expected <stream> <workerId> <tasks> <complete|fail|time_out>, got ${JSON.stringify(process.argv.slice(2))}`);
  }
  if (lastTask !== 'complete' && lastTask !== 'fail' && lastTask !== 'time_out') {
    throw new Error(`Unknown last task '${String(lastTask)}': use complete, fail or time_out`);
  }
  await runWorker({ stream, workerId, tasks: Number(tasks), lastTask });
  process.disconnect?.(); // the IPC channel would keep the process alive
}

runExample(module, main);
