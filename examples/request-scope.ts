/**
 * A task scope per HTTP request (README: "Runs and scopes").
 *
 * Each request gets a scope whose signal aborts when the client goes away: the request's background work
 * (here an enrichment and an audit write, both honouring their signal) is cancelled with it, while the manager's
 * other tasks go on. `await using` closes the scope when the handler is done: its tasks are drained for a moment,
 * then cancelled and waited for.
 */
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundTaskManager, type TaskCounts } from '../lib';
import { runExample } from './support/run-example';

async function handle(manager: BackgroundTaskManager, req: IncomingMessage, res: ServerResponse, done: (counts: TaskCounts) => void): Promise<void> {
  const disconnected = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) disconnected.abort(new Error('the client disconnected'));
  });
  await using scope = manager.scope({ name: 'request', signal: disconnected.signal, context: { path: req.url } });
  let counts: TaskCounts | undefined;
  scope.counts$.subscribe((latest) => (counts = latest));
  scope.createTask((signal) => sleep(500, 'enriched', { signal }), { name: 'enrich_profile' });
  scope.createTask((signal) => sleep(500, 'audited', { signal }), { name: 'write_audit_log' });
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('working...\n');
  await scope.waitForAll({ returnExceptions: true, timeoutMs: 2_000 });
  if (!res.writableEnded && !disconnected.signal.aborted) res.end('done\n');
  if (counts !== undefined) done(counts);
}

export async function main(): Promise<void> {
  await using manager = new BackgroundTaskManager();
  const unrelated = manager.createTask((signal) => sleep(300, 'still here', { signal }), { name: 'nightly_report' });
  let reported!: (counts: TaskCounts) => void;
  const requestCounts = new Promise<TaskCounts>((resolve) => (reported = resolve));
  const server = createServer((req, res) => void handle(manager, req, res, reported));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const request = get({ host: '127.0.0.1', port, path: '/profile' }, (response) => {
    // the client reads the first line, then goes away
    response.once('data', () => request.destroy());
  });
  request.on('error', () => undefined);
  const counts = await requestCounts;
  server.close();
  console.log(`request scope: ${counts.created} tasks, ${counts.cancelled} cancelled when the client disconnected, ${counts.completed} completed`);
  console.log(`the manager's other task: ${(await unrelated.done).status}`);
}

runExample(module, main);
