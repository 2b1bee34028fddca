import type { LogSink } from '../../logging/guarded-logger';
import { RateLimitedWarning } from '../../logging/rate-limited-warning';
import { raceSignal } from '../../util/race-signal';
import { RingBuffer } from '../../util/ring-buffer';
import type { RedisPublisherStats } from '../redis-publisher-stats';
import type { RedisStreamsClient } from '../redis-streams-client';
import type { ResolvedPublisherOptions } from '../redis-streams-publisher-options';
import { releaseOwnClient, startConnecting, waitForReady } from './redis-connection';

/** How often, at most, drops and failed appends are logged. */
const WARNING_INTERVAL_MS = 10_000;

const RESOLVED: Promise<void> = Promise.resolve();

/** Where a writer's connection comes from. */
export type WriterConnection =
  | { readonly kind: 'own'; readonly client: RedisStreamsClient }
  | { readonly kind: 'borrowed'; readonly client: RedisStreamsClient };

/** How a {@link RedisStreamWriter} behaves: the publisher's resolved options, and its connection. */
export interface StreamWriterSettings
  extends Pick<ResolvedPublisherOptions, 'stream' | 'maxLen' | 'maxBuffered' | 'closeTimeoutMs' | 'logger'> {
  readonly connection: WriterConnection;
  readonly label: string;
}

/**
 * Appends entries to one stream over one connection without ever blocking its callers for long or holding
 * more than a fixed number of entries: the engine of `RedisStreamsPublisher` and `mirrorTaskEvents()`.
 *
 * - While the connection is ready and nothing is held, an entry is sent at once (`XADD ... MAXLEN ~ n *`), and
 *   its promise settles with Redis' reply. Entries sent in the same tick go out as one pipelined write.
 * - While it is not ready (connecting, or reconnecting after Redis went away), entries are held in a ring
 *   buffer of `maxBuffered`; a full buffer drops its oldest entry. When the connection becomes ready, the held
 *   entries are sent in order, before any new one.
 * - Promises never reject: every entry ends up in exactly one of the counts of {@link RedisPublisherStats}.
 */
export class RedisStreamWriter {
  readonly #client: RedisStreamsClient;
  readonly #ownsClient: boolean;
  readonly #xaddPrefix: readonly string[];
  readonly #maxBuffered: number;
  readonly #closeTimeoutMs: number;
  readonly #buffer: RingBuffer<readonly string[]>;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #dropWarning: RateLimitedWarning;
  readonly #failWarning: RateLimitedWarning;
  readonly #label: string;
  /** Where it logs; `mirrorTaskEvents()` logs to the same logger. */
  readonly logger: LogSink;

  #wasReady: boolean;
  #flushing = false;
  #drained: Promise<void> = RESOLVED;
  #closed = false;
  #closing: Promise<void> | undefined;

  #published = 0;
  #dropped = 0;
  #failed = 0;
  #reconnects = 0;

  constructor(settings: StreamWriterSettings) {
    this.#client = settings.connection.client;
    this.#ownsClient = settings.connection.kind === 'own';
    const trim = settings.maxLen > 0 ? ['MAXLEN', '~', String(settings.maxLen)] : [];
    this.#xaddPrefix = ['XADD', settings.stream, ...trim, '*'];
    this.#maxBuffered = settings.maxBuffered;
    this.#closeTimeoutMs = settings.closeTimeoutMs;
    this.#buffer = new RingBuffer(settings.maxBuffered);
    this.#dropWarning = new RateLimitedWarning(settings.logger, WARNING_INTERVAL_MS);
    this.#failWarning = new RateLimitedWarning(settings.logger, WARNING_INTERVAL_MS);
    this.#label = settings.label;
    this.logger = settings.logger;
    this.#wasReady = this.#client.isReady;
    this.#client.on('ready', this.#onReady);
  }

  get stats(): RedisPublisherStats {
    return {
      published: this.#published,
      buffered: this.#buffer.size,
      inFlight: this.#inFlight.size,
      dropped: this.#dropped,
      failed: this.#failed,
      reconnects: this.#reconnects,
    };
  }

  /** Appends one entry; the promise settles once Redis replied, or at once when the entry is held or dropped. */
  append(fields: readonly string[], signal?: AbortSignal): Promise<void> {
    if (this.#closed) {
      this.#drop(1, 'the publisher is closed');
      return RESOLVED;
    }
    if (!this.#canSendNow()) {
      this.#hold(fields);
      return RESOLVED;
    }
    return this.#send(fields, signal);
  }

  /** Appends entries in order, pipelined; the promise settles once Redis replied to each (or they are held). */
  appendBatch(batch: readonly (readonly string[])[]): Promise<void> {
    if (this.#closed) {
      this.#drop(batch.length, 'the publisher is closed');
      return RESOLVED;
    }
    if (!this.#canSendNow()) {
      for (const fields of batch) this.#hold(fields);
      return RESOLVED;
    }
    return Promise.all(batch.map((fields) => this.#send(fields))).then(() => undefined);
  }

  /**
   * Stops taking entries, waits up to `closeTimeoutMs` for held and in-flight ones to reach Redis, counts the
   * rest as dropped, and releases the connection if it is ours (a borrowed one is left open). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#closeTimeoutMs);
    try {
      await this.#deliverHeld(deadline.signal);
    } catch {
      // the deadline passed: what is left is counted below
    } finally {
      clearTimeout(timer);
    }
    if (this.#buffer.size > 0) {
      const held = this.#buffer.size;
      this.#buffer.clear();
      this.#drop(held, `Redis was not reachable within closeTimeoutMs (${this.#closeTimeoutMs} ms) of close()`);
    }
    this.#client.off('ready', this.#onReady);
    if (this.#ownsClient) await releaseOwnClient(this.#client);
  }

  /** Waits until nothing is held or in flight; rejects when `signal` aborts first. */
  async #deliverHeld(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (this.#buffer.size > 0 && this.#client.isReady) this.#flush();
      if (this.#flushing) {
        await raceSignal(this.#drained, signal);
        continue;
      }
      if (this.#inFlight.size > 0) {
        await raceSignal(Promise.all(this.#inFlight), signal);
        continue;
      }
      if (this.#buffer.size === 0) return;
      if (this.#ownsClient) startConnecting(this.#client);
      await waitForReady(this.#client, signal);
    }
  }

  #canSendNow(): boolean {
    if (this.#ownsClient) startConnecting(this.#client);
    return this.#client.isReady && !this.#flushing && this.#buffer.size === 0;
  }

  #hold(fields: readonly string[]): void {
    if (this.#maxBuffered === 0) {
      this.#drop(1, 'Redis is not connected and maxBuffered is 0');
      return;
    }
    if (this.#buffer.size >= this.#maxBuffered) {
      this.#drop(1, `Redis is not connected and ${this.#maxBuffered} events are already held (maxBuffered)`);
    }
    this.#buffer.push(fields);
    if (this.#client.isReady) this.#flush();
  }

  #drop(count: number, why: string): void {
    this.#dropped += count;
    this.#dropWarning.warn(() => `${this.#label}: dropped ${count} event(s): ${why}; ${this.#dropped} dropped so far`);
  }

  /** Sends one entry now; the promise never rejects. */
  #send(fields: readonly string[], signal?: AbortSignal): Promise<void> {
    let reply: Promise<unknown>;
    try {
      const client = signal === undefined ? this.#client : this.#client.withAbortSignal(signal);
      reply = client.sendCommand([...this.#xaddPrefix, ...fields]);
    } catch (error) {
      reply = Promise.reject(error);
    }
    const done = reply.then(
      () => {
        this.#published++;
      },
      (error: unknown) => {
        this.#failed++;
        this.#failWarning.warn(
          () => `${this.#label}: an XADD failed (${this.#failed} so far): ${this.logger.describe(error)}`,
        );
      },
    );
    this.#inFlight.add(done);
    void done.then(() => this.#inFlight.delete(done));
    return done;
  }

  readonly #onReady = (): void => {
    if (this.#wasReady) this.#reconnects++;
    this.#wasReady = true;
    this.#flush();
  };

  /** Starts sending the held entries, unless that is already going on. */
  #flush(): void {
    if (this.#flushing || this.#buffer.size === 0) return;
    this.#flushing = true;
    this.#drained = this.#drain();
  }

  /** Sends held entries, oldest first, batch after batch, while the connection stays ready. */
  async #drain(): Promise<void> {
    try {
      while (this.#buffer.size > 0 && this.#client.isReady) {
        const batch: (readonly string[])[] = [];
        for (let i = 0; i < this.#buffer.size; i++) batch.push(this.#buffer.at(i) as readonly string[]);
        this.#buffer.clear();
        await Promise.all(batch.map((fields) => this.#send(fields)));
      }
    } finally {
      // cleared in the same step as the last check above: an entry held after it finds #flushing false
      this.#flushing = false;
    }
  }
}
