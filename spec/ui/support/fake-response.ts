import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SseParser, type SseMessage } from './sse';

/**
 * A response for the server-sent-events handler without a socket: `write()` returns `keepsUp` and records each
 * chunk as written (the very `Buffer`, to check that clients share frames); `writableLength` is what the spec
 * says is still queued (`undefined` when it does not say, as a plain fake).
 */
export class FakeResponse extends EventEmitter {
  /**
   * Its socket, when the spec gives it one: like a real response's, corked by `write()` when it is not corked
   * already (a real response uncorks it on the next tick).
   */
  socket: { writableCorked: number; uncorks: number; uncork(): void } | null = null;
  keepsUp = true;
  writableLength: number | undefined;
  destroyed = false;
  ended = false;
  status: number | undefined;
  headers: Record<string, string> = {};
  readonly raw: (Buffer | string)[] = [];

  /** Gives it a socket that counts its uncorks (see {@link socket}). */
  withSocket(): this {
    const socket = {
      writableCorked: 0,
      uncorks: 0,
      uncork(): void {
        socket.uncorks++;
        socket.writableCorked = Math.max(0, socket.writableCorked - 1);
      },
    };
    this.socket = socket;
    return this;
  }

  /** The chunks written, as text. */
  get chunks(): string[] {
    return this.raw.map(String);
  }

  writeHead(status: number, headers: Record<string, string> = {}): this {
    this.status = status;
    this.headers = headers;
    return this;
  }

  write(chunk: Buffer | string): boolean {
    if (this.socket !== null && this.socket.writableCorked === 0) this.socket.writableCorked = 1;
    this.raw.push(chunk);
    return this.keepsUp;
  }

  end(): this {
    this.ended = true;
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }

  /** Parses what was written from chunk `from` on. */
  messagesFrom(from: number): SseMessage[] {
    const parser = new SseParser();
    parser.push(this.chunks.slice(from).join(''));
    return parser.messages;
  }
}

/** A GET request with these headers (their names lower-cased, as Node gives them), for the handler. */
export const fakeRequest = (headers: Record<string, string> = {}): IncomingMessage =>
  Object.assign(new EventEmitter(), {
    method: 'GET',
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    socket: null,
    httpVersionMajor: 1,
  }) as unknown as IncomingMessage;

export const asResponse = (res: FakeResponse): ServerResponse => res as unknown as ServerResponse;
