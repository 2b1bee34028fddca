/**
 * Measurement 1: create + settle of 100,000 trivial tasks (`async () => { await null }`, a function receiving
 * the signal), no timeout, no subscribers, per task; against the floors "Set-tracked bare promise" and
 * "per-task AbortController + Map entry + a promise chain". Target: at most 1.25x the AbortController floor.
 */
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { floorAbortController, floorSetTracked, managerCreateSettle } from './support/workloads';

const TASKS = 100_000;
const TARGET = 1.25;
const SET_FLOOR = 'floor: Set-tracked bare promise';
const AC_FLOOR = 'floor: AbortController + Map + promise chain';
const MANAGER = 'manager.createTask(work)';

export const createSettle: Measurement = {
  id: 'create-settle',
  title: `1. create + settle of ${TASKS.toLocaleString('en-US')} trivial tasks, no timeout, no subscribers`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = warmupTasks(options.quick, TASKS);
    const samples = await interleave(
      [
        { label: SET_FLOOR, run: () => floorSetTracked(TASKS), warmup: () => floorSetTracked(warm) },
        { label: AC_FLOOR, run: () => floorAbortController(TASKS), warmup: () => floorAbortController(warm) },
        { label: MANAGER, run: () => managerCreateSettle(TASKS), warmup: () => managerCreateSettle(warm) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 7), title: 'create-settle' },
    );
    const setRow = timingRow(SET_FLOOR, samplesOf(samples, SET_FLOOR));
    const acRow = timingRow(AC_FLOOR, samplesOf(samples, AC_FLOOR));
    const managerRow = timingRow(MANAGER, samplesOf(samples, MANAGER));
    return {
      rows: [
        setRow,
        compared(acRow, setRow, 'Set floor'),
        { ...compared(managerRow, acRow, 'AC floor'), extra: `${(managerRow.median / setRow.median).toFixed(2)}x Set floor` },
      ],
      checks: [ratioCheck('1. create+settle vs AC floor', samplesOf(samples, MANAGER), samplesOf(samples, AC_FLOOR), TARGET, options.clock)],
      notes: [],
    };
  },
};
