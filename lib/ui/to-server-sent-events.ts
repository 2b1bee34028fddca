import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import { checkManager } from '../tasks/check-manager';
import { SseConnection } from './internal/sse-connection';
import { PLAIN_HEADERS, SSE_HEADERS, SSE_HEADERS_HTTP2, parseLastEventId, sseRetry } from './internal/sse-frame';
import { SseHub } from './internal/sse-hub';
import type { ServerSentEventsHandler } from './server-sent-events-handler';
import { resolveServerSentEventsOptions, type ServerSentEventsOptions } from './server-sent-events-options';

/**
 * Streams a manager's activity to browsers as server-sent events: a `(req, res)` handler for `node:http`,
 * usable as an Express route as is, and from Fastify as `reply.hijack(); handler(request.raw, reply.raw)`.
 *
 * **The stream.** Headers `Content-Type: text/event-stream`, `Cache-Control: no-store, no-transform`,
 * `X-Content-Type-Options: nosniff`, `Connection: keep-alive` (left out over HTTP/2, which forbids it) and
 * `X-Accel-Buffering: no`; then `retry: <retryMs>`; then, each as one `data:` line of JSON:
 * - `event: snapshot` first, with `id:` the current id: `{ tasks, counts, state, epoch, lastEventId }`, where
 *   `tasks` is `getTaskInfo()`, `counts` a {@link TaskCounts} and `state` the {@link ManagerState};
 * - `event: task.<type>` (`task.created`, `task.started`, `task.completed`, `task.failed`, `task.cancelled`,
 *   `task.timed_out`, `task.dropped`), each with an id: the {@link TaskEvent} as JSON;
 * - `event: graph`, with an id: each {@link EventModel} the `publisher` publishes;
 * - `event: counts` (no id): the current {@link TaskCounts}, at most once per turn of the event loop;
 * - `event: state` (no id): `{ state }` when the manager's state changes;
 * - a `: ping` comment every `heartbeatMs`.
 *
 * Everything a frame carries is redacted by the manager's `redact` rules (see {@link Redactor}); errors and
 * reasons are sent as `{ name, message, code?, cause? }`, never as `Error` objects; a context holding a BigInt
 * (sent as `"123n"`), a cycle (`"[Circular]"`) or a throwing getter never breaks the stream; and a value larger
 * than `maxFieldBytes` is sent as `'[Truncated: 1.0 MB]'`, so a frame has a bounded size.
 *
 * **Ids** are `<epoch>-<seq>`: the handler's {@link ServerSentEventsHandler.epoch} (random) and a sequence
 * number shared by task and graph events. Each frame is serialised once, as a `Buffer` written to every client.
 *
 * **Reconnection.** A browser reconnecting sends `Last-Event-ID`; when it is one of this handler's ids and the
 * replay buffer (the last `bufferSize` events, at most `bufferBytes`) still holds every event after it, the
 * client gets those events, then the current `counts` and `state`; otherwise (too old, from another epoch: a
 * restarted process or another handler, or from before a restart of the handler's subscription) it gets a
 * fresh `snapshot`. A browser must treat each `snapshot` as replacing everything it knew. One snapshot is built
 * for all the clients that need one until something changes.
 *
 * **Backpressure and limits.** A client is written to while at most `maxBufferedBytes` wait in its response;
 * past that it is stalled, gets nothing more (events, counts and pings are skipped, not queued), and on
 * `'drain'` catches up as a reconnecting client would. A client stalled longer than `stallTimeoutMs` is
 * disconnected (its browser reconnects). Beyond `maxClients`, a request gets `503` with `Retry-After`. The
 * handler's {@link ServerSentEventsHandler.stats} count clients, drops, refusals, bytes, replays and snapshots.
 *
 * **Subscriptions and cleanup.** Every client shares one set of subscriptions (manager `events$`, `counts$`,
 * `state$`, and the publisher's `events$`) that feeds the ring buffer. It is made when the first client
 * connects, and released `lingerMs` (default 30 s) after the last one disconnects, so that a reconnecting
 * browser can still be replayed what it missed; nothing stays subscribed while no client is connected
 * beyond that. A client's heartbeat timer and drain listener are released when its response closes
 * (`res.on('close')`, which Node emits when the client disconnects; the request's own `'close'` is not used,
 * as Node emits it once the request body is read). `close()` ends every stream and releases everything at
 * once.
 *
 * @param manager - the manager to stream.
 * @param options - see {@link ServerSentEventsOptions}.
 * @returns the request handler, with `connections`, `stats`, `epoch`, `activeSubscriptions`, `closed` and
 * `close()`.
 * @throws {@link InvalidArgumentError} when `manager` is not a `BackgroundTaskManager` or an option is out of
 * range (the message names it and the value).
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 *
 * const events = toServerSentEvents(manager, { publisher });
 * const server = createServer((req, res) => {
 *   if (req.url === '/events') return events(req, res);
 *   res.writeHead(404).end();
 * }).listen(3000);
 * // in the browser: new EventSource('/events').addEventListener('counts', (e) => render(JSON.parse(e.data)));
 *
 * process.once('SIGTERM', () => {
 *   events.close();
 *   server.close();
 * });
 * ```
 */
export function toServerSentEvents(
  manager: BackgroundTaskManager,
  options: ServerSentEventsOptions = {},
): ServerSentEventsHandler {
  checkManager(manager);
  const resolved = resolveServerSentEventsOptions(options);
  const retry = sseRetry(resolved.retryMs);
  const hub = new SseHub(manager, resolved);
  const retryAfterSeconds = Math.max(1, Math.ceil(resolved.retryMs / 1_000));

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Gone before we were called (an async middleware in between): its 'close' has fired already.
    if (res.destroyed) return;
    if (hub.closed) {
      answer(res, 204, PLAIN_HEADERS);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, { ...PLAIN_HEADERS, Allow: 'GET, HEAD' });
      return;
    }
    // A request pipelined behind another response on its connection (its response has no socket yet) would
    // wait for a stream that never ends: it is refused, and takes no client's place.
    const pipelined = req.socket !== null && req.socket !== undefined && res.socket === null;
    if (pipelined || (resolved.maxClients > 0 && hub.connectionCount >= resolved.maxClients)) {
      hub.refused();
      answer(res, 503, { ...PLAIN_HEADERS, 'Retry-After': String(retryAfterSeconds) });
      return;
    }
    // HTTP/2 forbids connection-specific headers (node's compatibility API throws on them).
    if (!answer(res, 200, req.httpVersionMajor >= 2 ? SSE_HEADERS_HTTP2 : SSE_HEADERS, req.method === 'HEAD')) return;
    if (req.method === 'HEAD') return;
    req.socket?.setNoDelay(true);

    const connection = new SseConnection(res, parseLastEventId(req.headers['last-event-id'], hub.epoch), hub, resolved);
    const disconnect = (): void => {
      connection.close();
      hub.detach(connection);
    };
    res.once('close', disconnect);
    // Without a listener a write to a reset socket would surface as an uncaught 'error'; 'close' follows it.
    res.on('error', disconnect);

    connection.write(retry);
    hub.attach(connection);
    hub.welcome(connection);
    connection.startHeartbeat(resolved.heartbeatMs);
  };

  return Object.defineProperties(handle, {
    connections: { get: () => hub.connectionCount, enumerable: true },
    stats: { get: () => hub.stats, enumerable: true },
    epoch: { value: hub.epoch, enumerable: true },
    activeSubscriptions: { get: () => hub.activeSubscriptions, enumerable: true },
    closed: { get: () => hub.closed, enumerable: true },
    close: { value: () => hub.close(), enumerable: true },
  }) as ServerSentEventsHandler;
}

/**
 * Writes the status and headers (and ends the response unless `keepOpen`). A response whose headers the
 * application already sent, or that cannot be written, is destroyed instead: nothing throws out of the handler.
 *
 * @returns whether the headers were written.
 */
function answer(res: ServerResponse, status: number, headers: Record<string, string>, end = true): boolean {
  try {
    res.writeHead(status, headers);
    if (end) res.end();
    return true;
  } catch {
    try {
      res.destroy();
    } catch {
      // already gone
    }
    return false;
  }
}
