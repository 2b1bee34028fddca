/**
 * Measurement 11: task events per second through `mirrorTaskEvents()` to the local Redis, against a floor of
 * pipelined `XADD`s from the same client library (node-redis) in the same run, as `redis-benchmark` pipelines
 * them: the same number of entries, of the same fields and sizes, to a stream with the same `MAXLEN ~`, in
 * pipelined batches of the mirror's `maxBatch` (500), each batch awaited. Target (issue 14): the mirror reaches
 * at least 0.5x the floor's throughput, i.e. at most 2x its time per entry (wall clock: most of the work is the
 * Redis server's, which the process's CPU time does not see).
 *
 * The mirror's round: a manager runs `TASKS` tasks (`async () => {}`), each giving three task events (created,
 * started, completed), and the round ends when the publisher counts every entry acknowledged by Redis. Needs
 * Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`); each round uses a stream key of its own, deleted after.
 */
import { createClient } from 'redis';
import { BackgroundTaskManager, RedisStreamsPublisher, mirrorTaskEvents, type TaskHandle } from '../lib';
import { encodeTaskEventEntry } from '../lib/redis/internal/stream-entry-codec';
import { Redactor } from '../lib/redaction/redactor';
import { silentLogger, verify } from './support/env';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf } from './support/runner';
import { startTiming, type Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';

const TASKS = 10_000;
const EVENTS = TASKS * 3;
const BATCH = 500;
const MAX_LEN = 10_000;
const TARGET = 2;
const FLOOR = 'pipelined XADD (node-redis)';
const MIRROR = 'mirrorTaskEvents()';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let round = 0;
function streamKey(): string {
  return `agentflow-bench-${process.pid}-${round++}`;
}

/** The entries the floor appends: the mirror's own encoding of the same task events, made before timing. */
function floorEntries(): string[][] {
  const entries: string[][] = [];
  const types = ['created', 'started', 'completed'] as const;
  for (let id = 1; id <= TASKS; id++) {
    for (const [index, type] of types.entries()) {
      const event = { type, seq: id * 3 + index, timestamp: Date.now(), id, name: 'bench', context: {}, timeoutMs: undefined };
      entries.push(encodeTaskEventEntry(event as never, 'bench-worker', Redactor.DEFAULT));
    }
  }
  return entries;
}

async function floorRound(entries: readonly string[][]): Promise<Timing> {
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  const stream = streamKey();
  try {
    const stop = startTiming();
    for (let start = 0; start < entries.length; start += BATCH) {
      await Promise.all(
        entries.slice(start, start + BATCH).map((fields) => client.sendCommand(['XADD', stream, 'MAXLEN', '~', String(MAX_LEN), '*', ...fields])),
      );
    }
    const timing = stop(entries.length);
    verify(Number(await client.sendCommand(['XLEN', stream])) >= Math.min(entries.length, MAX_LEN), 'the floor appended its entries');
    return timing;
  } finally {
    await client.sendCommand(['DEL', stream]);
    await client.close();
  }
}

export async function mirrorRound(tasks: number): Promise<Timing> {
  const stream = streamKey();
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  const publisher = new RedisStreamsPublisher({ url: REDIS_URL, stream, maxLen: MAX_LEN, workerId: 'bench-worker', logger: silentLogger });
  // Connected before timing, as the floor's client is.
  await publisher.publish({ event: 'graph_execution', eventType: 'start', content: 'warm', timestamp: 0, isError: false } as never);
  const mirror = mirrorTaskEvents(manager, publisher, { heartbeatMs: 0, maxBatch: BATCH, maxQueued: tasks * 3 });
  const expected = publisher.stats.published + tasks * 3;
  const work = async (): Promise<void> => undefined;
  try {
    const stop = startTiming();
    let last: TaskHandle<void> | undefined;
    for (let index = 0; index < tasks; index++) last = manager.createTask(work, { name: 'bench' });
    await last?.done;
    while (publisher.stats.published + publisher.stats.failed + publisher.stats.dropped < expected) await new Promise((resolve) => setImmediate(resolve));
    const timing = stop(tasks * 3);
    verify(publisher.stats.published === expected, `the mirror appended ${publisher.stats.published} of ${expected} entries`);
    return timing;
  } finally {
    await manager.shutdown();
    await mirror.stop();
    await publisher.close();
    const client = createClient({ url: REDIS_URL });
    client.on('error', () => undefined);
    await client.connect();
    await client.sendCommand(['DEL', stream, `${stream}:control`]);
    await client.close();
  }
}

/**
 * Warm-up for each side: full rounds, the same for both, until the code is optimised. One round of a tenth of the
 * size left the mirror's code (a few dozen functions of its own, against the floor's one loop) half warm: its
 * first timed rounds took 1.5-2x its later ones, so the median depended on how many rounds were run.
 */
async function warmUp(round: () => Promise<Timing>): Promise<void> {
  for (let index = 0; index < WARMUP_ROUNDS; index++) await round();
}

const WARMUP_ROUNDS = 3;

export const redisMirror: Measurement = {
  id: 'redis-mirror',
  group: 'redis',
  title: `11. ${EVENTS.toLocaleString('en-US')} task events through mirrorTaskEvents() to Redis vs pipelined XADDs (per entry)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const entries = floorEntries();
    const samples = await interleave(
      [
        { label: FLOOR, run: () => floorRound(entries), warmup: () => warmUp(() => floorRound(entries)) },
        { label: MIRROR, run: () => mirrorRound(TASKS), warmup: () => warmUp(() => mirrorRound(TASKS)) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 7), title: 'redis mirror' },
    );
    const floorRow = timingRow(FLOOR, samplesOf(samples, FLOOR));
    const mirrorRow = timingRow(MIRROR, samplesOf(samples, MIRROR));
    const perSecond = (nsPerEntry: number): string => `${Math.round(1e9 / nsPerEntry).toLocaleString('en-US')} entries/s`;
    return {
      rows: [{ ...floorRow, extra: perSecond(floorRow.median) }, { ...compared(mirrorRow, floorRow, 'floor'), extra: perSecond(mirrorRow.median) }],
      // judged on the wall clock whatever --cpu says: the Redis server's share of the work is not this process's CPU time
      checks: [ratioCheck('11. mirror vs pipelined XADD (time per entry; >= 0.5x throughput)', samplesOf(samples, MIRROR), samplesOf(samples, FLOOR), TARGET, 'wall')],
      notes: [],
    };
  },
};
