/**
 * Standalone usage: a manager outside any graph, with a 30-second shutdown timeout.
 *
 * Run: npx ts-node examples/standalone-usage.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager } from '../lib';
import { runExample } from './support/run-example';

/** Stands in for an HTTP call; honours the task's signal like `fetch(url, { signal })` does. */
async function fetchDataAsync(url: string, signal: AbortSignal): Promise<{ url: string; items: number }> {
  await sleep(100, undefined, { signal });
  return { url, items: 3 };
}

export async function main(): Promise<void> {
  // Create a manager with a 30-second shutdown timeout
  const manager = new BackgroundTaskManager({ defaultShutdownTimeoutMs: 30_000 });

  // Create some background tasks
  const handle = manager.createTask((signal) => fetchDataAsync('https://api.example.com', signal), {
    name: 'fetch_api_data',
    timeoutMs: 5_000,
  });
  console.log(`Started '${handle.name}' (task ${handle.id}), status: ${handle.status}`);

  // Do other work...
  await sleep(200);
  console.log(`'${handle.name}' is now ${handle.status}`);

  // Gracefully shut down and wait for tasks
  const stats = await manager.shutdown();
  console.log(`Shutdown stats: ${JSON.stringify({ ...stats, durationMs: undefined })}`);
}

runExample(module, main);
