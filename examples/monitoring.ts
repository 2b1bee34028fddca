/**
 * Monitoring and debugging: count the tasks in flight, inspect them, wait for them, cancel them all.
 *
 * Run: npx ts-node examples/monitoring.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager } from '../lib';
import { runExample } from './support/run-example';

export async function main(): Promise<void> {
  const manager = new BackgroundTaskManager();
  for (let i = 1; i <= 3; i++) {
    manager.createTask((signal) => sleep(20 * i, undefined, { signal }), { name: `quick_${i}`, timeoutMs: 1_000 });
  }
  manager.createTask((signal) => sleep(60_000, undefined, { signal }), { name: 'long_poll', context: { user: 'alice' } });

  // Get active task count
  const activeCount = manager.getTaskCount();
  console.log(`Currently running ${activeCount} background tasks`);

  // Get detailed task information
  await sleep(5);
  for (const task of manager.getTaskInfo()) {
    console.log(`Task: ${task.name}`);
    console.log(`  Status: ${task.status}`);
    console.log(`  Age: ${(task.ageMs / 1000).toFixed(2)}s`);
    console.log(`  Timeout: ${task.timeoutMs === undefined ? 'none' : `${task.timeoutMs / 1000}s`}`);
    console.log(`  Context: ${JSON.stringify(task.context)}`);
    console.log(`  Done: ${task.done}`);
  }

  // Wait for all tasks to complete (with a timeout); it never cancels anything
  const waited = await manager.waitForAll({ timeoutMs: 300 });
  console.log(`waitForAll: ${waited.status}, still running: ${waited.remaining.map((task) => task.name).join(', ')}`);

  // Cancel all background tasks immediately
  const cancelled = await manager.cancelAll('monitoring example is done');
  console.log(`cancelAll cancelled ${cancelled} task(s); in flight now: ${manager.getTaskCount()}`);

  const stats = await manager.shutdown();
  console.log(`shutdown: ${stats.status}, ${stats.initialTasks} initial task(s), ${stats.remainingTasks} remaining`);
}

runExample(module, main);
