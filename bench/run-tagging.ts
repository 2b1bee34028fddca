/**
 * Measurement 15: what run tagging costs a task (issue 16): create + settle of 20,000 common-case tasks
 * (`async () => { await null }`, measurement 7's work) inside a run (a scope with a `runId` and a `threadId`, entered
 * with `scope.run(..., { nodeName })`, as a graph node runs: each task is tagged and joins its scope's group; the
 * indexes by run and by thread are built by the first call that filters by them, and none does here) against the
 * same outside any run (the floor), interleaved, in the same process, so that both run with the
 * `AsyncLocalStorage` that runs use enabled. Another run stays in flight throughout (see keepScopeClassesAlive).
 * Target: at most 1.1x.
 */
import type { BackgroundTaskManager, TaskHandle } from '../lib';
import { freshManager, verify } from './support/env';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import { startTiming, type Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { commonWork } from './support/workloads';

const TASKS = 20_000;
/**
 * Timed rounds by default: a round's inside/outside ratio strays widely on a 2-core machine (the middle half
 * of 61 rounds spans about 0.95x-1.16x), so nine rounds left the median of the ratios about 5% either way, as
 * much as the cost measured; 61 rounds (about 15 s) bring that to about 2%.
 */
const ROUNDS = 61;
const OUTSIDE = 'outside a run';
const INSIDE = 'inside a run (tagged, scoped)';

let runs = 0;

async function round(tasks: number, inside: boolean): Promise<Timing> {
  const manager = freshManager();
  try {
    let last: TaskHandle<void> | undefined;
    const create = (): void => {
      for (let index = 0; index < tasks; index++) last = manager.createTask(commonWork, { name: 'bench' });
    };
    const scope = inside ? manager.scope({ name: 'run', runId: `run-${runs++}`, threadId: 'thread' }) : undefined;
    const stop = startTiming();
    if (scope === undefined) create();
    else scope.run(create, { nodeName: 'node' });
    await last?.done;
    if (manager.getTaskCount() !== 0) await manager.waitForAll();
    const timing = stop(tasks);
    verify(last?.status === 'completed', `last task is ${last?.status}`);
    verify(last?.runId === scope?.runId && last?.nodeName === (inside ? 'node' : undefined), 'tags');
    return timing;
  } finally {
    await manager.shutdown();
  }
}

/** A manager with one scope and one task in it, in flight for the whole measurement (see keepScopeClassesAlive). */
let keptAlive: BackgroundTaskManager | undefined;

/**
 * Keeps one run alive while the rounds run, as a process that runs graphs has some run in flight: `keptAlive`
 * holds a manager, which holds a task of a scope, which holds its tags, its groups and its scope. Interleaved
 * rounds otherwise leave those classes with no live instance for a whole round, across the two forced full
 * collections around it, after which V8 drops their maps and deoptimises the code that depends on them: with
 * `--trace-deopt`, 419 "weak objects" deoptimisations in one run of this measurement without it, 100 with it.
 * Every inside round then paid for re-optimising the run's code path, a cost a process running graphs does not
 * pay per batch. Both cases run with it.
 */
function keepScopeClassesAlive(): void {
  if (keptAlive !== undefined) return;
  keptAlive = freshManager();
  const scope = keptAlive.scope({ name: 'kept', runId: 'kept', threadId: 'kept' });
  scope.run(() => keptAlive?.createTask(() => new Promise<never>(() => undefined), { name: 'kept' }), { nodeName: 'kept' });
}

export const runTagging: Measurement = {
  id: 'run-tagging',
  group: 'runs',
  title: `15. create + settle of ${TASKS.toLocaleString('en-US')} common-case tasks inside a run vs outside (per task)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    keepScopeClassesAlive();
    const warm = Math.max(2_000, warmupTasks(options.quick, TASKS));
    const samples = await interleave(
      [
        { label: OUTSIDE, run: () => round(TASKS, false), warmup: () => round(warm, false) },
        { label: INSIDE, run: () => round(TASKS, true), warmup: () => round(warm, true) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : ROUNDS), title: 'run tagging' },
    );
    const outside = timingRow(OUTSIDE, samplesOf(samples, OUTSIDE));
    return {
      rows: [outside, compared(timingRow(INSIDE, samplesOf(samples, INSIDE)), outside, 'outside')],
      checks: [ratioCheck('15 run tagging: inside a run vs outside', samplesOf(samples, INSIDE), samplesOf(samples, OUTSIDE), 1.1, options.clock)],
      notes: [],
    };
  },
};
