import { randomBytes } from 'node:crypto';
import type { Redactor } from '../../redaction/redactor';
import { fitRecord } from './frame-budget';

/**
 * The headers of every event stream: live data is never stored (`no-store`) nor transformed by a proxy,
 * `X-Accel-Buffering: no` asks nginx not to buffer it, and `nosniff` keeps a browser from reading it as
 * anything but an event stream.
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store, no-transform',
  'X-Content-Type-Options': 'nosniff',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
});

/** {@link SSE_HEADERS} without `Connection`, which HTTP/2 forbids. */
export const SSE_HEADERS_HTTP2: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(SSE_HEADERS).filter(([name]) => name !== 'Connection')),
);

/** The headers of the handler's other answers (405, 204, 503): no body to sniff, nothing to store. */
export const PLAIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
});

/** The comment a connection writes every `heartbeatMs` so that proxies keep the connection open. */
export const SSE_PING: Buffer = Buffer.from(': ping\n\n');

/** The `retry:` field: how long a browser waits before it reconnects. */
export function sseRetry(retryMs: number): Buffer {
  return Buffer.from(`retry: ${retryMs}\n\n`);
}

/**
 * One frame: `event:`, `id:` when given, and the data, which must be one line (JSON text is: it escapes `\n`
 * and `\r`). A `Buffer`, made once and written as it is to every client.
 */
export function sseFrame(event: string, data: string, id?: string): Buffer {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return Buffer.from(`event: ${event}\n${idLine}data: ${data}\n\n`);
}

/**
 * The frame of a task or graph event: the payload redacted (`Redactor.redact`: secrets replaced, never
 * throwing), then every value too large for a frame truncated (see {@link fitRecord}).
 */
export function recordFrame(event: string, payload: unknown, redactor: Redactor, maxFieldBytes: number, id?: string): Buffer {
  return sseFrame(event, boundedJson(redactor.redact(payload, { maxStringLength: maxFieldBytes }), maxFieldBytes), id);
}

/**
 * JSON text of a redacted record, every value in it within `maxFieldBytes` (see {@link fitRecord}). A record
 * whose whole text fits (the common case) is written as it is, with no second pass.
 */
export function boundedJson(redacted: unknown, maxFieldBytes: number): string {
  const json = JSON.stringify(redacted) ?? 'null';
  // In bytes: a UTF-16 unit takes at most 3 bytes of UTF-8, so short text needs no count.
  const fits = json.length * 3 <= maxFieldBytes || Buffer.byteLength(json) <= maxFieldBytes;
  return fits ? json : (JSON.stringify(fitRecord(redacted, maxFieldBytes)) ?? 'null');
}

/**
 * A handler's epoch: 8 hex digits, random, so that an id given out by another process (or another handler)
 * is never taken for one of ours.
 */
export function newEpoch(): string {
  return randomBytes(4).toString('hex');
}

/** The id of event `seq` of a handler: `<epoch>-<seq>`. */
export function sseId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/**
 * The sequence number in the `Last-Event-ID` a reconnecting browser sent, or `undefined` when it sent none, or
 * an id that is not one of this handler's (another epoch: a restarted process, another handler), or one it
 * cannot read.
 */
export function parseLastEventId(header: string | string[] | undefined, epoch: string): number | undefined {
  const text = (Array.isArray(header) ? header[0] : header)?.trim();
  if (text === undefined || !text.startsWith(`${epoch}-`)) return undefined;
  const seq = text.slice(epoch.length + 1);
  return /^\d{1,15}$/.test(seq) ? Number(seq) : undefined;
}
