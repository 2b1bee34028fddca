import log from 'loglevel';
import { BackgroundTaskManager } from '../../lib';

/** A logger that prints nothing, so that logging does not distort the figures. */
export const silentLogger: log.Logger = log.getLogger('agentflow-rx.bench');
silentLogger.setLevel('silent');

/** A fresh manager as every round uses one: no cap on tasks in flight, silent logger. */
export function freshManager(): BackgroundTaskManager {
  return new BackgroundTaskManager({ maxPendingTasks: 0, logger: silentLogger });
}

/** Resolves on the next turn of the event loop, after pending I/O and timers callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs full garbage collections on a fresh turn of the event loop: one is enough before a timed run; heap
 * readings take two, a turn apart, so that anything the first one freed (weak callbacks) goes too.
 */
export async function fullGc(passes = 2): Promise<void> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('global.gc is not exposed: run the benchmark with `node --expose-gc` (npm run bench)');
  for (let pass = 0; pass < passes; pass++) {
    await nextTurn();
    gc();
  }
}

/** The V8 heap in use, in bytes. */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** Throws if `condition` is false: a round whose tasks did not all do what they should is not a measurement. */
export function verify(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Benchmark sanity check failed: ${message}`);
}

/** Task counts as the manager reports them, read through the public `counts$` (current value on subscribe). */
export function readCounts(manager: BackgroundTaskManager): { created: number; completed: number; cancelled: number; active: number } {
  let counts = { created: -1, completed: -1, cancelled: -1, active: -1 };
  manager.counts$.subscribe((current) => (counts = current)).unsubscribe();
  return counts;
}
