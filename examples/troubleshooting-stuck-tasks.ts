/**
 * Troubleshooting: tasks not completing (docs: "Issue: Tasks Not Completing").
 *
 * Symptom: closing the graph (its manager's shutdown) times out with remaining tasks. List what is stuck with
 * `getTaskInfo()`: work that ignores its signal keeps running after its task was cancelled or timed out, and
 * is listed with `done: false`.
 *
 * Run: npx ts-node examples/troubleshooting-stuck-tasks.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, StateGraph, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  started?: boolean;
}

/** A "blocking" call: it neither finishes nor listens to its signal. */
function legacyExport(): Promise<void> {
  return new Promise(() => undefined);
}

async function spawn(_state: State, _config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<State> {
  taskManager.createTask(() => legacyExport(), { name: 'legacy_export' });
  taskManager.createTask((signal) => sleep(30, undefined, { signal }), { name: 'quick_sync', timeoutMs: 1_000 });
  return { started: true };
}

export async function main(): Promise<void> {
  const app = new StateGraph<State>().addNode(spawn).setEntryPoint('spawn').compile({ shutdownTimeoutMs: 100 });
  await app.invoke();
  await sleep(50);

  // Check the task info to see what is stuck
  const info = app.taskManager.getTaskInfo();
  for (const task of info) {
    if (!task.done) {
      console.log(`Stuck task: ${task.name}, age: ${(task.ageMs / 1000).toFixed(1)}s`);
    }
  }

  const { backgroundTasks } = await app.close();
  console.log(`close: ${backgroundTasks.status}, remaining: ${backgroundTasks.remaining.map((task) => task.name).join(', ')}`);
}

runExample(module, main);
