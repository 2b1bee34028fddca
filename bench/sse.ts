/**
 * Measurement 9: server-sent events to many clients. A burst of 500 tasks (each with a 10-field context) while
 * 2,000 clients read one handler's stream, against the floor "the same frames written once to N raw sockets"
 * (a `node:net` server writing every frame of the burst, serialised once, to each socket). Interleaved rounds,
 * medians. Measured in this process: the event-loop delay (p99 and max, `monitorEventLoopDelay`) from the burst
 * until every client has every frame, the RSS growth over the same time, and the delivery time. The clients run
 * in a child process (`support/sse-swarm.ts`), which counts each stream's `task.completed` frames.
 *
 * Targets: p99 event-loop delay < 50 ms, and delivery within 2x the floor's.
 */
import { createServer as createHttpServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BackgroundTaskManager, toServerSentEvents } from '../lib';
import { fullGc, silentLogger, verify } from './support/env';
import { median } from './support/stats';
import { Swarm, captureTaskFrames, endLibraryRound, listen, rawEventStreamServer } from './support/swarm';
import type { BenchOptions, Measurement, MeasurementResult, ResultRow, TargetCheck } from './support/types';
import { tenFieldContext } from './support/workloads';

const BURST = 500;
const LOOP_DELAY_TARGET_MS = 50;
const DELIVERY_TARGET = 2;
const LIBRARY = 'toServerSentEvents()';
const FLOOR = 'floor: frames written once to raw sockets';

/** One round's figures. */
interface Sample {
  readonly deliveryMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly rssGrowth: number;
}

/** Runs `burst` while watching the event loop and the RSS, until `delivered` resolves. */
async function watched(burst: () => void, delivered: Promise<void>): Promise<Sample> {
  await fullGc();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 20);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  // The histogram records from its timer's second tick on: let it tick before the burst.
  await new Promise((resolve) => setTimeout(resolve, 25));
  const started = performance.now();
  burst();
  await delivered;
  const deliveryMs = performance.now() - started;
  delay.disable();
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  return { deliveryMs, p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6, rssGrowth: rssPeak - rssBefore };
}

/** One round of the library: a handler on a plain HTTP server, `clients` streams, a burst of tasks. */
async function libraryRound(swarm: Swarm, clients: number): Promise<Sample> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0, maxClients: 0 });
  const server = createHttpServer(handler);
  const port = await listen(server);
  await swarm.ask({ open: { url: `http://127.0.0.1:${port}/`, count: clients } }, 'opened');
  await swarm.ask({ expect: BURST }, 'armed');
  const work = async (): Promise<void> => {
    await null;
  };
  const sample = await watched(() => {
    for (let index = 0; index < BURST; index++) manager.createTask(work, { name: 'burst', context: tenFieldContext(index) });
  }, swarm.ask({}, 'delivered'));
  await endLibraryRound(swarm, handler, server, manager);
  return sample;
}

/** The frames a burst produces, one per event, as the library serialises them (captured once, in memory). */
async function burstFrames(): Promise<Buffer[]> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  const capture = captureTaskFrames(manager);
  const work = async (): Promise<void> => {
    await null;
  };
  for (let index = 0; index < BURST; index++) manager.createTask(work, { name: 'burst', context: tenFieldContext(index) });
  await manager.waitForAll();
  await new Promise((resolve) => setImmediate(resolve));
  const frames = capture.take().map((frame) => Buffer.from(frame));
  capture.close();
  await manager.shutdown();
  verify(frames.length === BURST * 3, `captured ${frames.length} frames, expected ${BURST * 3}`);
  return frames;
}

/** One round of the floor: a raw `node:net` server writing each frame, serialised once, to every socket. */
async function floorRound(swarm: Swarm, clients: number, frames: readonly Buffer[]): Promise<Sample> {
  const { server, sockets } = rawEventStreamServer();
  const port = await listen(server);
  await swarm.ask({ open: { url: `http://127.0.0.1:${port}/`, count: clients } }, 'opened');
  await swarm.ask({ expect: BURST }, 'armed');
  const sample = await watched(() => {
    for (const frame of frames) for (const socket of sockets) socket.write(frame);
  }, swarm.ask({}, 'delivered'));
  await swarm.ask({ close: true }, 'closed');
  for (const socket of sockets) socket.destroy();
  server.close();
  return sample;
}

/** Part (b): 50 clients that never read, while 20 tasks with 1 MB contexts are in flight. */
interface StalledSample {
  readonly rssGrowth: number;
  readonly droppedAfterMs: number | undefined;
  readonly dropped: number;
}

const STALLED_CLIENTS = 50;
const STALL_TIMEOUT_MS = 2_000;

async function stalledRound(swarm: Swarm): Promise<StalledSample> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0, stallTimeoutMs: STALL_TIMEOUT_MS });
  const server = createHttpServer(handler);
  const port = await listen(server);
  // 20 tasks in flight with a 1 MB context each: 16 fields of 60 KB, each under maxFieldBytes, so that the
  // snapshot every client gets first is as large as it may be (about 20 MB).
  const megabyte = (index: number): Record<string, unknown> =>
    Object.fromEntries(Array.from({ length: 16 }, (_, field) => [`field${field}`, `${index}:${field}`.padEnd(60_000, 'x')]));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  for (let index = 0; index < 20; index++) manager.createTask(() => gate, { name: 'in-flight', context: megabyte(index) });
  await fullGc();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const started = performance.now();
  let droppedAt: number | undefined;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    if (droppedAt === undefined && handler.stats.dropped === STALLED_CLIENTS) droppedAt = performance.now() - started;
  }, 10);
  // 50 clients connect and never read; a task event every 20 ms keeps the stream going meanwhile.
  await swarm.ask({ open: { url: `http://127.0.0.1:${port}/`, count: STALLED_CLIENTS, paused: true } }, 'opened');
  const emitter = setInterval(() => manager.createTask(async () => undefined, { name: 'tick', context: { n: 1 } }), 20);
  await new Promise((resolve) => setTimeout(resolve, STALL_TIMEOUT_MS + 1_500));
  clearInterval(emitter);
  clearInterval(sampler);
  const dropped = handler.stats.dropped;
  release();
  await swarm.ask({ close: true }, 'closed');
  handler.close();
  server.closeAllConnections();
  server.close();
  await manager.shutdown();
  return { rssGrowth: rssPeak - rssBefore, droppedAfterMs: droppedAt, dropped };
}

function row(label: string, samples: readonly Sample[], comparedTo?: readonly Sample[]): ResultRow {
  const delivery = samples.map((sample) => sample.deliveryMs * 1e6);
  const extra =
    `loop delay p99 ${median(samples.map((s) => s.p99Ms)).toFixed(1)} ms, max ${median(samples.map((s) => s.maxMs)).toFixed(1)} ms; ` +
    `RSS +${(median(samples.map((s) => s.rssGrowth)) / 1024 / 1024).toFixed(1)} MB`;
  return {
    label,
    median: median(delivery),
    min: Math.min(...delivery),
    max: Math.max(...delivery),
    samples: samples.length,
    unit: 'ns',
    ...(comparedTo === undefined
      ? {}
      : { comparison: `${(median(delivery) / median(comparedTo.map((s) => s.deliveryMs * 1e6))).toFixed(2)}x floor` }),
    extra,
  };
}

export const sse: Measurement = {
  id: 'sse',
  title: `9. server-sent events: a ${BURST}-task burst while 2,000 clients read one stream (delivery time per round)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const clients = options.quick ? 200 : 2_000;
    const rounds = options.rounds ?? (options.quick ? 1 : 3);
    const swarm = new Swarm();
    const library: Sample[] = [];
    const floor: Sample[] = [];
    let stalled: StalledSample | undefined;
    try {
      const frames = await burstFrames();
      for (let round = 0; round < rounds; round++) {
        library.push(await libraryRound(swarm, clients));
        floor.push(await floorRound(swarm, clients, frames));
      }
      stalled = await stalledRound(swarm);
    } finally {
      await swarm.exit();
    }
    const p99 = median(library.map((sample) => sample.p99Ms));
    const deliveryRatio = median(library.map((s) => s.deliveryMs)) / median(floor.map((s) => s.deliveryMs));
    const checks: TargetCheck[] = [
      {
        name: '9a. loop delay p99 during the burst',
        measured: `${p99.toFixed(1)} ms`,
        target: `< ${LOOP_DELAY_TARGET_MS} ms`,
        detail: `${clients.toLocaleString('en-US')} clients; floor ${median(floor.map((s) => s.p99Ms)).toFixed(1)} ms`,
        pass: p99 < LOOP_DELAY_TARGET_MS,
      },
      {
        name: '9a. delivery vs the floor',
        measured: `${deliveryRatio.toFixed(2)}x`,
        target: `<= ${DELIVERY_TARGET}x`,
        detail: `${median(library.map((s) => s.deliveryMs)).toFixed(0)} ms vs ${median(floor.map((s) => s.deliveryMs)).toFixed(0)} ms`,
        pass: deliveryRatio <= DELIVERY_TARGET,
      },
      {
        name: '9b. RSS growth, 50 stalled clients',
        measured: `${((stalled?.rssGrowth ?? 0) / 1024 / 1024).toFixed(1)} MB`,
        target: '< 150 MB',
        detail: '20 tasks in flight with 1 MB contexts; 50 clients connect and never read',
        pass: stalled !== undefined && stalled.rssGrowth < 150 * 1024 * 1024,
      },
      {
        name: '9b. stalled clients dropped',
        measured: `${stalled?.dropped ?? 0} of ${STALLED_CLIENTS}`,
        target: `all, within stallTimeoutMs`,
        detail:
          stalled?.droppedAfterMs === undefined
            ? 'not all dropped'
            : `all dropped ${(stalled.droppedAfterMs / 1000).toFixed(1)} s after they began to connect (stallTimeoutMs ${STALL_TIMEOUT_MS / 1000} s)`,
        // Within stallTimeoutMs of stalling, plus the time to connect 50 clients and fill their sockets (0.5 s).
        pass: stalled !== undefined && stalled.dropped === STALLED_CLIENTS && (stalled.droppedAfterMs ?? Infinity) <= STALL_TIMEOUT_MS + 500,
      },
    ];
    return { rows: [row(FLOOR, floor), row(LIBRARY, library, floor)], checks, notes: [] };
  },
};
