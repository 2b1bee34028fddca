import { EventEmitter } from 'node:events';
import { createServer, get, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One dispatched server-sent event, as a browser's EventSource would see it. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  /** The `id:` field of this message, if it had one. */
  readonly id: string | undefined;
}

/**
 * Parses an event stream incrementally, following the EventSource rules the server relies on: fields up to the
 * first colon, one leading space stripped, `data` lines joined with `\n`, a blank line dispatches, `:` starts a
 * comment. Lines end with `\n` (all the server writes).
 */
export class SseParser {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  raw = '';
  #partial = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  push(chunk: string): SseMessage[] {
    this.raw += chunk;
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    const dispatched: SseMessage[] = [];
    for (const line of lines) {
      const message = this.#line(line);
      if (message !== undefined) dispatched.push(message);
    }
    return dispatched;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id') this.#id = value;
    else if (field === 'retry') this.retry = Number(value);
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const message = { event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id };
    const hasData = this.#data.length > 0;
    this.#event = '';
    this.#data = [];
    this.#id = undefined;
    if (!hasData) return undefined;
    this.messages.push(message);
    return message;
  }
}

/** A client connection to an event stream, recording everything it receives. */
export interface SseStream {
  readonly response: IncomingMessage;
  readonly parser: SseParser;
  /** The messages received so far. */
  readonly messages: SseMessage[];
  /** The first message (received or to come) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves once `condition()` holds, checked after each chunk; rejects after `timeoutMs`. */
  until(condition: () => boolean, timeoutMs?: number): Promise<void>;
  /** Disconnects, as a closed browser tab would. */
  close(): void;
  /** Resolves when the response has ended or the connection closed. */
  readonly ended: Promise<void>;
}

/** Opens `url` with node's http client and parses the stream. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
      response.setEncoding('utf8');
      const parser = new SseParser();
      const chunks = new EventEmitter();
      chunks.setMaxListeners(0);
      response.on('data', (chunk: string) => {
        parser.push(chunk);
        chunks.emit('chunk');
      });
      const ended = new Promise<void>((resolveEnded) => {
        response.once('close', () => resolveEnded());
      });
      const until = (condition: () => boolean, timeoutMs = 2_000): Promise<void> =>
        new Promise((resolveUntil, rejectUntil) => {
          if (condition()) return resolveUntil();
          const check = (): void => {
            if (!condition()) return;
            clearTimeout(timer);
            chunks.off('chunk', check);
            resolveUntil();
          };
          const timer = setTimeout(() => {
            chunks.off('chunk', check);
            rejectUntil(new Error(`Timed out after ${timeoutMs} ms; received so far:\n${parser.raw}`));
          }, timeoutMs);
          chunks.on('chunk', check);
        });
      const waitFor = async (predicate: (message: SseMessage) => boolean, timeoutMs = 2_000): Promise<SseMessage> => {
        await until(() => parser.messages.some(predicate), timeoutMs);
        return parser.messages.find(predicate) as SseMessage;
      };
      resolve({
        response,
        parser,
        messages: parser.messages,
        waitFor,
        until,
        close: () => request.destroy(),
        ended,
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      // A deliberate close() destroys the request: only a failure to connect is an error.
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
}

/** A plain HTTP GET: status, headers and the whole body. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
  });
}

/** A server on a free port of 127.0.0.1 and its base URL. */
export interface TestServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

export function startServer(listener: RequestListener): Promise<TestServer> {
  const server = createServer(listener);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolveClose) => {
            server.closeAllConnections();
            server.close(() => resolveClose());
          }),
      });
    });
  });
}

/** Resolves once `condition()` holds, polled every few milliseconds; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition still false after ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The subset of the browser's EventSource the browser client uses, over node's http client (no reconnection):
 * enough to run the served module end to end in Node.
 */
export class NodeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = NodeEventSource.CONNECTING;
  readonly #listeners = new Map<string, ((message: { type: string; data: string }) => void)[]>();
  #stream: SseStream | undefined;
  #closed = false;

  constructor(url: string) {
    openSse(url).then(
      (stream) => {
        this.#stream = stream;
        if (this.#closed) return stream.close();
        this.readyState = NodeEventSource.OPEN;
        this.#emit('open', '');
        const parser = stream.parser;
        let delivered = 0;
        const deliver = (): void => {
          while (!this.#closed && delivered < parser.messages.length) {
            const message = parser.messages[delivered++] as SseMessage;
            this.#emit(message.event, message.data);
          }
        };
        // Chunks may have arrived before this callback ran: deliver those now, the rest as they come.
        stream.response.on('data', deliver);
        deliver();
      },
      () => {
        this.readyState = NodeEventSource.CLOSED;
        this.#emit('error', '');
      },
    );
  }

  addEventListener(type: string, listener: (message: { type: string; data: string }) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.#closed = true;
    this.readyState = NodeEventSource.CLOSED;
    this.#stream?.close();
  }

  #emit(type: string, data: string): void {
    for (const listener of this.#listeners.get(type) ?? []) listener({ type, data });
  }
}
