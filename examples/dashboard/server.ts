/**
 * The live dashboard's server: plain `node:http`, no framework.
 *
 * | route                          | what it does                                                         |
 * |--------------------------------|----------------------------------------------------------------------|
 * | `GET /`, `/app.css`, `/app.js` | the page, served as written (no build step)                          |
 * | `GET /agentflow-client.js`     | the library's browser client (`serveBrowserClient`)                  |
 * | `GET /events`                  | the manager's activity and the graph's events (`toServerSentEvents`) |
 * | `GET /info`                    | the dashboard's settings, as JSON (`cluster` only in cluster mode)   |
 * | `GET /metrics`                 | the task metrics in Prometheus's text format (see `metrics.ts`)      |
 * | `GET /cluster/events`          | cluster mode only: every worker's counts and tasks, read from Redis  |
 * | `POST /samples/:kind`          | starts sample tasks: quick, slow, failing, hanging, burst            |
 * | `GET /tasks/history`           | finished tasks kept server-side (`TaskHistory`), filtered and paged  |
 * | `GET /tasks/rates`             | per-second throughput and p50/p95 durations, last 5 min (`TaskRates`) |
 * | `GET /tasks/:id`               | one task, in flight or kept: timeline, context, error and stack      |
 * | `POST /tasks/:id/cancel`       | `manager.getTask(id)?.cancel()`                                      |
 * | `POST /tasks/:id/retry`        | "run again": one more task of the same sample kind                   |
 * | `POST /tasks/cancel-all`       | `manager.cancelAll()`                                                |
 * | `POST /cluster/workers/:w/tasks/:id/cancel` | cluster mode: `subscriber.cancelTask(w, id)` (any worker) |
 * | `POST /shutdown`               | shuts the manager down; answers its `ShutdownStats`                  |
 * | `GET /login`, `POST /login`    | with an access token only: the login form, which sets the session cookie |
 * | `POST /logout`                 | with an access token only: clears the session cookie                 |
 *
 * Cluster mode (`cluster` option, `npm start -- --cluster`) is described in `cluster-stream.ts`.
 *
 * Exposure: loopback by default. On any other address the dashboard needs an access token (the `token` option,
 * `DASHBOARD_TOKEN`) or refuses to start; with one, every path but `/login` and `/app.css` answers `401` without
 * it (see `access-token.ts`). Connections are bounded: headers within `headersTimeoutMs`, at most
 * `maxConnections` at once.
 *
 * POST requests from another origin get `403` (see {@link crossOriginRefusal}); so does any request whose `Host`
 * is not a loopback name while the server listens on loopback (see {@link hostRefusal}).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CommandRefusedError,
  InvalidArgumentError,
  ObservablePublisher,
  Redactor,
  serveBrowserClient,
  toServerSentEvents,
  type BackgroundTaskManager,
  type CompiledGraph,
  type ServerSentEventsHandler,
  type ShutdownStats,
} from '../../lib';
import { startClusterMode, type ClusterMode } from './cluster-stream';
import { createAgentGraph, startAgentRuns, type AgentRuns, type AgentState } from './agent-graph';
import { resolveDashboardOptions, type DashboardOptions } from './dashboard-options';
import { startMetrics, type DashboardMetrics } from './metrics';
import { loadPageAssets, type PageAssets } from './page-assets';
import { crossOriginRefusal, hostRefusal, isLoopbackAddress } from './same-origin';
import { AccessToken } from './access-token';
import { MAX_LOGIN_BODY_BYTES, NEXT_FIELD, NEXT_PATTERN, TOKEN_FIELD, loginPage } from './login-page';
import { HANGING_TIMEOUT_MS, SAMPLE_KINDS, SAMPLE_NAMES, SAMPLE_SIZES, isSampleKind, runSampleAgain, sampleKindOf, startSample } from './sample-tasks';
import { TaskRates } from './task-rates';
import { DEFAULT_TASK_HISTORY_OPTIONS, FINAL_STATUSES, MAX_HISTORY_PAGE, TaskHistory, type FinalStatus, type HistoryQuery } from './task-history';

/** A running dashboard, as {@link startDashboard} returns it. */
export interface Dashboard {
  /** Where the page is, e.g. `http://127.0.0.1:3000/`. */
  readonly url: string;
  /** The manager the page shows: the sample graph's own manager, which the buttons' tasks run on too. */
  readonly manager: BackgroundTaskManager;
  /** The compiled sample agent that runs on a timer. */
  readonly graph: CompiledGraph<AgentState>;
  /** The event-stream handler, with its `connections` and `activeSubscriptions`. */
  readonly events: ServerSentEventsHandler;
  /** The HTTP server. */
  readonly server: Server;
  /** Its cluster mode (mirror, publisher, subscriber, `/cluster/events`), when the `cluster` option was given. */
  readonly cluster: ClusterMode | undefined;
  /**
   * What the page's "shutdown" button does: stops the sample runs, closes the graph (runs in progress are
   * aborted; the manager cancels every task and waits up to `shutdownTimeoutMs` for their work to stop) and
   * resolves to the manager's stats. The server keeps serving, so the page can show them; later calls resolve
   * to the same stats.
   */
  shutdown(): Promise<ShutdownStats>;
  /**
   * Shuts down as {@link Dashboard.shutdown} does (if not yet done), then ends every event stream, releases
   * the stream's subscriptions, closes the cluster mode (mirror, publisher, subscriber) if any, and closes the
   * HTTP server and its connections.
   *
   * @returns the stats of the (first) shutdown.
   */
  close(): Promise<ShutdownStats>;
}

/**
 * Starts the live dashboard: a sample agent graph running on a timer, its manager, and the HTTP server that
 * shows them.
 *
 * @param options - see {@link DashboardOptions}.
 * @returns the running dashboard once it listens.
 * @throws {@link InvalidArgumentError} when an option is out of range; rejects when the port cannot be bound.
 * @example
 * ```ts
 * const dashboard = await startDashboard({ port: 0 });
 * console.log(`open ${dashboard.url}`);
 * // ...
 * console.log(await dashboard.close());
 * ```
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const settings = resolveDashboardOptions(options);
  const assets = await loadPageAssets();
  const publisher = new ObservablePublisher();
  const graph = createAgentGraph({
    publisher,
    maxPendingTasks: settings.maxPendingTasks,
    overflow: settings.overflow,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
  });
  const manager = graph.taskManager;
  const metrics = startMetrics(graph);
  // Subscribed before anything runs: the history sees every task, and its totals are exact.
  const history = new TaskHistory(manager, settings.history);
  const rates = new TaskRates(manager);
  const events = toServerSentEvents(manager, { publisher, lingerMs: settings.lingerMs });
  let cluster: ClusterMode | undefined;
  try {
    cluster = settings.cluster === undefined ? undefined : startClusterMode(manager, settings.cluster);
  } catch (error) {
    events.close();
    history.close();
    rates.close();
    await graph.close();
    await metrics.close();
    throw error;
  }
  let agentRuns: AgentRuns | undefined;

  let shuttingDown: Promise<ShutdownStats> | undefined;
  const shutdown = (): Promise<ShutdownStats> => {
    shuttingDown ??= (async () => {
      agentRuns?.stop();
      const { backgroundTasks } = await graph.close();
      return backgroundTasks;
    })();
    return shuttingDown;
  };

  const startedAt = Date.now();
  const info = (): Record<string, unknown> => ({
    startedAt,
    maxPendingTasks: settings.maxPendingTasks,
    overflow: settings.overflow,
    agentRunIntervalMs: settings.agentRunIntervalMs,
    agentRuns: agentRuns?.started ?? 0,
    samples: SAMPLE_KINDS.map((kind) => ({ kind, size: SAMPLE_SIZES[kind] })),
    sampleNames: SAMPLE_NAMES,
    signInRequired: access !== undefined,
    hangingTimeoutMs: HANGING_TIMEOUT_MS,
    state: manager.state,
    stream: events.stats,
    history: {
      maxCompleted: settings.history.maxCompleted ?? DEFAULT_TASK_HISTORY_OPTIONS.maxCompleted,
      maxProblems: settings.history.maxProblems ?? DEFAULT_TASK_HISTORY_OPTIONS.maxProblems,
      maxInternal: DEFAULT_TASK_HISTORY_OPTIONS.maxInternal,
      internalNames: DEFAULT_TASK_HISTORY_OPTIONS.internalNames,
    },
    ...(cluster === undefined ? {} : { cluster: cluster.info() }),
  });

  const access = settings.token === undefined ? undefined : new AccessToken(settings.token);
  const routes: Routes = { assets, manager, events, cluster, metrics, shutdown, info, access, history, rates };
  const loopbackOnly = isLoopbackAddress(settings.host);
  // Slow or half-open connections are bounded: the headers must arrive within headersTimeoutMs (checked every
  // second, not Node's default 30 s), and at most maxConnections sockets are open at once.
  const answered = new WeakSet<object>();
  const serverOptions = {
    headersTimeout: settings.headersTimeoutMs,
    // a request's body (the login form's) is due as soon as its headers: nothing waits longer for a silent client
    requestTimeout: settings.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, settings.headersTimeoutMs),
  };
  const server = createServer(serverOptions, (req, res) => {
    answered.add(req.socket); // a request arrived: Node's own timeouts take over from the first-request deadline below
    if (tooManyPipelined(req, res)) return;
    const refusal = hostRefusal(req, loopbackOnly);
    if (refusal !== undefined) {
      sendError(res, 403, refusal);
      return;
    }
    route(routes, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, redactedText(error instanceof Error ? error.message : String(error)));
      else res.destroy();
    });
  });

  server.maxConnections = settings.maxConnections;
  // Node's headersTimeout starts at a request's first byte: a connection whose first request's headers have not
  // all arrived headersTimeoutMs after it opened (one that sends nothing at all, say) is closed then.
  server.on('connection', (socket) => {
    const deadline = setTimeout(() => {
      if (!answered.has(socket)) socket.resetAndDestroy();
    }, settings.headersTimeoutMs);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
  });
  try {
    await listen(server, settings.port, settings.host);
  } catch (error) {
    events.close();
    history.close();
    rates.close();
    await graph.close();
    await cluster?.close();
    await metrics.close();
    throw error;
  }
  agentRuns = startAgentRuns(graph, settings.agentRunIntervalMs);

  const { port } = server.address() as AddressInfo;
  const urlHost = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  let closing: Promise<ShutdownStats> | undefined;
  return {
    url: `http://${urlHost}:${port}/`,
    manager,
    graph,
    events,
    server,
    cluster,
    shutdown,
    close() {
      closing ??= (async () => {
        const stats = await shutdown();
        events.close();
        history.close();
        rates.close();
        await cluster?.close();
        await metrics.close();
        await closeServer(server);
        return stats;
      })();
      return closing;
    },
  };
}

/** What the routes need. */
interface Routes {
  readonly assets: PageAssets;
  readonly manager: BackgroundTaskManager;
  readonly events: ServerSentEventsHandler;
  readonly cluster: ClusterMode | undefined;
  readonly metrics: DashboardMetrics;
  readonly shutdown: () => Promise<ShutdownStats>;
  readonly info: () => Record<string, unknown>;
  /** The access token, when the dashboard has one: every path but {@link PUBLIC_PATHS} needs it. */
  readonly access: AccessToken | undefined;
  readonly history: TaskHistory;
  readonly rates: TaskRates;
}

/** What a visitor without the token may fetch: the login form, its stylesheet and its script. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/login', '/app.css', '/page/login.js']);

const CANCEL_PATH = /^\/tasks\/(\d{1,15})\/cancel$/;
const RETRY_PATH = /^\/tasks\/(\d{1,15})\/retry$/;
const TASK_PATH = /^\/tasks\/(\d{1,15})$/;
const CLUSTER_CANCEL_PATH = /^\/cluster\/workers\/([^/]{1,3072})\/tasks\/(\d{1,15})\/cancel$/;
const SAMPLE_PATH = /^\/samples\/([a-z]+)$/;

/** The most requests one connection may have in progress at once (HTTP pipelining): a client that sends more is cut off. */
const MAX_PIPELINED = 16;
const pipelined = new WeakMap<object, number>();

/**
 * Counts a connection's requests in progress; beyond {@link MAX_PIPELINED}, the connection is closed. A client
 * that pipelines hundreds of requests and never reads would otherwise have every answer built and held in memory.
 *
 * @returns whether the request was refused (the connection is closing).
 */
function tooManyPipelined(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket;
  const count = (pipelined.get(socket) ?? 0) + 1;
  pipelined.set(socket, count);
  let counted = true;
  const done = (): void => {
    if (!counted) return;
    counted = false;
    pipelined.set(socket, (pipelined.get(socket) ?? 1) - 1);
  };
  res.once('finish', done);
  res.once('close', done);
  if (count <= MAX_PIPELINED) return false;
  socket.destroy();
  return true;
}

/** The query of `GET /tasks/history`, or the reason it is not acceptable. */
function historyQuery(url: string): HistoryQuery | string {
  const params = new URL(url, 'http://localhost').searchParams;
  for (const key of params.keys()) {
    if (!HISTORY_PARAMS.includes(key)) return `unknown parameter '${key}': use ${HISTORY_PARAMS.join(', ')}`;
    if (params.getAll(key).length > 1) return `parameter '${key}' is given more than once`;
  }
  const text = (key: string): string | undefined => {
    const value = params.get(key);
    return value === null || value === '' ? undefined : value;
  };
  const status = text('status');
  if (status !== undefined && !(FINAL_STATUSES as readonly string[]).includes(status)) return `status must be one of ${FINAL_STATUSES.join(', ')}, got ${JSON.stringify(status)}`;
  const integer = (key: string, max: number): number | undefined | string => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (!/^\d{1,9}$/.test(value) || Number(value) > max) return `${key} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`;
    return Number(value);
  };
  const offset = integer('offset', 1_000_000);
  const limit = integer('limit', MAX_HISTORY_PAGE);
  if (typeof offset === 'string') return offset;
  if (typeof limit === 'string') return limit;
  const internal = text('internal');
  if (internal !== undefined && internal !== 'true' && internal !== 'false') return `internal must be true or false, got ${JSON.stringify(internal)}`;
  return {
    status: status as FinalStatus | undefined,
    name: text('name'),
    runId: text('runId'),
    threadId: text('threadId'),
    text: text('q'),
    internal: internal === 'true',
    offset,
    limit,
  };
}

const HISTORY_PARAMS = ['status', 'name', 'runId', 'threadId', 'q', 'internal', 'offset', 'limit'];

/**
 * `POST /cluster/workers/:workerId/tasks/:id/cancel`: sends a cancel command to that worker through Redis. 202 once
 * the command is appended (the task's own events then show it cancelled), 409 when the view knows the worker cannot
 * obey (lost, stopped, or not reading commands), 503 when Redis did not take the command in time.
 */
async function cancelRemoteTask(cluster: ClusterMode | undefined, encodedWorkerId: string, id: number, res: ServerResponse): Promise<void> {
  if (cluster === undefined) {
    sendError(res, 404, 'not in cluster mode: start the dashboard with --cluster');
    return;
  }
  let workerId: string;
  try {
    workerId = decodeURIComponent(encodedWorkerId);
  } catch {
    sendError(res, 400, 'the worker id is not valid percent-encoding');
    return;
  }
  try {
    await cluster.subscriber.cancelTask(workerId, id, 'cancelled from the dashboard');
    sendJson(res, 202, { workerId, id, sent: true });
  } catch (error) {
    if (error instanceof CommandRefusedError) sendError(res, 409, redactedText(error.message));
    else if (error instanceof InvalidArgumentError) sendError(res, 400, redactedText(error.message));
    else sendError(res, 503, `the command did not reach Redis: ${redactedText((error as Error).message)}`);
  }
}

/**
 * The request's path, when it is already in normal form; `undefined` for one that a URL parser would rewrite
 * (`//host/shutdown`, `/a/../shutdown`, `/a/./b`, a backslash): routing on a rewritten path would let one
 * spelling reach an endpoint that another check (a proxy's rule, a log search) knows by its plain name.
 */
function normalPath(url: string | undefined): string | undefined {
  const raw = (url ?? '/').split(/[?#]/, 1)[0] as string;
  if (!raw.startsWith('/') || raw.startsWith('//')) return undefined;
  try {
    return new URL(raw, 'http://localhost').pathname === raw ? raw : undefined;
  } catch {
    return undefined;
  }
}

async function route(routes: Routes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = normalPath(req.url);
  if (path === undefined) {
    req.resume();
    sendError(res, 400, 'the path is not in normal form (no //, ., .. or \\ segments)');
    return;
  }
  if (routes.access !== undefined && !PUBLIC_PATHS.has(path) && !routes.access.allows(req)) {
    req.resume();
    refuseUnauthenticated(req, res, path);
    return;
  }
  if (path === '/login') {
    await login(routes.access, req, res);
    return;
  }
  if (req.method === 'POST') {
    req.resume(); // no endpoint reads a body
    const refusal = crossOriginRefusal(req);
    if (refusal !== undefined) {
      sendError(res, 403, refusal);
      return;
    }
    await post(routes, path, req, res);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 405, `${redactedText(String(req.method))} is not supported here`, { Allow: 'GET, HEAD, POST' });
    return;
  }
  get(routes, path, req, res);
}

function get(routes: Routes, path: string, req: IncomingMessage, res: ServerResponse): void {
  if (path === '/events') return routes.events(req, res);
  if (path === '/cluster/events') {
    if (routes.cluster !== undefined) return routes.cluster.events(req, res);
    return sendError(res, 404, 'not in cluster mode: start the dashboard with --cluster');
  }
  if (path === '/agentflow-client.js') return serveBrowserClient(req, res);
  if (path === '/info') return sendJson(res, 200, routes.info());
  if (path === '/tasks/rates') return sendData(res, 200, routes.rates.series());
  if (path === '/tasks/history') {
    const query = historyQuery(req.url ?? '');
    if (typeof query === 'string') return sendError(res, 400, redactedText(query));
    return sendData(res, 200, routes.history.page(query));
  }
  const task = TASK_PATH.exec(path);
  if (task !== null) {
    const record = routes.history.get(Number(task[1]));
    if (record === undefined) return sendError(res, 404, `no task ${task[1]} in flight or in the history`);
    return sendData(res, 200, record);
  }
  if (path === '/metrics') return routes.metrics.handle(req, res);
  const asset = routes.assets.get(path);
  if (asset === undefined) {
    sendError(res, 404, `no page at ${redactedText(path)}`);
    return;
  }
  res.writeHead(200, {
    ...PAGE_HEADERS,
    'Content-Type': asset.contentType,
    'Content-Length': asset.body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

async function post(routes: Routes, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { manager } = routes;
  const cancel = CANCEL_PATH.exec(path);
  if (cancel !== null) {
    const id = Number(cancel[1]);
    const task = manager.getTask(id);
    if (task === undefined) {
      sendError(res, 404, `no task ${id} in flight`);
      return;
    }
    const cancelled = task.cancel('cancelled from the dashboard');
    sendJson(res, 200, { id, cancelled, status: task.status });
    return;
  }
  const retry = RETRY_PATH.exec(path);
  if (retry !== null) {
    const record = routes.history.get(Number(retry[1]));
    const kind = record === undefined ? undefined : sampleKindOf(record.name);
    if (record === undefined) sendError(res, 404, `no task ${retry[1]} in flight or in the history`);
    else if (kind === undefined) sendError(res, 409, `only the dashboard's sample tasks can be run again: the work of '${redactedText(record.name)}' is not known here`);
    else if (manager.state !== 'running') sendError(res, 409, `the manager is ${manager.state}: it accepts no new tasks`);
    else {
      const id = runSampleAgain(manager, kind);
      if (id === undefined) sendError(res, 409, 'the manager refused the task (its cap is reached)');
      else sendJson(res, 200, { id, kind });
    }
    return;
  }
  const sample = SAMPLE_PATH.exec(path);
  if (sample !== null) {
    const kind = sample[1] as string;
    if (!isSampleKind(kind)) {
      sendError(res, 404, `no sample '${kind}'; try one of ${SAMPLE_KINDS.join(', ')}`);
      return;
    }
    if (manager.state !== 'running') {
      sendError(res, 409, `the manager is ${manager.state}: it accepts no new tasks`);
      return;
    }
    sendJson(res, 200, startSample(manager, kind));
    return;
  }
  const clusterCancel = CLUSTER_CANCEL_PATH.exec(path);
  if (clusterCancel !== null) {
    await cancelRemoteTask(routes.cluster, clusterCancel[1] as string, Number(clusterCancel[2]), res);
    return;
  }
  if (path === '/logout') {
    logout(routes.access, req, res);
    return;
  }
  if (path === '/tasks/cancel-all') {
    sendJson(res, 200, { cancelled: await manager.cancelAll('cancelled from the dashboard') });
    return;
  }
  if (path === '/shutdown') {
    sendJson(res, 200, await routes.shutdown());
    return;
  }
  sendError(res, 404, `no endpoint POST ${redactedText(path)}`);
}

/**
 * A request without the token: `401`, with the login form for a browser asking for a page, JSON otherwise. Both
 * carry `WWW-Authenticate: Bearer` (RFC 6750), which tells a script how to send the token.
 */
function refuseUnauthenticated(req: IncomingMessage, res: ServerResponse, path: string): void {
  const challenge = { 'WWW-Authenticate': 'Bearer realm="agentflow-rx dashboard"' };
  const accept = req.headers.accept ?? '';
  if (req.method === 'GET' && accept.includes('text/html')) {
    sendLoginPage(res, 401, false, challenge, '../'.repeat(path.split('/').length - 2));
    return;
  }
  sendError(res, 401, 'this dashboard needs its access token: send Authorization: Bearer <token>, or sign in at /login', challenge);
}

/**
 * `GET /login`: the form. `POST /login` (same origin only): a right token sets the session cookie and sends the
 * browser to the page (`303`); a wrong one gets the form again, with `401`. `404` when the dashboard has no token.
 */
async function login(access: AccessToken | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (access === undefined) {
    req.resume();
    sendError(res, 404, 'this dashboard has no access token: nothing to sign in to');
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    sendLoginPage(res, 200, false);
    return;
  }
  const refusal = crossOriginRefusal(req);
  if (refusal !== undefined) {
    req.resume();
    sendError(res, 403, refusal);
    return;
  }
  const body = await readBody(req, MAX_LOGIN_BODY_BYTES);
  if (body === undefined) {
    sendError(res, 413, `the login form's body is limited to ${MAX_LOGIN_BODY_BYTES} bytes`, { Connection: 'close' });
    return;
  }
  const form = new URLSearchParams(body);
  const token = form.get(TOKEN_FIELD) ?? '';
  const next = form.get(NEXT_FIELD) ?? '';
  if (!access.matches(token)) {
    sendLoginPage(res, 401, true, {}, '', next);
    return;
  }
  const location = NEXT_PATTERN.test(next) ? `./${next}` : './';
  res.writeHead(303, { Location: location, 'Set-Cookie': access.sessionCookie(), 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

/** `POST /logout` (same origin only): ends the browser's session, on the server too, clears its cookie, and shows the login form. */
function logout(access: AccessToken | undefined, req: IncomingMessage, res: ServerResponse): void {
  if (access === undefined) {
    sendError(res, 404, 'this dashboard has no access token: nothing to sign out of');
    return;
  }
  access.signOut(req);
  res.writeHead(303, { Location: './login', 'Set-Cookie': access.expiredCookie(), 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

/** The request's body as text, up to `limit` bytes; `undefined` (the rest unread, the connection to close) beyond. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The login form's headers: the page's policy, but the form may post to this origin. */
const LOGIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // not no-referrer: with it, Chromium sends the form's POST with `Origin: null`, which the same-origin check refuses
  'Referrer-Policy': 'same-origin',
  'Content-Type': 'text/html; charset=utf-8',
});

function sendLoginPage(res: ServerResponse, status: number, failed: boolean, headers: Record<string, string> = {}, root = '', next = ''): void {
  const html = loginPage(failed, root, next);
  res.writeHead(status, { ...LOGIN_HEADERS, ...headers, 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

/**
 * Headers of the page's own files. The policy allows nothing from elsewhere: the page has no external asset,
 * and an injected script or stylesheet could not load one either.
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

/**
 * A JSON answer that may carry user values (the shutdown statistics, a sample's ids, the settings): it leaves
 * through the redactor. (The manager redacts the `remaining` list of its stats by itself; this covers what a
 * route adds.)
 */
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, Redactor.DEFAULT.stringify(body), headers);
}

/**
 * An error answer, `{ "error": message }`. The message is the server's own text, sent as written: redacting it
 * would mangle its own advice ("send Authorization: Bearer <token>"). Any foreign text in it (an exception's
 * message, a name, a path) goes through {@link redactedText} where it is put in.
 */
function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendData(res, status, { error: message }, headers);
}

/** Foreign text for an error message, with the value rules applied (a secret in an exception's message, say). */
function redactedText(text: string): string {
  return Redactor.DEFAULT.text(text);
}

/**
 * A JSON answer built only from values already redacted (the history's records, the rates' numbers): sent as it
 * is. Walking it again would redact nothing more, and would cut a 1,000-record page short at the redactor's node
 * budget.
 */
function sendData(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Writes JSON text with the headers every JSON answer carries. */
function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Closes the server; idle keep-alive connections (a browser keeps some) would otherwise hold it open. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeAllConnections();
  });
}
