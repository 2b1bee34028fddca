/**
 * Measurement 2: measurement 1 with `timeoutMs` set (60 s, never reached), against the floor
 * "AbortController + Map + setTimeout/clearTimeout". Target: at most 1.25x.
 */
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { floorAbortController, managerCreateSettle } from './support/workloads';

const TASKS = 100_000;
const TIMEOUT_MS = 60_000;
const TARGET = 1.25;
const FLOOR = 'floor: AbortController + Map + setTimeout/clearTimeout';
const MANAGER = `manager.createTask(work, { timeoutMs: ${TIMEOUT_MS} })`;

export const createSettleTimeout: Measurement = {
  id: 'create-settle-timeout',
  title: `2. create + settle of ${TASKS.toLocaleString('en-US')} trivial tasks with timeoutMs: ${TIMEOUT_MS.toLocaleString('en-US')}`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = warmupTasks(options.quick, TASKS);
    const samples = await interleave(
      [
        { label: FLOOR, run: () => floorAbortController(TASKS, TIMEOUT_MS), warmup: () => floorAbortController(warm, TIMEOUT_MS) },
        {
          label: MANAGER,
          run: () => managerCreateSettle(TASKS, { timeoutMs: TIMEOUT_MS }),
          warmup: () => managerCreateSettle(warm, { timeoutMs: TIMEOUT_MS }),
        },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 7), title: 'create-settle-timeout' },
    );
    const floorRow = timingRow(FLOOR, samplesOf(samples, FLOOR));
    const managerRow = timingRow(MANAGER, samplesOf(samples, MANAGER));
    return {
      rows: [floorRow, compared(managerRow, floorRow, 'floor')],
      checks: [ratioCheck('2. create+settle with timeout vs floor', samplesOf(samples, MANAGER), samplesOf(samples, FLOOR), TARGET, options.clock)],
      notes: [],
    };
  },
};
