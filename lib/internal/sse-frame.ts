import { safeJsonStringify } from './safe-json';

/** The comment a connection writes every `heartbeatMs` so that proxies keep the connection open. */
export const SSE_PING = ': ping\n\n';

/** The headers of every event stream (`X-Accel-Buffering: no` asks nginx not to buffer it). */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
});

/** {@link SSE_HEADERS} without `Connection`, which HTTP/2 forbids. */
export const SSE_HEADERS_HTTP2: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(SSE_HEADERS).filter(([name]) => name !== 'Connection')),
);

/** The `retry:` field: how long a browser waits before it reconnects. */
export function sseRetry(retryMs: number): string {
  return `retry: ${retryMs}\n\n`;
}

/**
 * One server-sent event: `event:`, `id:` (when given) and one `data:` line of JSON.
 *
 * The data is {@link safeJsonStringify}'s output, which holds no raw line break (JSON escapes `\n` and `\r`),
 * so it always fits on the one `data:` line.
 */
export function sseEvent(event: string, payload: unknown, id?: number): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `event: ${event}\n${idLine}data: ${safeJsonStringify(payload)}\n\n`;
}

/**
 * The id a reconnecting browser sent in `Last-Event-ID`, or `undefined` when it sent none or not one of ours
 * (ours are decimal integers).
 */
export function parseLastEventId(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}
