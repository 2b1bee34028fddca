import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { browserClientFactory } from './internal/browser-client-factory';

const HEADER = `// agentflow-rx browser client: turns a toServerSentEvents() stream back into Observables.
// A plain ES module with no dependency and no build step:
//
//   import { connect, toExternalStore } from '/agentflow-client.js';
//   const client = connect('/events');            // options: { EventSource, Observable, withCredentials }
//   client.counts$.subscribe((counts) => render(counts));
//   client.tasks$.subscribe((tasks) => renderTable(tasks));
//   client.events$.subscribe((event) => log(event.type, event.name));
//   client.close();                               // closes the connection, completes every stream
//
// The Observables are a minimal implementation (subscribe / unsubscribe), accepted by RxJS's from(),
// Angular's async pipe and Svelte's $store. Pass { Observable } (RxJS's constructor) to get RxJS
// Observables instead. counts$, tasks$, state$ and connection$ give a new subscriber their latest value.
`;

let script: { readonly text: string; readonly etag: string } | undefined;

function compiledScript(): { readonly text: string; readonly etag: string } {
  if (script !== undefined) return script;
  const text =
    `${HEADER}\n` +
    `const agentflow = (${browserClientFactory.toString()})();\n\n` +
    'export const connect = agentflow.connect;\n' +
    'export const toExternalStore = agentflow.toExternalStore;\n' +
    'export const Observable = agentflow.Observable;\n' +
    'export default agentflow;\n';
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  script = { text, etag };
  return script;
}

/**
 * The browser client's source: a dependency-free ES module to serve as is (`<script type="module">` or
 * `import`), which turns a {@link toServerSentEvents} stream back into `events$`, `counts$` and `tasks$`
 * Observables, plus `graph$`, `state$` and `connection$`.
 *
 * It exports `connect(url = '/events', { EventSource?, Observable?, withCredentials? })`, `toExternalStore(source,
 * initial)` (the same contract as the library's, for React and Svelte) and its `Observable` class.
 *
 * **Observables.** The browser has no RxJS unless the page loads it, so the client brings a minimal
 * Observable: `subscribe(observer | next)` returning `{ unsubscribe(), closed }`, and the `Symbol.observable`
 * / `'@@observable'` interop method, so RxJS's `from()`, Angular's `async` pipe and Svelte's `$store` accept
 * it as is. A page that loads RxJS can pass its constructor, `connect(url, { Observable })`, and get real RxJS
 * Observables. `counts$`, `tasks$`, `state$` and `connection$` hand a new subscriber their latest value;
 * `events$` and `graph$` are hot.
 *
 * **The task list.** `tasks$` lists the tasks in flight (`TaskInfo` without `ageMs`: compute the age from
 * `createdAt`), rebuilt from each `snapshot` and kept up to date from the `task.*` events; detached work
 * (a final status with `done: false` on the server) is not listed.
 *
 * @returns the module's text (the same string on every call).
 * @example
 * ```ts
 * const server = createServer((req, res) => {
 *   if (req.url === '/agentflow-client.js') {
 *     res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(browserClientScript());
 *   }
 * });
 * // in the page:
 * // <script type="module">
 * //   import { connect } from '/agentflow-client.js';
 * //   connect('/events').counts$.subscribe((counts) => (document.title = `${counts.active} running`));
 * // </script>
 * ```
 */
export function browserClientScript(): string {
  return compiledScript().text;
}

/**
 * Serves {@link browserClientScript} on a `node:http` (or Express) response, as `text/javascript` with an
 * `ETag`: a request whose `If-None-Match` matches gets `304 Not Modified`, a `HEAD` the headers only.
 *
 * @param req - the request.
 * @param res - the response; the handler writes its headers and ends it.
 * @example
 * ```ts
 * const events = toServerSentEvents(manager);
 * createServer((req, res) => {
 *   if (req.url === '/agentflow-client.js') return serveBrowserClient(req, res);
 *   if (req.url === '/events') return events(req, res);
 *   res.writeHead(404).end();
 * }).listen(3000);
 * ```
 */
export function serveBrowserClient(req: IncomingMessage, res: ServerResponse): void {
  const { text, etag } = compiledScript();
  const headers = { ETag: etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/javascript; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
