import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerSentEventsStats } from './server-sent-events-stats';

/**
 * A `node:http` request handler that streams a manager's activity as server-sent events, as
 * {@link toServerSentEvents} returns it; it also tells how many clients and subscriptions it holds.
 *
 * @example
 * ```ts
 * const events = toServerSentEvents(manager);
 * http.createServer((req, res) => (req.url === '/events' ? events(req, res) : serveApp(req, res))).listen(3000);
 * process.on('SIGTERM', () => events.close());
 * ```
 */
export interface ServerSentEventsHandler {
  /**
   * Streams to one client until it disconnects (or `close()` is called). A `GET` gets the stream, a `HEAD`
   * its headers only, any other method `405`; after `close()`, every request gets `204 No Content`, which
   * tells a browser's `EventSource` to stop reconnecting.
   *
   * @param req - the request; its `Last-Event-ID` header is honoured.
   * @param res - the response; the handler writes its headers.
   */
  (req: IncomingMessage, res: ServerResponse): void;
  /** Clients connected now. */
  readonly connections: number;
  /**
   * What the handler has done so far: clients connected, dropped and refused, bytes sent, events replayed,
   * snapshots sent and built (a fresh object on each read).
   */
  readonly stats: ServerSentEventsStats;
  /**
   * The handler's epoch, 8 random hex digits: every id it gives out is `<epoch>-<seq>`, so that a browser
   * coming back with an id from another process (a restart) or another handler gets a fresh snapshot.
   */
  readonly epoch: string;
  /**
   * RxJS subscriptions the handler holds now: to the manager's `events$`, `counts$` and `state$` and the
   * publisher's `events$`, shared by every client. 0 when no client is connected (once `lingerMs` has passed)
   * and after `close()`.
   */
  readonly activeSubscriptions: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Ends every client's response, releases every subscription and timer, and refuses later requests with
   * `204`. Call it before closing the HTTP server: open event streams would keep `server.close()` waiting.
   * Calling it again does nothing.
   */
  close(): void;
}
