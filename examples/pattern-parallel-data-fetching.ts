/**
 * Pattern 3: parallel data fetching (docs: "Common Patterns").
 *
 * Several sources are fetched at once in background tasks, each with a timeout; the docs' version then waits a
 * fixed time for the results. Waiting on the tasks' handles instead, shown second, returns as soon as they are
 * all done.
 *
 * Run: npx ts-node examples/pattern-parallel-data-fetching.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, StateGraph, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  data?: Record<string, unknown>;
}

/** A stand-in for `fetch(url, { signal })`. */
async function fetchJson(url: string, signal: AbortSignal): Promise<string[]> {
  await sleep(url.endsWith('users') ? 30 : 20, undefined, { signal });
  return url.endsWith('users') ? ['alice', 'bob'] : ['book', 'lamp', 'pen'];
}

/** Fetch several data sources in parallel (the docs' version: wait a bit for the results). */
async function fetchAllData(taskManager: BackgroundTaskManager): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};

  const fetchAndStore = async (key: string, url: string, signal: AbortSignal): Promise<void> => {
    results[key] = await fetchJson(url, signal);
  };

  // Create several background tasks
  taskManager.createTask((signal) => fetchAndStore('users', 'https://api/users', signal), { name: 'fetch_users', timeoutMs: 5_000 });
  taskManager.createTask((signal) => fetchAndStore('products', 'https://api/products', signal), {
    name: 'fetch_products',
    timeoutMs: 5_000,
  });

  // Wait a bit for the results
  await sleep(100);
  return results;
}

/** The same, waiting for exactly as long as the fetches take. */
async function fetchAllDataAwaited(taskManager: BackgroundTaskManager): Promise<Record<string, unknown>> {
  const sources = { users: 'https://api/users', products: 'https://api/products' };
  const handles = Object.entries(sources).map(([key, url]) =>
    taskManager.createTask((signal) => fetchJson(url, signal), { name: `fetch_${key}`, timeoutMs: 5_000 }),
  );
  const values = await Promise.all(handles.map((handle) => handle.result()));
  return Object.fromEntries(Object.keys(sources).map((key, i) => [key, values[i]]));
}

async function loadCatalog(_state: State, _config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<State> {
  return { data: await fetchAllData(taskManager) };
}

async function loadCatalogAwaited(_state: State, _config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<State> {
  return { data: await fetchAllDataAwaited(taskManager) };
}

export async function main(): Promise<void> {
  for (const node of [loadCatalog, loadCatalogAwaited]) {
    const app = new StateGraph<State>().addNode(node).setEntryPoint(node.name).compile();
    const { data } = await app.invoke();
    console.log(`${node.name}: ${JSON.stringify(data)}`);
    await app.close();
  }
}

runExample(module, main);
