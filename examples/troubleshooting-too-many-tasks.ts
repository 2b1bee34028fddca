/**
 * Troubleshooting: too many background tasks (docs: "Issue: Too Many Background Tasks").
 *
 * Symptom: high memory use, slow shutdown. Check the task count periodically, or, reactively, watch the
 * manager's `counts$` stream; give tasks short timeouts.
 *
 * Run: npx ts-node examples/troubleshooting-too-many-tasks.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, StateGraph, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  events: number;
}

async function fanOut(state: State, _config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<State> {
  for (let i = 0; i < state.events; i++) {
    taskManager.createTask((signal) => sleep(50, undefined, { signal }), { name: `track_event_${i}`, timeoutMs: 500 });
  }
  return state;
}

export async function main(): Promise<void> {
  const app = new StateGraph<State>().addNode(fanOut).setEntryPoint('fanOut').compile();

  // Reactively: warn the first time the count goes over the limit
  let warned = false;
  const subscription = app.taskManager.counts$.subscribe(({ active }) => {
    if (active > 100 && !warned) {
      warned = true;
      console.log(`counts$ says: over 100 tasks in flight (${active})`);
    }
  });

  await app.invoke({ events: 150 });

  // Check the task count periodically
  const count = app.taskManager.getTaskCount();
  if (count > 100) {
    console.log(`Too many background tasks: ${count}`);
  }

  await app.taskManager.waitForAll();
  console.log(`after waiting: ${app.taskManager.getTaskCount()} tasks`);
  subscription.unsubscribe();
  await app.close();
}

runExample(module, main);
