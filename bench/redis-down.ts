/**
 * Memory held while Redis is unreachable: a steady stream of events published through `publishEvent()` to a
 * `RedisStreamsPublisher` whose Redis never answers (a closed port, so nothing has to be stopped), with the
 * manager's task events mirrored to the same publisher. The heap must stay flat once the publisher's bounded
 * buffer is full: everything beyond it is dropped and counted, nothing queues up.
 *
 * Run: node --expose-gc -r ts-node/register/transpile-only bench/redis-down.ts [--seconds 60] [--rate 1000] [--no-mirror]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import log from 'loglevel';
import {
  BackgroundTaskManager,
  RedisStreamsPublisher,
  createNodeExecutionEvent,
  mirrorTaskEvents,
  publishEvent,
  type TaskEventMirror,
} from '../lib';
import { bytes, int } from './support/format';

/** What one run measured. */
export interface RedisDownResult {
  readonly seconds: number;
  readonly rate: number;
  readonly eventsPublished: number;
  readonly taskEventsMirrored: number;
  /** Heap used after a full GC, before publishing. */
  readonly heapStart: number;
  /** The highest heap used seen (sampled every 100 ms, without forcing a GC). */
  readonly heapPeak: number;
  /** The highest heap used after a full GC (every 5 s). */
  readonly heapPeakAfterGc: number;
  /** Heap used after a full GC, at the end of the outage (before `close()`). */
  readonly heapEnd: number;
  /** Heap used after a full GC, once the publisher was closed. */
  readonly heapAfterClose: number;
  readonly buffered: number;
  readonly droppedBeforeClose: number;
  readonly droppedAfterClose: number;
  readonly maxTasksInFlight: number;
  readonly tasksShed: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('Run with node --expose-gc');
  collect();
  collect();
}

function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export async function measureRedisDown(seconds: number, rate: number, mirror: boolean): Promise<RedisDownResult> {
  const quiet = log.getLogger('bench.redis-down');
  quiet.setLevel('silent');
  const manager = new BackgroundTaskManager({ logger: quiet });
  const publisher = new RedisStreamsPublisher({ url: 'redis://127.0.0.1:6390', logger: quiet, closeTimeoutMs: 100 });
  const taskMirror: TaskEventMirror | undefined = mirror ? mirrorTaskEvents(manager, publisher, { includePublishTasks: true }) : undefined;
  const padding = 'x'.repeat(200);

  const heapStart = heapAfterGc();
  let heapPeak = heapStart;
  let heapPeakAfterGc = heapStart;
  let maxTasksInFlight = 0;
  let published = 0;
  const startedAt = performance.now();
  let nextGcAt = startedAt + 5_000;
  let nextReportAt = startedAt + 10_000;

  while (performance.now() - startedAt < seconds * 1_000) {
    // steady rate: catch up to where the clock says we should be, every 10 ms
    const due = Math.floor(((performance.now() - startedAt) / 1_000) * rate);
    for (; published < due; published++) {
      publishEvent(
        createNodeExecutionEvent('step', 'progress', { content: `event ${published}`, runId: 'bench', data: { padding } }),
        publisher,
        manager,
      );
    }
    maxTasksInFlight = Math.max(maxTasksInFlight, manager.getTaskCount());
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    const now = performance.now();
    if (now >= nextGcAt) {
      heapPeakAfterGc = Math.max(heapPeakAfterGc, heapAfterGc());
      nextGcAt = now + 5_000;
    }
    if (now >= nextReportAt) {
      const stats = publisher.stats;
      console.log(
        `  ${((now - startedAt) / 1_000).toFixed(0)} s: ${int(published)} events, heap ${bytes(process.memoryUsage().heapUsed)}, ` +
          `held ${int(stats.buffered)}, dropped ${int(stats.dropped)}`,
      );
      nextReportAt = now + 10_000;
    }
    await sleep(10);
  }

  await manager.waitForAll();
  await taskMirror?.stop();
  const heapEnd = heapAfterGc();
  heapPeakAfterGc = Math.max(heapPeakAfterGc, heapEnd);
  const before = publisher.stats;
  await publisher.close();
  const counts = await manager.shutdown();
  void counts;
  const heapAfterClose = heapAfterGc();
  return {
    seconds,
    rate,
    eventsPublished: published,
    taskEventsMirrored: taskMirror?.stats.mirrored ?? 0,
    heapStart,
    heapPeak,
    heapPeakAfterGc,
    heapEnd,
    heapAfterClose,
    buffered: before.buffered,
    droppedBeforeClose: before.dropped,
    droppedAfterClose: publisher.stats.dropped,
    maxTasksInFlight,
    tasksShed: manager.droppedCount,
  };
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

export async function main(): Promise<void> {
  const seconds = argument('seconds', 60);
  const rate = argument('rate', 1_000);
  const mirror = !process.argv.includes('--no-mirror');
  console.log(
    `Redis unreachable (redis://127.0.0.1:6390) for ${seconds} s, ${int(rate)} events/s through publishEvent()` +
      `${mirror ? ', every task event mirrored too' : ''}; default limits (maxBuffered 1,000, maxPendingTasks 1,000)`,
  );
  const result = await measureRedisDown(seconds, rate, mirror);
  console.log(`events published:        ${int(result.eventsPublished)} (+ ${int(result.taskEventsMirrored)} task events mirrored)`);
  console.log(`heap at start (after GC): ${bytes(result.heapStart)}`);
  console.log(`heap peak (sampled):      ${bytes(result.heapPeak)}`);
  console.log(`heap peak (after GC):     ${bytes(result.heapPeakAfterGc)} (+${bytes(result.heapPeakAfterGc - result.heapStart)})`);
  console.log(`heap at end (after GC):   ${bytes(result.heapEnd)} (+${bytes(result.heapEnd - result.heapStart)})`);
  console.log(`heap after close (GC):    ${bytes(result.heapAfterClose)}`);
  console.log(`held at the end:          ${int(result.buffered)} (maxBuffered)`);
  console.log(`dropped before close:     ${int(result.droppedBeforeClose)}; after close: ${int(result.droppedAfterClose)}`);
  console.log(`tasks in flight at most:  ${int(result.maxTasksInFlight)}; shed by the manager: ${int(result.tasksShed)}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
