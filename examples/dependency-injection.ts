/**
 * Basic usage with dependency injection (docs: "Basic Usage with Dependency Injection").
 *
 * A node gets the graph's `BackgroundTaskManager` through `inject()` as a default parameter, spawns background
 * work, and returns at once without waiting for it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, StateGraph, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  data: { input?: string };
}

/** Some async work that runs in the background. */
async function myBackgroundWork(data: string): Promise<void> {
  await sleep(50);
  console.log(`Processed: ${data}`);
}

/** A node that spawns background work. */
async function myNode(state: State, config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<State> {
  // Spawn a background task
  taskManager.createTask(() => myBackgroundWork(state.data.input ?? ''), {
    name: 'process_data',
    context: { threadId: config.threadId },
  });
  // Return immediately without waiting
  return state;
}

export async function main(): Promise<void> {
  const app = new StateGraph<State>().addNode(myNode).setEntryPoint('myNode').compile();

  await app.invoke({ data: { input: 'order #42' } }, { threadId: 'thread-7' });
  for (const task of app.taskManager.getTaskInfo()) {
    console.log(`node returned; still running: ${task.name} ${JSON.stringify(task.context)}`);
  }

  await app.taskManager.waitForAll();
  const { backgroundTasks } = await app.close();
  console.log(`graph closed: ${backgroundTasks.status}, ${backgroundTasks.initialTasks} tasks left at close`);
}

runExample(module, main);
