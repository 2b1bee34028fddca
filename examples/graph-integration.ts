/**
 * Integration with StateGraph (docs: "Integration with StateGraph" and "Shutdown Statistics").
 *
 * Every compiled graph owns a `BackgroundTaskManager`, registered in its TypeDI container so that every node
 * can inject it. The `shutdownTimeoutMs` given to `compile()` is how long `close()` waits for the tasks.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, END, START, StateGraph, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  items: string[];
  indexed?: number;
}

/** Background work that honours its signal, so that shutdown can stop it at once. */
async function syncToSearchIndex(item: string, signal: AbortSignal): Promise<string> {
  await sleep(200, undefined, { signal });
  return item;
}

async function index(state: State, config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<Partial<State>> {
  for (const item of state.items) {
    taskManager.createTask((signal) => syncToSearchIndex(item, signal), {
      name: `index_${item}`,
      timeoutMs: 10_000,
      context: { threadId: config.threadId },
    });
  }
  return { indexed: state.items.length };
}

async function report(state: State): Promise<void> {
  console.log(`indexing ${state.indexed} items in the background`);
}

export async function main(): Promise<void> {
  // Create a graph and add nodes and edges
  const graph = new StateGraph<State>()
    .addNode(index)
    .addNode(report)
    .addEdge(START, 'index')
    .addEdge('index', 'report')
    .addEdge('report', END);

  // Compile it: the graph's manager is now registered in its container
  const app = graph.compile({ shutdownTimeoutMs: 30_000 });
  await app.invoke({ items: ['a', 'b', 'c', 'd', 'e'] }, { threadId: 'thread-1' });
  console.log(`active background tasks: ${app.taskManager.getTaskCount()}`);

  // During shutdown, the manager is cleaned up
  const stats = await app.close();
  const { status, initialTasks, completedTasks, remainingTasks, cancelled } = stats.backgroundTasks;
  console.log(`backgroundTasks: ${JSON.stringify({ status, initialTasks, completedTasks, remainingTasks, cancelled })}`);
  console.log(`shutdown took ${stats.backgroundTasks.durationMs} ms`);
}

runExample(module, main);
