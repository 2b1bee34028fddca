/**
 * Measurement 14: a filtered `cancelAll()` and `waitForAll()` on one run costs in proportion to that run's tasks,
 * not to the manager's (issue 16): one run of 10 tasks among 1,000 other tasks (100 runs x 10) against the same
 * among 10,000 (1,000 runs x 10), interleaved. Each iteration creates the run's 10 tasks (in a scope tagged with
 * the run, as a graph run makes them), cancels them with `cancelAll({ runId })` and waits with
 * `waitForAll({ runId })` (which confirms one turn of the event loop later, as every wait does); the other tasks
 * stay in flight throughout; the index by run is built (by a first filter by run) before timing, and a tenth as
 * many untimed iterations run first, so that the other tasks, just made, are started and promoted before timing,
 * as a manager's long-running tasks are (the timed loop paid for both before, at a cost that grows with their
 * number). Target: 10,000 others within 1.2x of 1,000 others.
 *
 * For contrast, not a target: the same iteration finding the run's tasks by scanning `getTaskInfo()` among the
 * 10,000 (what a filter without an index costs).
 */
import { BackgroundTaskManager } from '../lib';
import { silentLogger, verify } from './support/env';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf } from './support/runner';
import { startTiming, type Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { honouringWork } from './support/workloads';

const TASKS_PER_RUN = 10;
const ITERATIONS = 2_000;
const FEW = 1_000;
const MANY = 10_000;
const FEW_LABEL = `one run among ${FEW.toLocaleString('en-US')} other tasks`;
const MANY_LABEL = `one run among ${MANY.toLocaleString('en-US')} other tasks`;
const SCAN_LABEL = `scan getTaskInfo() among ${MANY.toLocaleString('en-US')} (no index)`;

/** A manager with `others` tasks in flight, in runs of 10, that never end on their own. */
function managerWith(others: number): BackgroundTaskManager {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
  for (let run = 0; run < others / TASKS_PER_RUN; run++) {
    const scope = manager.scope({ name: 'other', runId: `other-${run}`, threadId: `thread-${run % 100}` });
    for (let task = 0; task < TASKS_PER_RUN; task++) scope.createTask(honouringWork, { name: 'other_task' });
  }
  // The index by run is built by the first filter by run (once, O(the tasks tracked then)), here before timing:
  // what is measured is the steady state.
  verify(manager.getTaskCount({ runId: 'other-0' }) === Math.min(others, TASKS_PER_RUN), 'the index by run');
  return manager;
}

/** One iteration: the run's tasks made in its scope, cancelled and waited for, by filter (or by a scan). */
async function iterate(manager: BackgroundTaskManager, runId: string, scan: boolean): Promise<void> {
  const scope = manager.scope({ name: 'target', runId });
  for (let task = 0; task < TASKS_PER_RUN; task++) scope.createTask(honouringWork, { name: 'target_task' });
  if (scan) {
    const ids = new Set(manager.getTaskInfo().filter((task) => task.runId === runId).map((task) => task.id));
    for (const id of ids) manager.getTask(id)?.cancel();
    await manager.waitForAll({ runId });
    return;
  }
  const cancelled = await manager.cancelAll({ runId, reason: 'bench' });
  if (cancelled !== TASKS_PER_RUN) verify(false, `cancelled ${cancelled} of the run's ${TASKS_PER_RUN} tasks`);
  await manager.waitForAll({ runId });
}

async function round(others: number, iterations: number, scan: boolean): Promise<Timing> {
  const manager = managerWith(others);
  try {
    // Untimed iterations first, a tenth as many: the other tasks were just made, and the first turns after that
    // start every one of them (their work is called a microtask after creation) and the first collections promote
    // them, at a cost that grows with their number and is no part of a filtered call. After these, the other
    // tasks are started and old, as a manager's long-running tasks are.
    for (let iteration = 0; iteration < Math.max(10, Math.round(iterations / 10)); iteration++) await iterate(manager, `warm-${iteration}`, scan);
    const stop = startTiming();
    for (let iteration = 0; iteration < iterations; iteration++) await iterate(manager, `target-${iteration}`, scan);
    const timing = stop(iterations);
    verify(manager.getTaskCount() === others, `${manager.getTaskCount()} tasks in flight, expected the ${others} others`);
    return timing;
  } finally {
    await manager.shutdown();
  }
}

export const runFilters: Measurement = {
  id: 'run-filters',
  group: 'runs',
  title: `14. filtered cancelAll + waitForAll of one run (${TASKS_PER_RUN} tasks) among other runs' tasks (per iteration)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const iterations = options.quick ? 200 : ITERATIONS;
    const warm = Math.max(50, Math.round(iterations / 10));
    const samples = await interleave(
      [
        { label: FEW_LABEL, run: () => round(FEW, iterations, false), warmup: () => round(FEW, warm, false) },
        { label: MANY_LABEL, run: () => round(MANY, iterations, false), warmup: () => round(MANY, warm, false) },
        { label: SCAN_LABEL, run: () => round(MANY, Math.round(iterations / 10), true), warmup: () => round(MANY, 10, true) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 7), title: 'run filters' },
    );
    const few = timingRow(FEW_LABEL, samplesOf(samples, FEW_LABEL));
    return {
      rows: [
        few,
        compared(timingRow(MANY_LABEL, samplesOf(samples, MANY_LABEL)), few, FEW_LABEL.replace('one run among ', '')),
        compared(timingRow(SCAN_LABEL, samplesOf(samples, SCAN_LABEL)), few, FEW_LABEL.replace('one run among ', '')),
      ],
      checks: [ratioCheck('14 filtered wait/cancel: 10,000 vs 1,000 other tasks', samplesOf(samples, MANY_LABEL), samplesOf(samples, FEW_LABEL), 1.2, options.clock)],
      notes: ['An iteration includes one turn of the event loop: waitForAll() confirms idleness a turn after the last settlement.'],
    };
  },
};
