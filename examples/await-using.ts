/**
 * `await using`: the TypeScript form of Python's `async with BackgroundTaskManager() as manager`.
 * Leaving the block shuts the manager down: tasks still running are cancelled and awaited.
 *
 * Run: npx ts-node examples/await-using.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { firstValueFrom } from 'rxjs';
import { BackgroundTaskManager } from '../lib';
import { runExample } from './support/run-example';

interface Item {
  readonly id: number;
  readonly cost: number;
}

async function processItem(item: Item, signal: AbortSignal): Promise<void> {
  await sleep(item.cost, undefined, { signal });
  console.log(`processed item ${item.id}`);
}

async function processBatch(batch: readonly Item[]): Promise<BackgroundTaskManager> {
  await using manager = new BackgroundTaskManager();
  for (const item of batch) {
    manager.createTask((signal) => processItem(item, signal), { name: `process_${item.id}` });
  }
  // Do other work...
  await sleep(100);
  console.log(`leaving the block with ${manager.getTaskCount()} task(s) still running`);
  return manager;
  // All tasks are cleaned up here, when the block exits
}

export async function main(): Promise<void> {
  const batch = [
    { id: 1, cost: 10 },
    { id: 2, cost: 20 },
    { id: 3, cost: 5_000 }, // too slow: cancelled when the block exits
  ];
  const manager = await processBatch(batch);
  console.log(`after the block: state=${manager.state}, in flight=${manager.getTaskCount()}`);
  const counts = await firstValueFrom(manager.counts$);
  console.log(`counts: ${JSON.stringify(counts)}`);
}

runExample(module, main);
