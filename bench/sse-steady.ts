/**
 * Measurement 10 (part c of the server-sent events benchmark, run with `npm run bench -- sse`): a steady stream of
 * about 10,000 events per second (34 tasks every 10 ms, three events each) to 100 reading clients, and the CPU
 * time this process spends per event, against the floor "the same frames written once to 100 raw sockets" (a
 * `node:net` server writing, on the same schedule, the frames the library produced, serialised once).
 *
 * For information, the same tasks on a manager with no stream show what the tasks themselves cost: the
 * library's figure minus that one is what serving the stream costs. The floor writes each tick's frames as one
 * buffer per socket, as the library writes each turn's frames as one buffer per client (a floor writing frame by
 * frame, 10,200 writes per tick, measured 3x the library's CPU per event).
 * Rounds are interleaved (floor, library,
 * manager alone), medians reported; CPU time is `process.cpuUsage()` (user + system) from the first tick until
 * every client has every frame. The clients run in a child process (`support/sse-swarm.ts`).
 *
 * No target is set by the issue: the figures and the ratio are reported.
 */
import { createServer as createHttpServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BackgroundTaskManager, toServerSentEvents } from '../lib';
import { fullGc, silentLogger, verify } from './support/env';
import { median } from './support/stats';
import { Swarm, captureTaskFrames, endLibraryRound, listen, rawEventStreamServer } from './support/swarm';
import type { BenchOptions, Measurement, MeasurementResult, ResultRow } from './support/types';
import { tenFieldContext } from './support/workloads';

const CLIENTS = 100;
const TICK_MS = 10;
const TASKS_PER_TICK = 34;
const EVENTS_PER_TASK = 3;
const FLOOR = `floor: each tick's frames to ${CLIENTS} raw sockets`;
const LIBRARY = `toServerSentEvents(), ${CLIENTS} clients`;
const ALONE = 'the same tasks, no stream (for information)';

/** One round's figures. */
interface Sample {
  /** CPU time of this process per event, in ns. */
  readonly cpuPerEventNs: number;
  /** From the first tick until every client had every frame, in ms. */
  readonly wallMs: number;
  readonly p99Ms: number;
}

/** The work of every task: settles one microtask after it starts. */
async function work(): Promise<void> {
  await null;
}

/**
 * Calls `tick(n)` every {@link TICK_MS} for `ticks` ticks, on a schedule that does not drift (a late tick is
 * followed by an earlier one), then resolves.
 */
function onSchedule(ticks: number, tick: (index: number) => void): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now();
    let index = 0;
    const next = (): void => {
      tick(index++);
      if (index === ticks) {
        resolve();
        return;
      }
      setTimeout(next, Math.max(0, start + index * TICK_MS - performance.now()));
    };
    next();
  });
}

/** Measures the CPU time and the loop delay of `run` (which resolves when every frame is delivered). */
async function measured(events: number, run: () => Promise<void>): Promise<Sample> {
  await fullGc();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await new Promise((resolve) => setTimeout(resolve, 25));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await run();
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  delay.disable();
  return { cpuPerEventNs: ((cpu.user + cpu.system) * 1_000) / events, wallMs, p99Ms: delay.percentile(99) / 1e6 };
}

/** Creates one tick's tasks. */
function createTick(manager: BackgroundTaskManager, tick: number): void {
  for (let index = 0; index < TASKS_PER_TICK; index++) {
    manager.createTask(work, { name: 'steady', context: tenFieldContext(tick * TASKS_PER_TICK + index) });
  }
}

async function libraryRound(swarm: Swarm, ticks: number): Promise<Sample> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0 });
  const server = createHttpServer(handler);
  const port = await listen(server);
  await swarm.ask({ open: { url: `http://127.0.0.1:${port}/`, count: CLIENTS } }, 'opened');
  await swarm.ask({ expect: ticks * TASKS_PER_TICK }, 'armed');
  const sample = await measured(ticks * TASKS_PER_TICK * EVENTS_PER_TASK, async () => {
    const delivered = swarm.ask({}, 'delivered');
    await onSchedule(ticks, (tick) => createTick(manager, tick));
    await delivered;
  });
  await endLibraryRound(swarm, handler, server, manager);
  return sample;
}

async function aloneRound(ticks: number): Promise<Sample> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  const sample = await measured(ticks * TASKS_PER_TICK * EVENTS_PER_TASK, async () => {
    await onSchedule(ticks, (tick) => createTick(manager, tick));
    await manager.waitForAll();
  });
  verify(manager.getTaskInfo().length === 0, 'tasks left in flight');
  await manager.shutdown();
  return sample;
}

/** The frames the library writes for the whole schedule, tick by tick (captured once, in memory, untimed). */
async function scheduleFrames(ticks: number): Promise<Buffer[]> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  const capture = captureTaskFrames(manager);
  const perTick: Buffer[] = [];
  let frames = 0;
  for (let tick = 0; tick < ticks; tick++) {
    createTick(manager, tick);
    await manager.waitForAll();
    await new Promise((resolve) => setImmediate(resolve));
    const tickFrames = capture.take();
    frames += tickFrames.length;
    perTick.push(Buffer.from(tickFrames.join('')));
  }
  capture.close();
  await manager.shutdown();
  verify(frames === ticks * TASKS_PER_TICK * EVENTS_PER_TASK, `captured ${frames} frames, expected ${ticks * TASKS_PER_TICK * EVENTS_PER_TASK}`);
  return perTick;
}

async function floorRound(swarm: Swarm, frames: readonly Buffer[]): Promise<Sample> {
  const { server, sockets } = rawEventStreamServer();
  const port = await listen(server);
  await swarm.ask({ open: { url: `http://127.0.0.1:${port}/`, count: CLIENTS } }, 'opened');
  await swarm.ask({ expect: frames.length * TASKS_PER_TICK }, 'armed');
  const sample = await measured(frames.length * TASKS_PER_TICK * EVENTS_PER_TASK, async () => {
    const delivered = swarm.ask({}, 'delivered');
    await onSchedule(frames.length, (tick) => {
      const tickFrames = frames[tick] as Buffer;
      for (const socket of sockets) socket.write(tickFrames);
    });
    await delivered;
  });
  await swarm.ask({ close: true }, 'closed');
  for (const socket of sockets) socket.destroy();
  server.close();
  return sample;
}

function row(label: string, samples: readonly Sample[], comparedTo?: readonly Sample[]): ResultRow {
  const cpu = samples.map((sample) => sample.cpuPerEventNs);
  return {
    label,
    median: median(cpu),
    min: Math.min(...cpu),
    max: Math.max(...cpu),
    samples: samples.length,
    unit: 'ns',
    ...(comparedTo === undefined ? {} : { comparison: `${(median(cpu) / median(comparedTo.map((s) => s.cpuPerEventNs))).toFixed(2)}x floor` }),
    extra: `done in ${median(samples.map((s) => s.wallMs)).toFixed(0)} ms; loop delay p99 ${median(samples.map((s) => s.p99Ms)).toFixed(1)} ms`,
  };
}

export const sseSteady: Measurement = {
  id: 'sse-steady',
  group: 'sse',
  title:
    `10. server-sent events at a steady ${((TASKS_PER_TICK * EVENTS_PER_TASK * 1000) / TICK_MS).toLocaleString('en-US')} events/s ` +
    `to ${CLIENTS} clients: CPU time per event (the "median" columns)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const ticks = options.quick ? 50 : 200;
    const rounds = options.rounds ?? (options.quick ? 1 : 5);
    const frames = await scheduleFrames(ticks);
    const swarm = new Swarm();
    const floor: Sample[] = [];
    const library: Sample[] = [];
    const alone: Sample[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        floor.push(await floorRound(swarm, frames));
        library.push(await libraryRound(swarm, ticks));
        alone.push(await aloneRound(ticks));
      }
    } finally {
      await swarm.exit();
    }
    const libraryCpu = median(library.map((s) => s.cpuPerEventNs));
    const aloneCpu = median(alone.map((s) => s.cpuPerEventNs));
    const floorCpu = median(floor.map((s) => s.cpuPerEventNs));
    return {
      rows: [row(FLOOR, floor), row(LIBRARY, library, floor), row(ALONE, alone, floor)],
      checks: [],
      notes: [
        `serving the stream costs ${((libraryCpu - aloneCpu) / 1000).toFixed(1)} us of CPU per event over the tasks themselves ` +
          `(${((libraryCpu - aloneCpu) / floorCpu).toFixed(2)}x the floor's ${(floorCpu / 1000).toFixed(1)} us)`,
        `${(ticks * TASKS_PER_TICK * EVENTS_PER_TASK).toLocaleString('en-US')} events per round over ${((ticks * TICK_MS) / 1000).toFixed(1)} s`,
      ],
    };
  },
};
