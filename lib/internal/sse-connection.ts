import type { ServerResponse } from 'node:http';
import { SSE_PING } from './sse-frame';

/**
 * One client of a server-sent-events handler: writes to its response and notices when it falls behind.
 *
 * **Backpressure.** When `res.write()` returns `false` the connection is *stalled*: it writes nothing more
 * (events, counts, pings are skipped, not queued) until the response emits `'drain'`. Then `onDrain` runs,
 * and the hub catches the client up from {@link lastSentId}: the missed events from its ring buffer, then the
 * current counts and state, or a fresh snapshot when the buffer no longer reaches back that far. So a slow
 * client costs one id, never a queue that grows without bound.
 */
export class SseConnection {
  readonly #res: ServerResponse;
  readonly #onDrain: (connection: SseConnection) => void;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastSentId: number | undefined;
  #stalled = false;
  #open = true;

  /**
   * @param res - the response to write to; its headers are already written.
   * @param lastEventId - the `Last-Event-ID` the client sent, if any: where catching up starts.
   * @param onDrain - called when a stalled response has drained.
   */
  constructor(res: ServerResponse, lastEventId: number | undefined, onDrain: (connection: SseConnection) => void) {
    this.#res = res;
    this.#lastSentId = lastEventId;
    this.#onDrain = onDrain;
  }

  /** The id of the last event written (or the `Last-Event-ID` the client came with). */
  get lastSentId(): number | undefined {
    return this.#lastSentId;
  }

  /** Whether the response buffer is full and the connection waits for `'drain'`. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Whether the connection still writes (false once closed). */
  get open(): boolean {
    return this.#open;
  }

  /**
   * Writes `text` unless the connection is closed or stalled.
   *
   * @returns whether the text was written.
   */
  write(text: string): boolean {
    if (!this.#open || this.#stalled) return false;
    let keepsUp: boolean;
    try {
      keepsUp = this.#res.write(text);
    } catch {
      // A response destroyed under us: the 'close' event that follows tears the connection down.
      this.close();
      return false;
    }
    if (!keepsUp) {
      this.#stalled = true;
      this.#res.once('drain', this.#drained);
    }
    return true;
  }

  /** Writes the frame of event `id`, and remembers `id` as the last one sent when it was written. */
  writeEvent(id: number, frame: string): boolean {
    if (!this.write(frame)) return false;
    this.#lastSentId = id;
    return true;
  }

  /** Writes a `: ping` comment every `heartbeatMs` (not while stalled); 0 writes none. */
  startHeartbeat(heartbeatMs: number): void {
    if (heartbeatMs === 0 || !this.#open) return;
    this.#heartbeat = setInterval(() => this.write(SSE_PING), heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Stops writing and releases the heartbeat timer and the drain listener. Calling it again does nothing. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#res.off('drain', this.#drained);
  }

  /** Closes the connection and ends the response (the handler is closing). */
  end(): void {
    if (!this.#open) return;
    this.close();
    try {
      this.#res.end();
    } catch {
      // already destroyed: nothing to end
    }
  }

  readonly #drained = (): void => {
    this.#stalled = false;
    if (this.#open) this.#onDrain(this);
  };
}
