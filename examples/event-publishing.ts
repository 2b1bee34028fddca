/**
 * Event publishing (docs: "Example: Event Publishing").
 *
 * A compiled graph publishes its graph and node events through `publishEvent()`, which hands each one to the
 * graph's publisher in a background task: publishing never blocks a node, a failed publish is logged (never
 * thrown), and the tasks are tracked and cleaned up when the graph is closed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BasePublisher,
  StateGraph,
  createGraphExecutionEvent,
  createNodeExecutionEvent,
  publishEvent,
  type EventModel,
  type ResolvedRunConfig,
} from '../lib';
import { runExample } from './support/run-example';

interface State {
  input: string;
  output?: string;
}

/** A publisher that takes a while to deliver, as a network publisher would. */
class PrintingPublisher extends BasePublisher {
  delivered = 0;

  async publish(event: EventModel): Promise<void> {
    await sleep(20);
    this.delivered++;
    const node = event.nodeName === undefined ? '' : ` [${event.nodeName}]`;
    const content = event.content === '' ? '' : `: ${event.content}`;
    console.log(`[publisher] ${event.event}.${event.eventType}${node} thread=${event.threadId}${content}`);
  }
}

/** A publisher whose broker is down. */
class FlakyPublisher extends BasePublisher {
  async publish(): Promise<void> {
    throw new Error('message broker unavailable');
  }
}

/** A node that publishes an event of its own; the publisher and the manager are injected from the graph. */
async function shout(state: State, config: ResolvedRunConfig): Promise<Partial<State>> {
  publishEvent(
    createNodeExecutionEvent('shout', 'progress', { content: 'upper-casing', runId: config.runId, threadId: config.threadId }),
  );
  return { output: state.input.toUpperCase() };
}

export async function main(): Promise<void> {
  const publisher = new PrintingPublisher();
  const app = new StateGraph<State>({ publisher }).addNode(shout).setEntryPoint('shout').compile();

  const result = await app.invoke({ input: 'hello' }, { threadId: 'thread-1' });
  console.log(`invoke returned ${JSON.stringify(result)}; events delivered so far: ${publisher.delivered}`);

  await app.taskManager.waitForAll();
  console.log(`events delivered after waiting: ${publisher.delivered}`);

  // A failing publish is logged at ERROR by the background task; the caller never sees it.
  publishEvent(createGraphExecutionEvent('start', { threadId: 'thread-2' }), new FlakyPublisher(), app.taskManager);
  await app.taskManager.waitForAll();
  console.log('the failed publish was logged, and nothing was thrown');

  const { backgroundTasks } = await app.close();
  console.log(`graph closed: ${backgroundTasks.status}`);
}

runExample(module, main);
