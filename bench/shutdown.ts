/**
 * Measurement 4: `shutdown()` of 100,000 in-flight tasks that honour their signal, against the floor "abort
 * 100,000 AbortControllers, each resolving one promise, with one shared reason" (from the first abort until
 * every promise has settled). Target: at most 1.5x; the absolute times are printed too.
 *
 * The tasks' work: `(signal) => new Promise((_, reject) => signal.addEventListener('abort', () =>
 * reject(signal.reason), { once: true }))`; the floor's promises are the same. Creating the tasks (and the
 * floor's controllers) is not timed; every task is running when the timing starts. The floor aborts every
 * controller with one shared reason, so it pays for no error object per task; the manager gives each task its
 * own `TaskCancelledError` (naming the task), built without a captured stack.
 */
import { duration } from './support/format';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import type { Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { floorAbortAll, managerShutdown } from './support/workloads';

const TASKS = 100_000;
const TARGET = 1.5;
const FLOOR = `floor: abort ${TASKS.toLocaleString('en-US')} AbortControllers`;
const MANAGER = `manager.shutdown() of ${TASKS.toLocaleString('en-US')} tasks`;

/** The absolute time of a round of `TASKS` tasks: median (and best) of the samples. */
function total(timings: readonly Timing[], medianNs: number): string {
  const best = Math.min(...timings.map((timing) => timing.wallNs));
  return `total ${duration(medianNs * TASKS)} (best ${duration(best * TASKS)})`;
}

export const shutdown: Measurement = {
  id: 'shutdown',
  title: `4. shutdown() of ${TASKS.toLocaleString('en-US')} in-flight tasks that honour their signal`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = warmupTasks(options.quick, TASKS);
    const samples = await interleave(
      [
        { label: FLOOR, run: () => floorAbortAll(TASKS), warmup: () => floorAbortAll(warm) },
        { label: MANAGER, run: () => managerShutdown(TASKS), warmup: () => managerShutdown(warm) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 5), title: 'shutdown' },
    );
    const floor = samplesOf(samples, FLOOR);
    const manager = samplesOf(samples, MANAGER);
    const floorRow = timingRow(FLOOR, floor);
    const managerRow = timingRow(MANAGER, manager);
    const check = ratioCheck('4. shutdown of 100k vs abort floor', manager, floor, TARGET, options.clock);
    return {
      rows: [
        { ...floorRow, extra: total(floor, floorRow.median) },
        { ...compared(managerRow, floorRow, 'floor'), extra: total(manager, managerRow.median) },
      ],
      checks: [{ ...check, detail: `${check.detail}; ${duration(managerRow.median * TASKS)} vs ${duration(floorRow.median * TASKS)} for ${TASKS.toLocaleString('en-US')} tasks` }],
      notes: [],
    };
  },
};
