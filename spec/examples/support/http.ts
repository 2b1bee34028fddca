import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/** A whole HTTP response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON. */
  json(): any;
}

/**
 * One HTTP request with no body, on a fresh connection (no keep-alive, so nothing lingers after the test).
 *
 * @param url - the URL.
 * @param method - default `'GET'`.
 * @param headers - extra headers (`Host` and `Origin` may be overridden).
 * @param rawPath - the request target as sent, unparsed (`//x/shutdown`), instead of the URL's path.
 * @param body - a body to send (a form, say); default none.
 */
export function request(url: string, method = 'GET', headers: Record<string, string> = {}, rawPath?: string, body?: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const options = { method, headers: { Connection: 'close', ...headers }, agent: false, ...(rawPath === undefined ? {} : { path: rawPath }) };
    const req = httpRequest(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A server-sent-events stream read with node's http client, keeping the `event:` names it received. */
export interface EventStream {
  readonly response: IncomingMessage;
  /** The `event:` names received so far, in order. */
  readonly events: string[];
  /** Resolves once an event named `name` was received; rejects after `timeoutMs`. */
  waitFor(name: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended the response or the connection closed. */
  readonly ended: Promise<void>;
  /** Disconnects, as a closed tab would. */
  close(): void;
}

/** Opens an event stream at `url`. */
export function openEventStream(url: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream' }, agent: false }, (response) => {
      const events: string[] = [];
      const waiters = new Set<() => void>();
      let partial = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('event: ')) events.push(line.slice('event: '.length));
        for (const waiter of [...waiters]) waiter();
      });
      // close() destroys the connection on purpose; the 'aborted' error that may follow is expected.
      response.on('error', () => undefined);
      const ended = new Promise<void>((resolveEnded) => response.once('close', () => resolveEnded()));
      const waitFor = (name: string, timeoutMs = 3_000): Promise<void> =>
        new Promise((resolveWait, rejectWait) => {
          const check = (): void => {
            if (!events.includes(name)) return;
            clearTimeout(timer);
            waiters.delete(check);
            resolveWait();
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            rejectWait(new Error(`No '${name}' event after ${timeoutMs} ms; received: ${events.join(', ')}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      resolve({ response, events, waitFor, ended, close: () => req.destroy() });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // close() destroys the request on purpose: only a failure to connect is an error.
      if (error.code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}

/** Resolves once `condition()` holds, polled every few milliseconds; rejects after `timeoutMs` naming `what`. */
export async function eventually(what: string, condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
