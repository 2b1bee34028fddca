/**
 * Measurement 5: heap per in-flight task with 100,000 blocked tasks (`node --expose-gc`; full GC before each
 * reading; heap used after they are all running minus before creating them, divided by 100,000). Target: at
 * most 2 KB per task. Then the tasks are released and settle, and after a full GC the heap must be back within
 * 5% of the start. The AbortController floor's heap per task is shown for information.
 */
import { bytes, percent } from './support/format';
import { interleave, warmupTasks, type BenchCase } from './support/runner';
import { bytesRow, compared } from './support/report';
import { median } from './support/stats';
import type { BenchOptions, Measurement, MeasurementResult, ResultRow } from './support/types';
import { floorMemory, managerMemory, type MemorySample } from './support/workloads';

const TASKS = 100_000;
const TARGET_BYTES = 2 * 1024;
const TARGET_RESIDUAL = 0.05;

export const memory: Measurement = {
  id: 'memory',
  title: `5. memory: heap per in-flight task with ${TASKS.toLocaleString('en-US')} blocked tasks`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const withFloor = !options.quick;
    const managerSamples: MemorySample[] = [];
    const floorSamples: MemorySample[] = [];
    const cases: BenchCase<number>[] = [
      {
        label: 'manager',
        run: async () => {
          const sample = await managerMemory(TASKS);
          managerSamples.push(sample);
          return sample.bytesPerTask;
        },
        // what the JIT compiles is a few KB against 100,000 tasks: --quick skips this warm-up
        ...(options.quick ? {} : { warmup: () => managerMemory(warmupTasks(options.quick, TASKS)) }),
      },
    ];
    if (withFloor) {
      cases.unshift({
        label: 'floor',
        run: async () => {
          const sample = await floorMemory(TASKS);
          floorSamples.push(sample);
          return sample.bytesPerTask;
        },
        warmup: () => floorMemory(warmupTasks(options.quick, TASKS)),
      });
    }
    await interleave(cases, { rounds: options.rounds ?? (options.quick ? 1 : 3), title: 'memory' });

    const managerRow = bytesRow(
      `manager: ${TASKS.toLocaleString('en-US')} blocked tasks`,
      managerSamples.map((sample) => sample.bytesPerTask),
    );
    const residuals = managerSamples.map((sample) => sample.residual);
    const residual = Math.max(...residuals); // every round must come back, not just most
    const startBytes = median(managerSamples.map((sample) => sample.startBytes));
    const managerExtra = `heap after settling (worst round): ${percent(residual)} of ${bytes(startBytes)} at start`;
    const rows: ResultRow[] = [];
    if (withFloor) {
      const floorRow = bytesRow(
        `floor (AC + Map + chain): ${TASKS.toLocaleString('en-US')} blocked`,
        floorSamples.map((sample) => sample.bytesPerTask),
      );
      rows.push({ ...floorRow, extra: `heap after settling: ${percent(median(floorSamples.map((sample) => sample.residual)))}` });
      rows.push({ ...compared(managerRow, floorRow, 'floor'), extra: managerExtra });
    } else {
      rows.push({ ...managerRow, extra: managerExtra });
    }
    return {
      rows,
      checks: [
        {
          name: '5a. heap per in-flight task',
          measured: `${bytes(managerRow.median)}/task`,
          target: `<= ${bytes(TARGET_BYTES)}/task`,
          detail: `min ${bytes(managerRow.min)}, max ${bytes(managerRow.max)} over ${managerRow.samples} rounds`,
          pass: managerRow.median <= TARGET_BYTES,
        },
        {
          name: '5b. heap back after settling (worst round)',
          measured: percent(residual),
          target: `<= ${percent(TARGET_RESIDUAL)}`,
          detail: `per round: ${residuals.map(percent).join(', ')} of ${bytes(startBytes)}`,
          pass: residual <= TARGET_RESIDUAL,
        },
      ],
      notes: [
        'heap per task includes what every task here holds: its AbortSignal (created on first `.signal` read, about 0.8 KB ' +
          'on Node 20) and the blocked work\'s own async function state; the floor row (full mode) holds the same',
      ],
    };
  },
};
