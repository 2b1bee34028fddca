/**
 * Background tasks in a LangGraph.js agent (README: "LangGraph.js").
 *
 * The agent answers, and its `notify` node sends a notification in the background: the answer is not held up by
 * it. `withBackgroundTasks()` runs the compiled graph's runs inside agentflow run contexts, so the node gets the
 * manager with `inject()` (or the run's scope with `getTaskScope(config)`), each task is tagged with LangGraph's
 * `thread_id`, the run's id and the node, and its lifecycle arrives in the graph's own stream as `custom` chunks
 * (`streamMode: ['updates', 'custom']`). `configurable.waitForTasks` keeps the stream open until the run's tasks
 * have settled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { BackgroundTaskManager, inject, type TaskEvent } from '../lib';
import { getTaskScope, withBackgroundTasks } from '../lib/langgraph';
import { runExample } from './support/run-example';

const State = Annotation.Root({
  question: Annotation<string>(),
  answer: Annotation<string>(),
});

/** Stands for a push-notification service: slow, and honours its signal. */
async function sendPushNotification(userId: string, text: string, signal: AbortSignal): Promise<string> {
  await sleep(30, undefined, { signal });
  return `notified ${userId}: ${text}`;
}

async function respond(state: typeof State.State): Promise<Partial<typeof State.State>> {
  return { answer: `You asked "${state.question}". The answer is 42.` };
}

async function notify(state: typeof State.State, config: LangGraphRunnableConfig): Promise<Partial<typeof State.State>> {
  // The manager from the run's context, as in a StateGraph node; the task is tagged with this run and node.
  inject(BackgroundTaskManager).createTask((signal) => sendPushNotification('user-1', state.answer, signal), {
    name: 'send_notification',
    timeoutMs: 5_000,
  });
  console.log(`in the node, the run's tasks in flight: ${getTaskScope(config).getTaskCount()}`);
  return {};
}

export async function main(): Promise<void> {
  await using manager = new BackgroundTaskManager();
  const graph = new StateGraph(State)
    .addNode('respond', respond)
    .addNode('notify', notify)
    .addEdge(START, 'respond')
    .addEdge('respond', 'notify')
    .addEdge('notify', END)
    .compile();
  const app = withBackgroundTasks(graph, manager);

  const stream = await app.stream(
    { question: 'What is the meaning of life?' },
    { streamMode: ['updates', 'custom'], configurable: { thread_id: 'thread-1', waitForTasks: true } },
  );
  for await (const [mode, chunk] of stream) {
    if (mode === 'updates') {
      console.log(`update from ${Object.keys(chunk).join(', ')}`);
      continue;
    }
    const event = (chunk as { agentflowTask?: TaskEvent }).agentflowTask;
    if (event !== undefined) console.log(`task ${event.name} ${event.type} (thread ${event.threadId}, node ${event.nodeName})`);
  }
  console.log(`after the stream: ${manager.getTaskCount({ threadId: 'thread-1' })} tasks of thread-1 in flight`);
}

runExample(module, main);
