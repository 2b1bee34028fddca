/**
 * Measurement 15: what run tagging costs a task (issue 16): create + settle of 20,000 common-case tasks
 * (`async () => { await null }`, measurement 7's work) inside a run (a scope with a `runId` and a `threadId`, entered
 * with `scope.run(..., { nodeName })`, as a graph node runs: each task is tagged, joins the run's and the thread's
 * index groups and its scope) against the same outside any run (the floor), interleaved, in the same process, so
 * that both run with the `AsyncLocalStorage` that runs use enabled. Target: at most 1.1x.
 */
import type { TaskHandle } from '../lib';
import { freshManager, verify } from './support/env';
import { compared, ratioCheck, timingRow } from './support/report';
import { interleave, samplesOf, warmupTasks } from './support/runner';
import { startTiming, type Timing } from './support/timing';
import type { BenchOptions, Measurement, MeasurementResult } from './support/types';
import { commonWork } from './support/workloads';

const TASKS = 20_000;
const OUTSIDE = 'outside a run';
const INSIDE = 'inside a run (tagged, indexed, scoped)';

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

export const runTagging: Measurement = {
  id: 'run-tagging',
  group: 'runs',
  title: `15. create + settle of ${TASKS.toLocaleString('en-US')} common-case tasks inside a run vs outside (per task)`,
  async run(options: BenchOptions): Promise<MeasurementResult> {
    const warm = Math.max(2_000, warmupTasks(options.quick, TASKS));
    const samples = await interleave(
      [
        { label: OUTSIDE, run: () => round(TASKS, false), warmup: () => round(warm, false) },
        { label: INSIDE, run: () => round(TASKS, true), warmup: () => round(warm, true) },
      ],
      { rounds: options.rounds ?? (options.quick ? 1 : 9), title: 'run tagging' },
    );
    const outside = timingRow(OUTSIDE, samplesOf(samples, OUTSIDE));
    return {
      rows: [outside, compared(timingRow(INSIDE, samplesOf(samples, INSIDE)), outside, 'outside')],
      checks: [ratioCheck('15 run tagging: inside a run vs outside', samplesOf(samples, INSIDE), samplesOf(samples, OUTSIDE), 1.1, options.clock)],
      notes: [],
    };
  },
};
