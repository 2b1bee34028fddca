/**
 * Measurement 6: measurement 1 with one trivial subscriber on `events$` and one on `counts$`, against
 * measurement 1 without them (interleaved). Target: at most 1.3x.
 */
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { managerCreateSettle } from './support/workloads';

const TASKS = 100_000;
const TARGET = 1.3;
const WITHOUT = 'manager, no subscribers';
const WITH = 'manager, events$ + counts$ subscribers';

export const subscribers: Measurement = {
  id: 'subscribers',
  title: `6. create + settle of ${TASKS.toLocaleString('en-US')} trivial tasks with a subscriber on events$ and one on counts$`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = warmupTasks(options.quick, TASKS);
    const samples = await interleave(
      [
        { label: WITHOUT, run: () => managerCreateSettle(TASKS), warmup: () => managerCreateSettle(warm) },
        { label: WITH, run: () => managerCreateSettle(TASKS, { subscribers: true }), warmup: () => managerCreateSettle(warm, { subscribers: true }) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 5), title: 'subscribers' },
    );
    const withoutRow = timingRow(WITHOUT, samplesOf(samples, WITHOUT));
    const withRow = timingRow(WITH, samplesOf(samples, WITH));
    return {
      rows: [withoutRow, compared(withRow, withoutRow, 'no subscribers')],
      checks: [ratioCheck('6. subscribers vs none', samplesOf(samples, WITH), samplesOf(samples, WITHOUT), TARGET, options.clock)],
      notes: [],
    };
  },
};
