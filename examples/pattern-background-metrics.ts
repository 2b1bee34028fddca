/**
 * Pattern 2: background metrics collection (docs: "Common Patterns").
 *
 * The node measures its own duration and ships the figure to a metrics service in the background; a failure
 * to record is caught inside the task and logged as a warning.
 *
 * Run: npx ts-node examples/pattern-background-metrics.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, StateGraph, getDefaultLogger, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  values: number[];
  total?: number;
}

interface MetricRecord {
  node: string;
  durationMs: number;
  threadId: string | undefined;
  timestamp: number;
}

/** A stand-in for an external metrics service. */
const metricsService = {
  async record(metric: MetricRecord): Promise<void> {
    await sleep(20);
    console.log(`Recorded metric: node=${metric.node} thread=${metric.threadId} duration=${Math.round(metric.durationMs)} ms`);
  },
};

/** Send metrics to the external service. */
async function trackMetrics(nodeName: string, durationMs: number, config: RunConfig): Promise<void> {
  try {
    await metricsService.record({ node: nodeName, durationMs, threadId: config.threadId, timestamp: Date.now() });
  } catch (error) {
    getDefaultLogger().warn(`Failed to track metrics: ${String(error)}`);
  }
}

async function processValues(state: State): Promise<Partial<State>> {
  await sleep(5);
  return { total: state.values.reduce((sum, value) => sum + value, 0) };
}

/** A node that tracks its execution metrics. */
async function myNode(state: State, config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<Partial<State>> {
  const start = performance.now();

  // Do the actual work
  const result = await processValues(state);

  // Track metrics in the background
  const durationMs = performance.now() - start;
  taskManager.createTask(() => trackMetrics('my_node', durationMs, config), { name: 'track_metrics', timeoutMs: 3_000 });

  return result;
}

export async function main(): Promise<void> {
  const app = new StateGraph<State>().addNode('my_node', myNode).setEntryPoint('my_node').compile();
  const state = await app.invoke({ values: [1, 2, 3] }, { threadId: 'thread-3' });
  console.log(`Total: ${state.total}`);
  await app.taskManager.waitForAll();
  await app.close();
}

runExample(module, main);
