/**
 * Creating tasks with metadata and timeouts: a name and context for debugging, and a timeout that
 * cancels runaway work (logged at WARN: "Background task 'send_notification' timed out after 50 ms").
 *
 * Run: npx ts-node examples/metadata-and-timeouts.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager } from '../lib';
import { runExample } from './support/run-example';

async function sendNotification(userId: string, message: string, delayMs: number, signal: AbortSignal): Promise<string> {
  await sleep(delayMs, undefined, { signal });
  return `sent "${message}" to ${userId}`;
}

export async function main(): Promise<void> {
  const manager = new BackgroundTaskManager();
  const config = { threadId: 'thread-42' };

  const fast = manager.createTask((signal) => sendNotification('alice', 'welcome', 10, signal), {
    name: 'send_notification',
    timeoutMs: 1_000, // auto-cancel after one second
    context: { userId: 'alice', notificationType: 'email', threadId: config.threadId },
  });
  const slow = manager.createTask((signal) => sendNotification('bob', 'digest', 5_000, signal), {
    name: 'send_notification',
    timeoutMs: 50,
    context: { userId: 'bob', notificationType: 'email', threadId: config.threadId },
  });

  for (const handle of [fast, slow]) {
    const outcome = await handle.done;
    const detail = outcome.status === 'completed' ? outcome.value : outcome.status === 'timed_out' ? outcome.reason.message : '';
    console.log(`${handle.name} for ${String(handle.context.userId)}: ${outcome.status} (${detail})`);
    console.log(`  its signal was aborted: ${handle.signal.aborted}`);
  }
  await manager.shutdown();
}

runExample(module, main);
