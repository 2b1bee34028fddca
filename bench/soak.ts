/**
 * The soak run of issue 6 ("Soak"): `npm run soak [-- --tasks=N --seconds=S]`, that is
 * `node --expose-gc -r ts-node/register/transpile-only bench/soak.ts`. Not part of `npm test`.
 *
 * Default: 1,000,000 tasks created at a steady rate over about 60 s (a batch every few ms, at most
 * {@link MAX_IN_FLIGHT} in flight), with mixed outcomes:
 *
 * - completed: a function that honours its signal and resolves after a random 0-10 ms; a few resolve at once;
 * - Observables: `timer(0-10 ms)` that completes, and `timer(1 s)` with a 5 ms timeout (unsubscribed);
 * - failed: a function that throws synchronously, or rejects after a random delay;
 * - timed out: `timeoutMs: 5` with work of 1 s that honours its signal, or of 500 ms that ignores it
 *   (detached work, which shutdown waits for);
 *
 * The work of the timed-out and cancelled kinds runs far longer than their 5 ms (0-5 ms for cancel): when the
 * event loop lags, Node fires expired timers list by list (one list per duration), so a work timer only a few
 * ms longer than the timeout could fire first and the task would complete; the wide margin keeps every
 * kind's outcome certain, and it is checked kind by kind.
 * - cancelled: long work (1 s, honouring its signal) cancelled through `handle.cancel()`, at once or after 0-5 ms.
 *
 * One subscriber on each of `events$`, `counts$`, `tasks$` and `state$`, each doing trivial work (counting);
 * a silent loglevel logger. The manager has `maxPendingTasks: 10,000` (default overflow `'drop-newest'`),
 * well above what the driver ever has in flight, so no task may be dropped: `dropped` is checked to be 0.
 *
 * After the last task is created: `shutdown({ drainMs, timeoutMs })` (tasks in flight finish on their own,
 * detached work is waited for). Printed: throughput, heap at start / peak / end (end after `global.gc()`, must
 * be within 10% of start), event-loop delay p50/p99/max (`perf_hooks.monitorEventLoopDelay`), the final
 * counts and their balance, the events$ check (exactly one `created` and one final event per task, `seq`
 * increasing), the expected outcome of every kind of task, and the ShutdownStats. Exit code 1 if a check fails.
 *
 * The start heap is read after a small warm-up run (2% of the tasks, at least 2,000, on a separate manager
 * that is shut down first), so that the code the JIT compiles during the first seconds is not counted as growth.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { map, timer } from 'rxjs';
import { BackgroundTaskManager, type ManagerState, type ShutdownStats, type TaskCounts, type TaskHandle } from '../lib';
import { silentLogger, fullGc, heapUsed } from './support/env';
import { bytes, duration, indent, int, percent, table } from './support/format';

const MAX_IN_FLIGHT = 5_000;
const MAX_PENDING_TASKS = 10_000;
const TICK_MS = 2;
/** monitorEventLoopDelay's sampling interval; its readings include it (an idle loop reads about this much). */
const LOOP_RESOLUTION_MS = 1;
const HEAP_SAMPLE_MS = 50;
const HEAP_TOLERANCE = 0.1;
const DRAIN_MS = 5_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// Command line

interface Cli {
  readonly tasks: number;
  readonly seconds: number;
}

function usage(): string {
  return 'usage: npm run soak -- [--tasks=N] [--seconds=S]   (default: --tasks=1000000 --seconds=60)';
}

function parseArgs(args: readonly string[]): Cli {
  let tasks = 1_000_000;
  let seconds = 60;
  for (const arg of args) {
    if (arg.startsWith('--tasks=')) {
      tasks = Number(arg.slice('--tasks='.length).replace(/_/g, ''));
      if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`--tasks needs a positive integer, got ${arg}\n${usage()}`);
    } else if (arg.startsWith('--seconds=')) {
      seconds = Number(arg.slice('--seconds='.length));
      if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds needs a positive number, got ${arg}\n${usage()}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${usage()}`);
  }
  return { tasks, seconds };
}

// ---------------------------------------------------------------------------------------------------------------
// The task mix

/** A small deterministic PRNG (mulberry32), so that every run has the same mix. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Expected = 'completed' | 'failed' | 'cancelled' | 'timed_out';

interface Kind {
  readonly name: string;
  /** Share of the tasks, in percent. */
  readonly weight: number;
  readonly expected: Expected;
  create(manager: BackgroundTaskManager, random: () => number): TaskHandle<unknown>;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleepHonouring(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timerId);
      reject(signal.reason);
    };
    const timerId = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves after `ms`, whatever the signal says. */
function sleepIgnoring(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

const delay = (random: () => number, maxMs: number): number => Math.floor(random() * (maxMs + 1));
const failure = new Error('soak: planned failure');

const KINDS: readonly Kind[] = [
  {
    name: 'completes after 0-10 ms (honours signal)',
    weight: 50,
    expected: 'completed',
    create: (manager, random) => {
      const ms = delay(random, 10);
      return manager.createTask((signal) => sleepHonouring(ms, signal), { name: 'soak_delay', context: { ms } });
    },
  },
  {
    name: 'completes at once (async, one await)',
    weight: 5,
    expected: 'completed',
    create: (manager) =>
      manager.createTask(async () => {
        await null;
        return 1;
      }, { name: 'soak_immediate' }),
  },
  {
    name: 'Observable timer(0-10 ms), completes',
    weight: 10,
    expected: 'completed',
    create: (manager, random) => manager.createTask(timer(delay(random, 10)).pipe(map((value) => value + 1)), { name: 'soak_observable' }),
  },
  {
    name: 'Observable timer(1 s), timeoutMs 5',
    weight: 2,
    expected: 'timed_out',
    create: (manager) => manager.createTask(timer(1_000), { name: 'soak_observable_timeout', timeoutMs: 5 }),
  },
  {
    name: 'throws synchronously',
    weight: 3,
    expected: 'failed',
    create: (manager) =>
      manager.createTask((): never => {
        throw failure;
      }, { name: 'soak_throw_sync' }),
  },
  {
    name: 'rejects after 0-5 ms',
    weight: 7,
    expected: 'failed',
    create: (manager, random) => {
      const ms = delay(random, 5);
      return manager.createTask(async (signal) => {
        await sleepHonouring(ms, signal);
        throw failure;
      }, { name: 'soak_reject' });
    },
  },
  {
    name: 'timeoutMs 5, 1 s work honouring signal',
    weight: 5,
    expected: 'timed_out',
    create: (manager) => manager.createTask((signal) => sleepHonouring(1_000, signal), { name: 'soak_timeout_honours', timeoutMs: 5 }),
  },
  {
    name: 'timeoutMs 5, 500 ms work ignoring signal',
    weight: 5,
    expected: 'timed_out',
    create: (manager) => manager.createTask(() => sleepIgnoring(500), { name: 'soak_timeout_ignores', timeoutMs: 5 }),
  },
  {
    name: 'handle.cancel() at once (1 s work)',
    weight: 5,
    expected: 'cancelled',
    create: (manager) => {
      const handle = manager.createTask((signal) => sleepHonouring(1_000, signal), { name: 'soak_cancel_now' });
      handle.cancel('soak: cancelled at once');
      return handle;
    },
  },
  {
    name: 'handle.cancel() after 0-5 ms (1 s work)',
    weight: 8,
    expected: 'cancelled',
    create: (manager, random) => {
      const handle = manager.createTask((signal) => sleepHonouring(1_000, signal), { name: 'soak_cancel_later' });
      setTimeout(() => handle.cancel('soak: cancelled later'), delay(random, 5));
      return handle;
    },
  },
];

/** Which kind each task of a run is, drawn once (kind indices by task, 1 byte each). */
function drawKinds(count: number, random: () => number): Uint8Array {
  const total = KINDS.reduce((sum, kind) => sum + kind.weight, 0);
  const kinds = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let pick = random() * total;
    let index = 0;
    while (index < KINDS.length - 1 && pick >= (KINDS[index] as Kind).weight) {
      pick -= (KINDS[index] as Kind).weight;
      index++;
    }
    kinds[i] = index;
  }
  return kinds;
}

// ---------------------------------------------------------------------------------------------------------------
// One run

const FINAL_TYPES = new Set(['completed', 'failed', 'cancelled', 'timed_out', 'dropped']);

interface Observed {
  events: number;
  createdEvents: Uint8Array;
  finalEvents: Uint8Array;
  finalByType: Map<string, number>;
  unknownIds: number;
  seqErrors: number;
  lastSeq: number;
  countsEmissions: number;
  lastCounts: TaskCounts | undefined;
  tasksEmissions: number;
  tasksMaxLength: number;
  states: ManagerState[];
  /** Final events by kind: `[kind][status index]`, statuses in {@link STATUSES} order. */
  outcomesByKind: number[][];
}

const STATUSES = ['completed', 'failed', 'cancelled', 'timed_out', 'dropped'] as const;

interface RunResult {
  readonly observed: Observed;
  readonly counts: TaskCounts;
  readonly stats: ShutdownStats;
  readonly createMs: number;
  readonly totalMs: number;
  readonly maxInFlight: number;
  readonly detachedAfter: number;
  readonly expected: ReadonlyMap<Expected, number>;
  readonly byKind: readonly number[];
}

function readCounts(manager: BackgroundTaskManager): TaskCounts {
  let counts: TaskCounts | undefined;
  manager.counts$.subscribe((current) => (counts = current)).unsubscribe();
  if (counts === undefined) throw new Error('counts$ gave no current value on subscribe');
  return counts;
}

/**
 * Creates `tasks` tasks over `seconds` on a fresh manager, one subscriber on every stream, then shuts it down.
 * `onTick` is called on every batch (the heap sampler hooks in there too).
 */
async function run(tasks: number, seconds: number, seed: number, onTick: () => void): Promise<RunResult> {
  const random = prng(seed);
  const kinds = drawKinds(tasks, random);
  const manager = new BackgroundTaskManager({ maxPendingTasks: MAX_PENDING_TASKS, logger: silentLogger });
  const observed: Observed = {
    events: 0,
    createdEvents: new Uint8Array(tasks + 1),
    finalEvents: new Uint8Array(tasks + 1),
    finalByType: new Map(),
    unknownIds: 0,
    seqErrors: 0,
    lastSeq: 0,
    countsEmissions: 0,
    lastCounts: undefined,
    tasksEmissions: 0,
    tasksMaxLength: 0,
    states: [],
    outcomesByKind: KINDS.map(() => STATUSES.map(() => 0)),
  };
  const subscriptions = [
    manager.events$.subscribe((event) => {
      observed.events++;
      if (event.seq <= observed.lastSeq) observed.seqErrors++;
      observed.lastSeq = event.seq;
      if (event.id < 1 || event.id > tasks) {
        observed.unknownIds++;
        return;
      }
      if (event.type === 'created') observed.createdEvents[event.id]++;
      else if (FINAL_TYPES.has(event.type)) {
        observed.finalEvents[event.id]++;
        observed.finalByType.set(event.type, (observed.finalByType.get(event.type) ?? 0) + 1);
        // no task is dropped (checked), so ids are 1, 2, 3... in creation order: task `id` is kinds[id - 1]
        const row = observed.outcomesByKind[kinds[event.id - 1] as number] as number[];
        const status = STATUSES.indexOf(event.type as (typeof STATUSES)[number]);
        row[status] = (row[status] as number) + 1;
      }
    }),
    manager.counts$.subscribe((counts) => {
      observed.countsEmissions++;
      observed.lastCounts = counts;
    }),
    manager.tasks$.subscribe((list) => {
      observed.tasksEmissions++;
      if (list.length > observed.tasksMaxLength) observed.tasksMaxLength = list.length;
    }),
    manager.state$.subscribe((state) => void observed.states.push(state)),
  ];

  const expected = new Map<Expected, number>();
  const byKind = KINDS.map(() => 0);
  const durationMs = seconds * 1000;
  let created = 0;
  let maxInFlight = 0;
  const startedAt = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      onTick();
      const elapsed = performance.now() - startedAt;
      const due = Math.min(tasks, Math.ceil((tasks * elapsed) / durationMs));
      const room = MAX_IN_FLIGHT - manager.pendingCount;
      const batch = Math.min(due - created, room);
      for (let i = 0; i < batch; i++) {
        const index = kinds[created] as number;
        const kind = KINDS[index] as Kind;
        kind.create(manager, random);
        byKind[index] = (byKind[index] as number) + 1;
        expected.set(kind.expected, (expected.get(kind.expected) ?? 0) + 1);
        created++;
      }
      if (manager.pendingCount > maxInFlight) maxInFlight = manager.pendingCount;
      if (created >= tasks) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const createMs = performance.now() - startedAt;
  const stats = await manager.shutdown({ drainMs: DRAIN_MS, timeoutMs: SHUTDOWN_TIMEOUT_MS });
  const totalMs = performance.now() - startedAt;
  const counts = readCounts(manager);
  const detachedAfter = manager.detachedCount;
  await new Promise((resolve) => setImmediate(resolve)); // the last tasks$ flush
  for (const subscription of subscriptions) subscription.unsubscribe();
  return { observed, counts, stats, createMs, totalMs, maxInFlight, detachedAfter, expected, byKind };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  if (globalThis.gc === undefined) throw new Error('run with `node --expose-gc` (npm run soak does)');
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (reason) => void unhandled.push(reason));
  process.on('uncaughtException', (error) => void unhandled.push(error));

  const cpus = os.cpus();
  console.log('agentflow-rx soak (issue 6, "Soak")');
  console.log(
    `node ${process.version}, ${process.platform} ${process.arch}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`,
  );
  console.log(
    `${int(cli.tasks)} tasks over ~${cli.seconds} s (target ${int(cli.tasks / cli.seconds)} tasks/s), a batch every ${TICK_MS} ms, ` +
      `at most ${int(MAX_IN_FLIGHT)} in flight; maxPendingTasks ${int(MAX_PENDING_TASKS)} (drop-newest), so dropped must be 0`,
  );
  console.log('one trivial subscriber on each of events$, counts$, tasks$, state$; silent loglevel logger\n');

  const heapBeforeWarmup = (await fullGc(), heapUsed());
  const warmupTasks = Math.max(2_000, Math.round(cli.tasks * 0.02));
  const warmup = await run(warmupTasks, Math.max(0.5, (cli.seconds * warmupTasks) / cli.tasks), 1, () => undefined);
  if (warmup.counts.created !== warmupTasks || warmup.counts.active !== 0) throw new Error('warm-up run did not settle every task');

  await fullGc();
  const heapStart = heapUsed();
  let heapPeak = heapStart;
  let lastSample = 0;
  const sampleHeap = (): void => {
    const now = performance.now();
    if (now - lastSample < HEAP_SAMPLE_MS) return;
    lastSample = now;
    const used = heapUsed();
    if (used > heapPeak) heapPeak = used;
  };
  const sampler = setInterval(sampleHeap, HEAP_SAMPLE_MS);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  const cpuAtStart = process.cpuUsage();

  const result = await run(cli.tasks, cli.seconds, 42, sampleHeap);

  const cpu = process.cpuUsage(cpuAtStart);
  loopDelay.disable();
  clearInterval(sampler);
  lastSample = 0;
  sampleHeap();
  await fullGc(3);
  const heapEnd = heapUsed();

  const ms = (ns: number): string => (ns / 1e6).toFixed(2);
  const throughput = cli.tasks / (result.totalMs / 1000);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  console.log('Run');
  console.log(
    indent(
      table(
        ['figure', 'value'],
        [
          ['warm-up (separate manager, before the start heap)', `${int(warmupTasks)} tasks`],
          ['creation phase', duration(result.createMs * 1e6)],
          ['total, until shutdown returned', duration(result.totalMs * 1e6)],
          ['throughput (tasks / total)', `${int(throughput)} tasks/s`],
          ['CPU time (user + system)', `${cpuSeconds.toFixed(1)} s (${((cpuSeconds / (result.totalMs / 1000)) * 100).toFixed(0)}% of one core)`],
          ['max tasks in flight (after a batch)', int(result.maxInFlight)],
        ],
        ['left', 'right'],
      ),
    ),
  );

  const { observed, counts, stats } = result;
  console.log('\nTask mix (outcomes as the events$ subscriber saw them)');
  console.log(
    indent(
      table(
        ['kind', 'tasks', 'expected', ...STATUSES],
        KINDS.map((kind, index) => [
          kind.name,
          int(result.byKind[index] as number),
          kind.expected,
          ...STATUSES.map((_, status) => int(observed.outcomesByKind[index]?.[status] ?? 0)),
        ]),
        ['left', 'right', 'left', ...STATUSES.map((): 'right' => 'right')],
      ),
    ),
  );

  const heapGrowth = (heapEnd - heapStart) / heapStart;
  console.log('\nHeap (heapUsed; start and end after full GCs)');
  console.log(
    indent(
      table(
        ['reading', 'heap'],
        [
          ['before warm-up', bytes(heapBeforeWarmup)],
          ['start', bytes(heapStart)],
          [`peak (sampled every ${HEAP_SAMPLE_MS} ms)`, bytes(heapPeak)],
          ['end (after shutdown + gc)', `${bytes(heapEnd)} (${percent(heapGrowth)} of start)`],
        ],
        ['left', 'right'],
      ),
    ),
  );

  console.log(`\nEvent-loop delay (perf_hooks.monitorEventLoopDelay, resolution ${LOOP_RESOLUTION_MS} ms, which the figures include)`);
  console.log(
    indent(
      table(
        ['p50', 'p99', 'max', 'mean'],
        [[`${ms(loopDelay.percentile(50))} ms`, `${ms(loopDelay.percentile(99))} ms`, `${ms(loopDelay.max)} ms`, `${ms(loopDelay.mean)} ms`]],
        ['right', 'right', 'right', 'right'],
      ),
    ),
  );

  console.log('\nFinal counts (counts$ current value after shutdown)');
  console.log(indent(table(Object.keys(counts), [Object.values(counts).map((value: number) => int(value))], Object.keys(counts).map(() => 'right'))));
  const { remaining, ...statsFigures } = stats;
  console.log('\nShutdownStats (shutdown({ drainMs: ' + DRAIN_MS + ', timeoutMs: ' + SHUTDOWN_TIMEOUT_MS + ' }) after the last task was created)');
  console.log(indent(JSON.stringify({ ...statsFigures, remaining: remaining.length === 0 ? [] : `${remaining.length} tasks` })));
  console.log(
    `\nStreams: events$ ${int(observed.events)} events (${[...observed.finalByType].map(([type, n]) => `${type} ${int(n)}`).join(', ')}); ` +
      `counts$ ${int(observed.countsEmissions)} emissions; tasks$ ${int(observed.tasksEmissions)} lists (longest ${int(observed.tasksMaxLength)}); ` +
      `state$ ${observed.states.join(' -> ')}`,
  );

  // Checks
  let createdOnce = 0;
  let finalOnce = 0;
  for (let id = 1; id <= cli.tasks; id++) {
    if (observed.createdEvents[id] === 1) createdOnce++;
    if (observed.finalEvents[id] === 1) finalOnce++;
  }
  const settled = counts.active + counts.completed + counts.failed + counts.cancelled + counts.timedOut;
  const expectedOf = (status: Expected): number => result.expected.get(status) ?? 0;
  const lastCounts = observed.lastCounts;
  const checks: Check[] = [
    {
      name: 'heap end within 10% of start',
      pass: Math.abs(heapGrowth) <= HEAP_TOLERANCE,
      detail: `${bytes(heapEnd)} vs ${bytes(heapStart)}: ${percent(heapGrowth)}`,
    },
    {
      name: 'balance created = active + completed + failed + cancelled + timedOut, active 0',
      pass: counts.created === settled && counts.active === 0,
      detail: `${int(counts.created)} = ${int(counts.active)} + ${int(counts.completed)} + ${int(counts.failed)} + ${int(counts.cancelled)} + ${int(counts.timedOut)}`,
    },
    {
      name: 'every task created, none dropped',
      pass: counts.created === cli.tasks && counts.dropped === 0,
      detail: `created ${int(counts.created)} of ${int(cli.tasks)}, dropped ${int(counts.dropped)}`,
    },
    {
      name: 'outcomes as planned, kind by kind',
      pass:
        KINDS.every((kind, index) => {
          const row = observed.outcomesByKind[index] as number[];
          return row[STATUSES.indexOf(kind.expected)] === result.byKind[index];
        }) &&
        counts.completed === expectedOf('completed') &&
        counts.failed === expectedOf('failed') &&
        counts.cancelled === expectedOf('cancelled') &&
        counts.timedOut === expectedOf('timed_out'),
      detail:
        `completed ${int(counts.completed)}/${int(expectedOf('completed'))}, failed ${int(counts.failed)}/${int(expectedOf('failed'))}, ` +
        `cancelled ${int(counts.cancelled)}/${int(expectedOf('cancelled'))}, timedOut ${int(counts.timedOut)}/${int(expectedOf('timed_out'))}`,
    },
    {
      name: 'events$: exactly one created and one final event per task, seq increasing',
      pass:
        createdOnce === cli.tasks &&
        finalOnce === cli.tasks &&
        observed.unknownIds === 0 &&
        observed.seqErrors === 0 &&
        (observed.finalByType.get('dropped') ?? 0) === 0,
      detail: `${int(createdOnce)} tasks with one created, ${int(finalOnce)} with one final; ${observed.unknownIds} unknown ids, ${observed.seqErrors} out-of-order seq`,
    },
    {
      name: 'counts$ subscriber saw the final counts',
      pass: lastCounts !== undefined && JSON.stringify(lastCounts) === JSON.stringify(counts),
      detail: `last emission ${JSON.stringify(lastCounts)}`,
    },
    {
      name: 'state$ saw running -> shutting_down -> shutdown',
      pass: observed.states.join(',') === 'running,shutting_down,shutdown',
      detail: observed.states.join(' -> '),
    },
    {
      name: 'shutdown completed, nothing left (detached work included)',
      pass: stats.status === 'completed' && stats.remainingTasks === 0 && result.detachedAfter === 0,
      detail: `status ${stats.status}, remainingTasks ${stats.remainingTasks}, detachedCount ${result.detachedAfter}`,
    },
    {
      name: 'no unhandledRejection / uncaughtException',
      pass: unhandled.length === 0,
      detail: unhandled.length === 0 ? 'none' : `${unhandled.length}, first: ${String(unhandled[0])}`,
    },
  ];
  console.log('\nChecks');
  for (const check of checks) console.log(indent(`${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`));
  const failed = checks.filter((check) => !check.pass).length;
  console.log(
    `\n${checks.length - failed} of ${checks.length} checks passed${failed > 0 ? `, ${failed} FAILED` : ''} ` +
      `(load average now ${os.loadavg().map((load) => load.toFixed(2)).join(' ')})`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
