/**
 * A child process of measurement 9 (`bench/sse.ts`): it opens `count` event streams to a URL, counts in each the
 * frames whose `event:` line is `marker`, and tells its parent when every stream has seen `expected` of them.
 *
 * Messages from the parent: `{ open: { url, count, paused? } }` (paused: streams that never read), `{ expect: n }` (resets the counts), `{ close: true }`,
 * `{ exit: true }`. Messages to the parent: `{ opened: count }`, `{ armed: true }`, `{ delivered: true }` (every
 * stream has seen `n` frames), `{ closed: true }`.
 */
import { request } from 'node:http';

const MARKER = 'event: task.completed\n';

interface Stream {
  seen: number;
  tail: string;
  close(): void;
}

const streams: Stream[] = [];
let expected = Number.POSITIVE_INFINITY;
let complete = 0;

function open(url: string, count: number, paused: boolean): void {
  let opened = 0;
  for (let index = 0; index < count; index++) {
    const stream: Stream = { seen: 0, tail: '', close: () => undefined };
    const req = request(url, { agent: false, headers: { Accept: 'text/event-stream' } }, (res) => {
      if (paused) {
        // A client that stops reading: nothing is consumed, the socket's buffers fill up.
        res.pause();
        res.on('error', () => undefined);
        if (++opened === count) process.send?.({ opened });
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const text = stream.tail + chunk;
        let at = text.indexOf(MARKER);
        while (at !== -1) {
          stream.seen++;
          at = text.indexOf(MARKER, at + MARKER.length);
        }
        stream.tail = text.slice(-MARKER.length + 1);
        if (stream.seen === expected) {
          complete++;
          if (complete === streams.length) process.send?.({ delivered: true });
        }
      });
      res.on('error', () => undefined);
      if (++opened === count) process.send?.({ opened });
    });
    req.on('error', () => undefined);
    req.end();
    stream.close = () => req.destroy();
    streams.push(stream);
  }
}

process.on('message', (message: { open?: { url: string; count: number; paused?: boolean }; expect?: number; close?: boolean; exit?: boolean }) => {
  if (message.open !== undefined) open(message.open.url, message.open.count, message.open.paused === true);
  if (message.expect !== undefined) {
    for (const stream of streams) stream.seen = 0;
    complete = 0;
    expected = message.expect;
    process.send?.({ armed: true });
  }
  if (message.close === true) {
    for (const stream of streams.splice(0)) stream.close();
    expected = Number.POSITIVE_INFINITY;
    process.send?.({ closed: true });
  }
  if (message.exit === true) process.disconnect();
});
