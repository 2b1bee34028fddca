import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObservable } from 'rxjs';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { checkManager } from '../internal/check-manager';
import { SseConnection } from '../internal/sse-connection';
import { parseLastEventId, SSE_HEADERS, SSE_HEADERS_HTTP2, sseRetry } from '../internal/sse-frame';
import { SseHub } from '../internal/sse-hub';
import { checkDelay, checkNonNegativeInteger, checkPlainObject } from '../internal/validate';
import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import type { ServerSentEventsHandler } from './server-sent-events-handler';
import { DEFAULT_SERVER_SENT_EVENTS_OPTIONS, type ServerSentEventsOptions } from './server-sent-events-options';

/**
 * Streams a manager's activity to browsers as server-sent events: a `(req, res)` handler for `node:http`,
 * usable as an Express route as is, and from Fastify as `reply.hijack(); handler(request.raw, reply.raw)`.
 *
 * **The stream.** Headers `Content-Type: text/event-stream`, `Cache-Control: no-cache, no-transform`,
 * `Connection: keep-alive` (left out over HTTP/2, which forbids it) and `X-Accel-Buffering: no`; then
 * `retry: <retryMs>`; then, each as one `data:` line of JSON:
 * - `event: snapshot` first, with `id:` the current id: `{ tasks, counts, state, lastEventId }`, where `tasks`
 *   is `getTaskInfo()`, `counts` a {@link TaskCounts} and `state` the {@link ManagerState};
 * - `event: task.<type>` (`task.created`, `task.started`, `task.completed`, `task.failed`, `task.cancelled`,
 *   `task.timed_out`, `task.dropped`), each with `id: <seq>`: the {@link TaskEvent} as JSON;
 * - `event: graph`, with `id: <seq>`: each {@link EventModel} the `publisher` publishes;
 * - `event: counts` (no id): the current {@link TaskCounts}, at most once per turn of the event loop;
 * - `event: state` (no id): `{ state }` when the manager's state changes;
 * - a `: ping` comment every `heartbeatMs`.
 *
 * Errors and reasons (`error`, `reason`, and any `Error` in a context) are sent as `{ name, message, code? }`,
 * never as `Error` objects; a context holding a BigInt (sent as `"123n"`), a cycle (`"[Circular]"`) or a
 * throwing getter never breaks the stream. Ids are consecutive integers per handler, shared by task and graph
 * events.
 *
 * **Reconnection.** A browser reconnecting sends `Last-Event-ID`; when the handler's ring buffer of the last
 * `bufferSize` events still holds every event after it, the client gets those events, then the current
 * `counts` and `state`; otherwise (too old, unknown, from before a restart of the handler's subscription) it
 * gets a fresh `snapshot`. A browser must treat each `snapshot` as replacing everything it knew.
 *
 * **Backpressure.** When `res.write()` returns `false`, nothing more is written to that client (events, counts
 * and pings are skipped, not queued) until `'drain'`; then it is caught up exactly as a reconnecting client
 * would be: the missed events from the ring buffer and the current counts, or a snapshot. Counts are thereby
 * coalesced to the latest value, and a slow client never makes the server buffer without bound.
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
 * @param options - `publisher`, `heartbeatMs`, `retryMs`, `bufferSize` and `lingerMs`; see
 * {@link ServerSentEventsOptions}.
 * @returns the request handler, with `connections`, `activeSubscriptions`, `closed` and `close()`.
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
  checkPlainObject('options', options);
  checkDelay('heartbeatMs', options.heartbeatMs);
  checkNonNegativeInteger('retryMs', options.retryMs);
  checkNonNegativeInteger('bufferSize', options.bufferSize);
  checkDelay('lingerMs', options.lingerMs);
  checkPublisher(options.publisher);
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_SERVER_SENT_EVENTS_OPTIONS.heartbeatMs;
  const retry = sseRetry(options.retryMs ?? DEFAULT_SERVER_SENT_EVENTS_OPTIONS.retryMs);
  const hub = new SseHub(manager, {
    bufferSize: options.bufferSize ?? DEFAULT_SERVER_SENT_EVENTS_OPTIONS.bufferSize,
    lingerMs: options.lingerMs ?? DEFAULT_SERVER_SENT_EVENTS_OPTIONS.lingerMs,
    publisher: options.publisher,
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Gone before we were called (an async middleware in between): its 'close' has fired already.
    if (res.destroyed) return;
    if (hub.closed) {
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    // HTTP/2 forbids connection-specific headers (node's compatibility API throws on them).
    res.writeHead(200, req.httpVersionMajor >= 2 ? SSE_HEADERS_HTTP2 : SSE_HEADERS);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    req.socket?.setNoDelay(true);

    const connection = new SseConnection(res, parseLastEventId(req.headers['last-event-id']), (drained) =>
      hub.catchUp(drained),
    );
    const disconnect = (): void => {
      connection.close();
      hub.detach(connection);
    };
    res.once('close', disconnect);
    // Without a listener a write to a reset socket would surface as an uncaught 'error'; 'close' follows it.
    res.on('error', disconnect);

    connection.write(retry);
    hub.attach(connection);
    hub.catchUp(connection);
    connection.startHeartbeat(heartbeatMs);
  };

  return Object.defineProperties(handle, {
    connections: { get: () => hub.connectionCount, enumerable: true },
    activeSubscriptions: { get: () => hub.activeSubscriptions, enumerable: true },
    closed: { get: () => hub.closed, enumerable: true },
    close: { value: () => hub.close(), enumerable: true },
  }) as ServerSentEventsHandler;
}

function checkPublisher(publisher: unknown): void {
  if (publisher === undefined) return;
  const candidate = publisher as { events$?: unknown } | null;
  if (typeof candidate === 'object' && candidate !== null && isObservable(candidate.events$)) return;
  const expected = 'an ObservablePublisher (an object with an `events$` Observable)';
  throw new InvalidArgumentError('publisher', expected, publisher);
}
