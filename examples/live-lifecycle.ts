/**
 * The reactive surface: every task's lifecycle on `events$`, running totals on `counts$`, and the manager's
 * state on `state$`, printed live while a mix of tasks succeed, fail, time out and get cancelled.
 *
 * Run: npm start (or npx ts-node examples/live-lifecycle.ts)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { map } from 'rxjs';
import { BackgroundTaskManager, type TaskEvent } from '../lib';
import { runExample } from './support/run-example';

function describe(event: TaskEvent): string {
  switch (event.type) {
    case 'completed':
      return `completed in ${Math.round(event.durationMs)} ms`;
    case 'failed':
      return `failed: ${event.error instanceof Error ? event.error.message : String(event.error)}`;
    case 'cancelled':
    case 'timed_out':
      return `${event.type.replace('_', ' ')}: ${event.reason instanceof Error ? event.reason.message : String(event.reason)}`;
    case 'dropped':
      return `dropped: ${event.reason.dropReason}`;
    default:
      return event.type;
  }
}

export async function main(): Promise<void> {
  const manager = new BackgroundTaskManager({ maxPendingTasks: 5 });

  manager.events$.subscribe((event) => {
    console.log(`#${String(event.seq).padStart(2)} ${event.name.padEnd(14)} ${describe(event)}`);
  });
  manager.counts$
    .pipe(
      map(({ active, completed, failed, cancelled, timedOut, dropped }) =>
        `counts: active=${active} completed=${completed} failed=${failed} cancelled=${cancelled} timedOut=${timedOut} dropped=${dropped}`),
    )
    .subscribe((line) => console.log(`    ${line}`));
  manager.state$.subscribe((state) => console.log(`manager: ${state}`));

  manager.createTask((signal) => sleep(30, 'ok', { signal }), { name: 'quick' });
  manager.createTask(async () => {
    await sleep(10);
    throw new Error('upstream returned 503');
  }, { name: 'flaky_call' });
  manager.createTask((signal) => sleep(10_000, undefined, { signal }), { name: 'slow_report', timeoutMs: 60 });
  const cancellable = manager.createTask((signal) => sleep(10_000, undefined, { signal }), { name: 'user_export' });
  manager.createTask((signal) => sleep(10_000, undefined, { signal }), { name: 'long_sync' });
  manager.createTask(() => 'never runs', { name: 'one_too_many' }); // over maxPendingTasks: dropped

  await sleep(20);
  cancellable.cancel('user pressed cancel');
  // returnExceptions: the failure of flaky_call is collected (and logged), not thrown, whenever it happens.
  await manager.waitForAll({ timeoutMs: 200, returnExceptions: true });

  const stats = await manager.shutdown({ timeoutMs: 1_000 });
  console.log(`shutdown: ${stats.status}, initial=${stats.initialTasks} completed=${stats.completedTasks} remaining=${stats.remainingTasks}`);
}

runExample(module, main);
