/**
 * Measurement 3: cost per task (create + settle) with 100,000 tasks in flight at once, against 10,000 in flight.
 * Target: at most 1.5x (nothing may cost O(tasks in flight) per task).
 *
 * Both cases run 100,000 tasks on one fresh manager, so they do the same total work and allocation: the
 * 100,000 case in one batch, the 10,000 case in ten consecutive batches. Each batch's tasks are blocked on a
 * promise opened once the whole batch is created. The AbortController floor (measurement 1's) runs the same
 * batches, for information: it shows how much of any growth the runtime itself (GC of a larger heap) accounts
 * for. A cost linear in the tasks in flight would show as several times, not tens of percent.
 */
import { ratio } from './support/format';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks, type BenchCase } from './support/runner';
import type { Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult, ResultRow } from './support/types';
import { floorBlockedBatches, managerBlockedBatches } from './support/workloads';

const TASKS = 100_000;
const SMALL = 10_000;
const TARGET = 1.5;
const MANAGER_SMALL = `manager: ${SMALL.toLocaleString('en-US')} in flight (x${TASKS / SMALL} batches)`;
const MANAGER_LARGE = `manager: ${TASKS.toLocaleString('en-US')} in flight`;
const FLOOR_SMALL = `floor (AC + Map + chain): ${SMALL.toLocaleString('en-US')} in flight`;
const FLOOR_LARGE = `floor (AC + Map + chain): ${TASKS.toLocaleString('en-US')} in flight`;

export const scaling: Measurement = {
  id: 'scaling',
  title: `3. scaling: per task with ${TASKS.toLocaleString('en-US')} in flight vs ${SMALL.toLocaleString('en-US')} in flight`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const withFloors = !options.quick;
    const warm = warmupTasks(options.quick, TASKS);
    const cases: BenchCase<Timing>[] = [
      { label: MANAGER_SMALL, run: () => managerBlockedBatches(SMALL, TASKS / SMALL), warmup: () => managerBlockedBatches(warm, 1) },
      { label: MANAGER_LARGE, run: () => managerBlockedBatches(TASKS, 1) },
    ];
    if (withFloors) {
      cases.push(
        { label: FLOOR_SMALL, run: () => floorBlockedBatches(SMALL, TASKS / SMALL), warmup: () => floorBlockedBatches(warm, 1) },
        { label: FLOOR_LARGE, run: () => floorBlockedBatches(TASKS, 1) },
      );
    }
    const samples = await interleave(cases, { rounds: options.rounds ?? (options.quick ? 1 : 3), title: 'scaling' });
    const smallRow = timingRow(MANAGER_SMALL, samplesOf(samples, MANAGER_SMALL));
    const largeRow = timingRow(MANAGER_LARGE, samplesOf(samples, MANAGER_LARGE));
    const rows: ResultRow[] = [smallRow, compared(largeRow, smallRow, '10k in flight')];
    const notes: string[] = [];
    if (withFloors) {
      const floorSmall = timingRow(FLOOR_SMALL, samplesOf(samples, FLOOR_SMALL));
      const floorLarge = timingRow(FLOOR_LARGE, samplesOf(samples, FLOOR_LARGE));
      rows.push(floorSmall, compared(floorLarge, floorSmall, '10k in flight'));
      notes.push(
        `for information: the floor itself grows ${ratio(floorLarge.median / floorSmall.median)} from 10k to 100k in flight; ` +
          `the manager vs the floor: ${ratio(smallRow.median / floorSmall.median)} at 10k, ${ratio(largeRow.median / floorLarge.median)} at 100k`,
      );
    } else {
      notes.push('--quick: the floor rows (for information only) are skipped');
    }
    return {
      rows,
      checks: [ratioCheck('3. scaling 100k vs 10k in flight', samplesOf(samples, MANAGER_LARGE), samplesOf(samples, MANAGER_SMALL), TARGET, options.clock)],
      notes,
    };
  },
};
