/**
 * Pattern 1: non-blocking notifications (docs: "Common Patterns").
 *
 * The node processes its data, hands the notification to the background with a timeout, and returns at once:
 * the run does not wait for the notification service.
 *
 * Run: npx ts-node examples/pattern-non-blocking-notifications.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, StateGraph, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  data: { text: string; result?: string };
}

async function processData(data: State['data']): Promise<string> {
  await sleep(10);
  return data.text.toUpperCase();
}

/** A notification service call that honours its signal (so the task's timeout really stops it). */
async function sendNotification(result: string, signal: AbortSignal): Promise<void> {
  await sleep(50, undefined, { signal });
  console.log(`Notification sent: ${result}`);
}

/** Process data and send a notification without blocking. */
async function myNode(state: State, _config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<State> {
  const result = await processData(state.data);

  // Send the notification in the background
  taskManager.createTask((signal) => sendNotification(result, signal), { name: 'send_notification', timeoutMs: 5_000 });

  // Return immediately
  return { data: { ...state.data, result } };
}

export async function main(): Promise<void> {
  const app = new StateGraph<State>().addNode(myNode).setEntryPoint('myNode').compile();
  const state = await app.invoke({ data: { text: 'your order has shipped' } });
  console.log(`Run finished with result: ${state.data.result}`);
  await app.taskManager.waitForAll();
  await app.close();
}

runExample(module, main);
