/**
 * Measurement 7: the common case, near the physical floor. Create + settle of 100,000 tasks whose work is
 * `async () => { await null }`: a function that declares no parameter, so it cannot receive the signal and no
 * `AbortController` is created for it. Against the floor "Set-tracked bare promise" (the same work called at
 * once, its promise kept in a Set until it settles). Target: at most 2x (stretch: 1.5x).
 *
 * For information, the cost of starting each task's work in its caller's async context (one promise reaction
 * per task) against one microtask per batch (which would run a whole batch in the first caller's context).
 */
import { duration, ratio } from './support/format';
import { compared, pairedMedian, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import { median } from './support/stats';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { commonWork, floorSetTracked, managerCreateSettle, startBatched, startPerTaskReaction } from './support/workloads';

const TASKS = 100_000;
const TARGET = 2;
const STRETCH = 1.5;
const SET_FLOOR = 'floor: Set-tracked bare promise';
const MANAGER = 'manager.createTask(async () => …)';
const PER_TASK = 'start: one reaction per task (context kept)';
const BATCHED = 'start: one microtask per batch (context lost)';

export const commonCase: Measurement = {
  id: 'common-case',
  title: `7. the common case: create + settle of ${TASKS.toLocaleString('en-US')} tasks of \`async () => { await null }\``,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = warmupTasks(options.quick, TASKS);
    const rounds = options.rounds ?? (options.quick ? 1 : 9);
    const samples = await interleave(
      [
        { label: SET_FLOOR, run: () => floorSetTracked(TASKS), warmup: () => floorSetTracked(warm) },
        {
          label: MANAGER,
          run: () => managerCreateSettle(TASKS, { work: commonWork }),
          warmup: () => managerCreateSettle(warm, { work: commonWork }),
        },
        { label: BATCHED, run: () => startBatched(TASKS), warmup: () => startBatched(warm) },
        { label: PER_TASK, run: () => startPerTaskReaction(TASKS), warmup: () => startPerTaskReaction(warm) },
      ],
      { rounds, title: 'common-case' },
    );
    const setRow = timingRow(SET_FLOOR, samplesOf(samples, SET_FLOOR));
    const managerRow = timingRow(MANAGER, samplesOf(samples, MANAGER));
    const batchedRow = timingRow(BATCHED, samplesOf(samples, BATCHED));
    const perTaskRow = timingRow(PER_TASK, samplesOf(samples, PER_TASK));
    const check = ratioCheck('7. common case vs Set floor', samplesOf(samples, MANAGER), samplesOf(samples, SET_FLOOR), TARGET, options.clock);
    // judged as the target is: the median of the rounds' ratios, on the same clock
    const measured = pairedMedian(samplesOf(samples, MANAGER), samplesOf(samples, SET_FLOOR), options.clock);
    const contextCost = median(samplesOf(samples, PER_TASK).map((t) => t.wallNs)) - median(samplesOf(samples, BATCHED).map((t) => t.wallNs));
    return {
      rows: [setRow, compared(managerRow, setRow, 'Set floor'), batchedRow, compared(perTaskRow, batchedRow, 'batched')],
      checks: [check],
      notes: [
        `stretch goal <= ${ratio(STRETCH)}: ${measured <= STRETCH ? 'met' : 'not met'} (${ratio(measured)})`,
        `keeping each task's async context costs ${duration(Math.max(0, contextCost))} per task over a batched start ` +
          `(${duration(perTaskRow.median)} vs ${duration(batchedRow.median)})`,
      ],
    };
  },
};
