import type { ServerResponse } from 'node:http';
import { SSE_PING } from './sse-frame';

/** How often a connection stalled without a 'drain' to come looks at its queue, in milliseconds. */
const DRAIN_WATCH_MS = 50;

/** What a connection reports to its hub. */
export interface SseConnectionEvents {
  /** Its socket drained after a stall: bring it up to date. */
  drained(connection: SseConnection): void;
  /** It stayed stalled past `stallTimeoutMs` and was disconnected. */
  dropped(connection: SseConnection): void;
  /** `bytes` were handed to its response. */
  sent(bytes: number): void;
}

/** The limits of one connection (from the handler's options). */
export interface SseConnectionLimits {
  readonly maxBufferedBytes: number;
  readonly stallTimeoutMs: number;
}

/**
 * One client's event stream: the response, the id of the last event it was sent, and its backpressure.
 *
 * **Backpressure.** Frames are written while the response holds at most `maxBufferedBytes` not yet sent. Past
 * that (whatever `res.write()` said: a server's `highWaterMark` may be larger), the connection is *stalled*: it
 * writes nothing more, and once its queue drains (`'drain'`, or the queue seen below the bound) the hub brings it
 * up to date from the replay buffer or with a snapshot. A client still stalled
 * after `stallTimeoutMs` does not read: its response is destroyed (the browser reconnects, and catches up), and
 * it is reported as dropped. What a client that stops reading holds is bounded by `maxBufferedBytes` and one
 * frame, and every frame is a `Buffer` shared with the other clients, not a copy.
 */
export class SseConnection {
  readonly #res: ServerResponse;
  readonly #events: SseConnectionEvents;
  readonly #limits: SseConnectionLimits;
  #heartbeat: NodeJS.Timeout | undefined;
  #stallTimer: NodeJS.Timeout | undefined;
  /** While stalled by a write that did not ask to wait (so no 'drain' will come): polls the queue. */
  #drainWatch: NodeJS.Timeout | undefined;
  #lastSentSeq: number | undefined;
  #stalled = false;
  #open = true;

  /**
   * @param res - the response, its headers written.
   * @param lastEventSeq - the sequence number of the `Last-Event-ID` the client came with, if it is ours.
   * @param events - what to tell the hub.
   * @param limits - its backpressure limits.
   */
  constructor(res: ServerResponse, lastEventSeq: number | undefined, events: SseConnectionEvents, limits: SseConnectionLimits) {
    this.#res = res;
    this.#lastSentSeq = lastEventSeq;
    this.#events = events;
    this.#limits = limits;
  }

  /** The sequence number of the last event written (or of the `Last-Event-ID` the client came with). */
  get lastSentSeq(): number | undefined {
    return this.#lastSentSeq;
  }

  /** Whether it waits for its socket to drain. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Whether the connection still writes (false once closed). */
  get open(): boolean {
    return this.#open;
  }

  /**
   * Writes `frame` unless stalled or closed.
   *
   * @returns whether it was written.
   */
  write(frame: Buffer): boolean {
    if (!this.#open || this.#stalled) return false;
    let keepsUp: boolean;
    try {
      const socket = this.#res.socket;
      const corkedBefore = socket?.writableCorked ?? 0;
      keepsUp = this.#res.write(frame);
      // A response corks its socket on write and uncorks it on the next tick, so that the work of the write
      // (the system call) would run after the hub's time slice, for every client of the slice at once (a
      // 2,000-client burst blocked the loop 0.4-0.7 s there). Written now, the slice bounds it. Only the
      // response's own cork is undone, never one the application holds.
      if (corkedBefore === 0 && socket !== null && socket !== undefined && socket.writableCorked === 1) socket.uncork();
    } catch {
      // A response that cannot be written to any more (destroyed under us, or a wrapper that threw): the client is
      // disconnected and counted, so that it never keeps its place without being served.
      this.#drop();
      return false;
    }
    this.#events.sent(frame.length);
    // Past maxBufferedBytes waiting in the response, it stalls, whatever write() said: a server whose
    // highWaterMark is larger would never ask to wait. Below it, a burst goes on though write() asked to wait.
    const waiting = this.#res.writableLength ?? (keepsUp ? 0 : Number.POSITIVE_INFINITY);
    if (waiting > this.#limits.maxBufferedBytes) this.#stall(keepsUp);
    return true;
  }

  /** Writes the frame of event `seq`, and remembers `seq` as the last one sent when it was written. */
  writeEvent(seq: number, frame: Buffer): boolean {
    if (!this.write(frame)) return false;
    this.#lastSentSeq = seq;
    return true;
  }

  /** Writes a `: ping` comment every `heartbeatMs` (not while stalled); 0 writes none. */
  startHeartbeat(heartbeatMs: number): void {
    if (heartbeatMs === 0 || !this.#open) return;
    this.#heartbeat = setInterval(() => this.write(SSE_PING), heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Stops writing and releases its timers and its drain listener. Calling it again does nothing. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    clearInterval(this.#drainWatch);
    this.#drainWatch = undefined;
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

  /** @param keptUp - what the write that stalled it returned: true means no 'drain' will come. */
  #stall(keptUp: boolean): void {
    this.#stalled = true;
    this.#res.once('drain', this.#drained);
    // No 'drain' comes after a write that did not ask to wait: watch the queue go down instead.
    if (keptUp) {
      this.#drainWatch = setInterval(() => {
        if ((this.#res.writableLength ?? 0) <= this.#limits.maxBufferedBytes) this.#drained();
      }, DRAIN_WATCH_MS);
      this.#drainWatch.unref();
    }
    if (this.#limits.stallTimeoutMs === 0) return;
    this.#stallTimer = setTimeout(this.#drop, this.#limits.stallTimeoutMs);
    this.#stallTimer.unref();
  }

  readonly #drained = (): void => {
    if (!this.#stalled) return;
    this.#stalled = false;
    this.#res.off('drain', this.#drained);
    clearInterval(this.#drainWatch);
    this.#drainWatch = undefined;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (this.#open) this.#events.drained(this);
  };

  readonly #drop = (): void => {
    this.#stallTimer = undefined;
    if (!this.#open) return;
    this.close();
    this.#events.dropped(this);
    try {
      this.#res.destroy();
    } catch {
      // already gone
    }
  };
}
