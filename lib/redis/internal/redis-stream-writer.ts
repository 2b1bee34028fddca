import { ONCE } from '../../util/once-listener';
import { PublishFailedError } from '../../errors/publish-failed-error';
import type { LogSink } from '../../logging/guarded-logger';
import { RateLimitedWarning } from '../../logging/rate-limited-warning';
import { raceSignal } from '../../util/race-signal';
import type { RedisPublisherStats } from '../redis-publisher-stats';
import type { RedisStreamsClient } from '../redis-streams-client';
import type { ResolvedPublisherOptions } from '../redis-streams-publisher-options';
import { BatchProgress, PendingAppend, type AppendSettled } from './pending-append';
import { isTransientReply, isErrorReply } from './redis-errors';
import { destroyQuietly, duplicateClient, releaseOwnClient, startConnecting, waitForReady } from './redis-connection';

/**
 * The share of `publishTimeoutMs` by which an entry not acknowledged is given up: its promise settles before
 * `publishTimeoutMs`, and so before the `publishEvent()` task's own timeout (which would otherwise log one WARN per
 * event during an outage).
 *
 * The sweep that gives entries up is timed to their deadlines, not run on a fixed period: a waiting entry is
 * given up between one sweep gap (a tenth of `publishTimeoutMs`) before its deadline and its deadline, a sent one
 * once its deadline has passed (by the next gap at most), by timers due two tenths of `publishTimeoutMs` or more
 * before the task's own timer. Node runs due timers in the order they fall due, so on a loaded machine, where both
 * fire late, the sweep still runs first. The margin is that wide because the task's timer runs from its creation
 * and its `publish()` call from its start: a hundred tasks created at once on a busy machine started up to 45 ms
 * after their creation here.
 */
const GIVE_UP_SHARE = 0.7;

/**
 * The sweep's granularity, as a share of `publishTimeoutMs` (and at most {@link MAX_SWEEP_GAP_MS}): a sweep gives up
 * every entry whose deadline is at most this far off, so that each is settled between this much before its
 * deadline and its deadline, and sweeps run at most once per this much.
 */
const SWEEP_GAP_SHARE = 0.1;
const MAX_SWEEP_GAP_MS = 1_000;

/** How often, at most, drops and failed appends are logged. */
const WARNING_INTERVAL_MS = 10_000;
/** The first pause before an append Redis refused for a passing reason (`LOADING`, `BUSY`...) is sent again. */
const FIRST_RETRY_DELAY_MS = 50;
/** The longest such pause. */
const MAX_RETRY_DELAY_MS = 1_000;

/** Where a writer's connection comes from. */
export type WriterConnection =
  | { readonly kind: 'own'; readonly client: RedisStreamsClient }
  | { readonly kind: 'borrowed'; readonly client: RedisStreamsClient };

/** How a {@link RedisStreamWriter} behaves: the publisher's resolved options, and its connection. */
export interface StreamWriterSettings
  extends Pick<ResolvedPublisherOptions, 'stream' | 'maxLen' | 'maxBuffered' | 'closeTimeoutMs' | 'publishTimeoutMs' | 'logger'> {
  readonly connection: WriterConnection;
  readonly label: string;
}

/**
 * Appends entries to one stream over one connection, and settles each with what became of it: the engine of
 * `RedisStreamsPublisher` and `mirrorTaskEvents()`. Every entry ends in exactly one of the counts of
 * {@link RedisPublisherStats}, and its promise resolves only once Redis acknowledged the `XADD`.
 *
 * - While the connection is ready and nothing waits, an entry is sent at once (`XADD ... MAXLEN ~ n *`).
 *   Entries sent in the same tick go out as one pipelined write.
 * - While it is not ready (connecting, or reconnecting after Redis went away), entries are held, oldest first,
 *   up to `maxBuffered`; a full buffer drops its oldest entry. When the connection is ready again, what waits
 *   is sent in order, before any new entry.
 * - An append the connection lost before the reply is sent again once it is back, and one Redis refused for a
 *   passing reason (`LOADING`, `BUSY`, `TRYAGAIN`, `OOM`...) again after a pause (50 ms doubling up to 1 s): an
 *   entry may therefore be appended twice (at least once). One refused for good (`WRONGTYPE`...) fails at once.
 * - Each entry is settled within `publishTimeoutMs` of the call: one waiting is given up between six and seven
 *   tenths of it after the call, one sent and unanswered fails between seven and eight tenths; dropped when it was
 *   never sent, failed when it was (then it may be in the stream).
 */
export class RedisStreamWriter {
  readonly #client: RedisStreamsClient;
  readonly #ownsClient: boolean;
  readonly #xaddPrefix: readonly string[];
  readonly #maxBuffered: number;
  readonly #closeTimeoutMs: number;
  readonly #timeoutMs: number;
  /** Sent, not answered, not settled (answered late, an entry is settled already and only leaves this set). */
  readonly #inFlight = new Set<PendingAppend>();
  /** Entries the connection lost or Redis refused for a passing reason: older than every held one, sent first. */
  #retry: PendingAppend[] = [];
  /** Entries waiting for a connection, oldest first from `#heldStart` (settled ones are skipped). */
  #held: PendingAppend[] = [];
  #heldStart = 0;
  /** Entries of `#retry` and `#held` not settled yet. */
  #waiting = 0;
  readonly #dropWarning: RateLimitedWarning;
  readonly #failWarning: RateLimitedWarning;
  readonly #label: string;
  /** Where it logs; `mirrorTaskEvents()` logs to the same logger. */
  readonly logger: LogSink;

  #wasReady: boolean;
  #flushing = false;
  #retryTimer: NodeJS.Timeout | undefined;
  /** The entries waiting for each caller's signal, with the one listener on it. */
  readonly #abortWatch = new Map<AbortSignal, { readonly entries: Set<PendingAppend>; readonly onAbort: () => void }>();
  /** Nothing is sent before this time (`performance.now()`): the back-off pause after a refused append. */
  #pausedUntil = 0;
  #sweepTimer: NodeJS.Timeout | undefined;
  /** When the armed sweep is due (`performance.now()`), while one is armed. */
  #sweepAt = Infinity;
  /** When the last sweep ran (`performance.now()`). */
  #lastSweepAt = -Infinity;
  readonly #sweepGapMs: number;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Resolved, and forgotten, when an entry settles: what `close()` waits on (made only while it waits). */
  #progress: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  #published = 0;
  #dropped = 0;
  #failed = 0;
  #reconnects = 0;
  #retries = 0;

  constructor(settings: StreamWriterSettings) {
    this.#client = settings.connection.client;
    this.#ownsClient = settings.connection.kind === 'own';
    const trim = settings.maxLen > 0 ? ['MAXLEN', '~', String(settings.maxLen)] : [];
    this.#xaddPrefix = ['XADD', settings.stream, ...trim, '*'];
    this.#maxBuffered = settings.maxBuffered;
    this.#closeTimeoutMs = settings.closeTimeoutMs;
    this.#timeoutMs = settings.publishTimeoutMs;
    this.#sweepGapMs = Math.min(this.#timeoutMs * SWEEP_GAP_SHARE, MAX_SWEEP_GAP_MS);
    this.#dropWarning = new RateLimitedWarning(settings.logger, WARNING_INTERVAL_MS);
    this.#failWarning = new RateLimitedWarning(settings.logger, WARNING_INTERVAL_MS);
    this.#label = settings.label;
    this.logger = settings.logger;
    this.#wasReady = this.#client.isReady;
    this.#client.on('ready', this.#onReady);
  }

  /** The stream key it appends to. */
  get stream(): string {
    return this.#xaddPrefix[1] as string;
  }

  /**
   * A new, unconnected connection to the same server (same credentials and TLS), for a reader of its own: a
   * blocking read must not hold up the appends.
   */
  newConnection(name: string): RedisStreamsClient {
    return duplicateClient(this.#client, this.logger, this.#label, name);
  }

  get stats(): RedisPublisherStats {
    return {
      published: this.#published,
      buffered: this.#waiting,
      inFlight: this.#inFlight.size,
      dropped: this.#dropped,
      failed: this.#failed,
      retries: this.#retries,
      reconnects: this.#reconnects,
    };
  }

  /**
   * Appends one entry, to be settled by `deadline` (on `performance.now()`'s clock; by default {@link nextDeadline}
   * from now: a caller that did work first takes its deadline before it).
   *
   * @returns a promise that resolves once Redis acknowledged it, and rejects with a {@link PublishFailedError}
   * once it was dropped or failed (counted and logged already).
   */
  append(fields: readonly string[], signal?: AbortSignal, deadline = this.nextDeadline()): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#accept(fields, deadline, (failure) => (failure === undefined ? resolve() : reject(failure)), signal);
    });
  }

  /**
   * Appends entries in order, pipelined, for a caller that paces itself (`mirrorTaskEvents()`): the promise
   * resolves once each entry was acknowledged, given up, or is waiting for a connection (in the bounded buffer,
   * where newer entries push the oldest out), so that an outage never stalls the caller while a slow Redis does.
   * It never rejects; the stats count what became of each entry. `notAfter` (on `performance.now()`'s clock) bounds
   * how long its entries may wait, as `stop()` does for the rest of a mirror's queue.
   */
  appendBatch(batch: readonly (readonly string[])[], notAfter = Infinity): Promise<void> {
    return new Promise<void>((resolve) => {
      const progress = new BatchProgress(batch.length, resolve);
      // one deadline for the batch: the clock read once, not once per entry
      const deadline = Math.min(this.nextDeadline(), notAfter);
      for (const fields of batch) this.#accept(fields, deadline, undefined, undefined, progress);
    });
  }

  /**
   * Sends one housekeeping command (not an append) on its connection, connecting it first if it is ours and not up
   * yet, all within `maxWaitMs`. It never rejects.
   *
   * @returns the reply, or `undefined` when Redis refused the command, or did not answer in time.
   */
  async housekeeping(args: readonly string[], maxWaitMs: number): Promise<{ readonly reply: unknown } | undefined> {
    const deadline = AbortSignal.timeout(maxWaitMs);
    try {
      if (!this.#client.isReady) {
        if (!this.#ownsClient || this.#closed) return undefined;
        startConnecting(this.#client);
        await waitForReady(this.#client, deadline);
      }
      return { reply: await raceSignal(this.#client.sendCommand(args), deadline) };
    } catch (error) {
      this.logger.debug(`${this.#label}: ${args.slice(0, 2).join(' ')} failed: ${this.logger.describe(error)}`);
      return undefined;
    }
  }

  /**
   * Stops taking entries, waits up to `closeTimeoutMs` for the waiting and in-flight ones to settle, drops what
   * still waits and fails what is still unanswered (both counted), and releases the connection if it is ours (a
   * borrowed one is left open). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.#closeTimeoutMs);
    try {
      await this.#deliverWaiting(deadline);
    } catch {
      // the deadline passed: what is left is settled below
    }
    const why = `Redis was not reachable within closeTimeoutMs (${this.#closeTimeoutMs} ms) of close()`;
    for (const pending of this.#takeWaiting()) this.#giveUp(pending, why);
    for (const pending of [...this.#inFlight]) this.#fail(pending, `no reply within closeTimeoutMs (${this.#closeTimeoutMs} ms) of close()`);
    clearTimeout(this.#retryTimer);
    this.#disarmSweep();
    this.#client.off('ready', this.#onReady);
    // within what is left of closeTimeoutMs, and a little for the socket to close
    if (this.#ownsClient) await releaseOwnClient(this.#client, Math.max(100, this.#closeTimeoutMs - (performance.now() - started)));
  }

  /** Waits until nothing waits or is in flight; rejects when `signal` aborts first. */
  async #deliverWaiting(signal: AbortSignal): Promise<void> {
    while (this.#waiting > 0 || this.#inFlight.size > 0) {
      if (this.#waiting > 0 && !this.#client.isReady) {
        if (this.#ownsClient) startConnecting(this.#client);
        await waitForReady(this.#client, signal);
        continue;
      }
      this.#flush();
      this.#progress ??= nextProgress();
      await raceSignal(this.#progress.promise, signal);
    }
  }

  /**
   * When an entry handed over now must be settled by, on `performance.now()`'s clock: {@link GIVE_UP_SHARE} of
   * `publishTimeoutMs` from now.
   */
  nextDeadline(): number {
    return performance.now() + this.#timeoutMs * GIVE_UP_SHARE;
  }

  #accept(fields: readonly string[], deadline: number, settled: AppendSettled | undefined, signal?: AbortSignal, progress?: BatchProgress): void {
    // concat() makes an array of the final length (a spread grew one: 260 bytes against 165 per entry)
    const command = this.#xaddPrefix.concat(fields);
    const pending = new PendingAppend(command, deadline, settled, signal, progress);
    if (this.#closed) {
      this.#drop(pending, 'the publisher is closed');
      return;
    }
    if (signal?.aborted) {
      this.#drop(pending, 'its signal aborted before it was sent');
      return;
    }
    if (signal !== undefined) this.#watchAbort(signal, pending);
    if (this.#canSendNow()) this.#send(pending);
    else this.#hold(pending);
    // armed for a gap before the deadline, whether it was sent or held: a sweep that comes early re-arms
    if (!pending.settled && deadline - this.#sweepGapMs < this.#sweepAt) this.#armSweep(deadline - this.#sweepGapMs);
  }

  #canSendNow(): boolean {
    if (this.#ownsClient) startConnecting(this.#client);
    return this.#client.isReady && !this.#flushing && this.#waiting === 0 && (this.#pausedUntil === 0 || performance.now() >= this.#pausedUntil);
  }

  #hold(pending: PendingAppend): void {
    if (this.#maxBuffered === 0) {
      this.#drop(pending, 'Redis is not connected and maxBuffered is 0');
      return;
    }
    // Beyond maxBuffered the oldest waiting entry goes: one waiting to be sent again first (the oldest of all).
    while (this.#waiting >= this.#maxBuffered) {
      const oldest = this.#oldestWaiting();
      if (oldest === undefined) break;
      this.#giveUp(oldest, `Redis is not connected and ${this.#maxBuffered} events are already held (maxBuffered)`);
    }
    this.#enqueue(this.#held, pending);
    this.#compactHeld();
    if (this.#client.isReady) this.#flush();
  }

  /**
   * Forgets the settled entries at the front of `#held` (dropped by age or by a full buffer, which both take the
   * oldest), so that a long outage keeps at most about `maxBuffered` entries, not every one ever held.
   */
  #compactHeld(): void {
    while (this.#heldStart < this.#held.length && (this.#held[this.#heldStart] as PendingAppend).settled) this.#heldStart++;
    if (this.#heldStart === this.#held.length) {
      this.#held = [];
      this.#heldStart = 0;
    } else if (this.#heldStart > 1_024 && this.#heldStart * 2 > this.#held.length) {
      this.#held = this.#held.slice(this.#heldStart);
      this.#heldStart = 0;
    }
  }

  /** The oldest entry still waiting: in `#retry` (sent before anything held was), else in `#held`. */
  #oldestWaiting(): PendingAppend | undefined {
    let oldest: PendingAppend | undefined;
    for (const pending of this.#retry) if (!pending.settled && (oldest === undefined || pending.deadline < oldest.deadline)) oldest = pending;
    if (oldest !== undefined) return oldest;
    for (let index = this.#heldStart; index < this.#held.length; index++) {
      const pending = this.#held[index] as PendingAppend;
      if (!pending.settled) return pending;
    }
    return undefined;
  }

  /** Every entry still waiting, oldest first, taken out of the queues. */
  #takeWaiting(): PendingAppend[] {
    return [...this.#retry, ...this.#held.slice(this.#heldStart)].filter((pending) => !pending.settled);
  }

  /** Sends one entry now. */
  #send(pending: PendingAppend): void {
    if (pending.attempts > 0) this.#retries++;
    pending.attempts++;
    this.#inFlight.add(pending);
    let reply: Promise<unknown>;
    try {
      // Not with the client's withAbortSignal(): it would add a listener per command to a signal callers may share
      // (thousands of publishes under one signal); an abort settles the entry here, through #watchAbort.
      reply = this.#client.sendCommand(pending.command);
    } catch (error) {
      reply = Promise.reject(error);
    }
    reply.then(
      () => {
        if (!this.#inFlight.delete(pending)) return; // settled meanwhile (timed out, aborted, closed)
        this.#settle(pending, undefined);
        this.#published++;
      },
      (error: unknown) => {
        if (!this.#inFlight.delete(pending)) return;
        this.#afterFailure(pending, error);
      },
    );
  }

  /** A send failed: send it again when that can help and there is time, or count it as failed. */
  #afterFailure(pending: PendingAppend, error: unknown): void {
    pending.lastError = error;
    if (pending.signal?.aborted) {
      this.#fail(pending, 'its signal aborted while it was being sent');
      return;
    }
    if (this.#closed && !this.#client.isReady) {
      this.#fail(pending, `the connection was lost during close(): ${this.logger.describe(error)}`);
      return;
    }
    // A TypeError is the client refusing the command itself (an argument it cannot encode): sending it again cannot help.
    const passing = (!isErrorReply(error) && !(error instanceof TypeError)) || isTransientReply(error);
    if (!passing) {
      this.#fail(pending, `Redis refused it: ${this.logger.describe(error)}`);
      return;
    }
    if (performance.now() >= pending.deadline) {
      this.#fail(pending, `no acknowledgement within publishTimeoutMs (${this.#timeoutMs} ms); last error: ${this.logger.describe(error)}`);
      return;
    }
    if (this.#waiting >= this.#maxBuffered) {
      const oldest = this.#oldestWaiting();
      if (oldest === undefined || oldest.deadline > pending.deadline) {
        this.#fail(pending, `it waited to be sent again while ${this.#maxBuffered} events were already held (maxBuffered)`);
        return;
      }
      this.#giveUp(oldest, `Redis is not connected and ${this.#maxBuffered} events are already held (maxBuffered)`);
    }
    this.#enqueue(this.#retry, pending);
    // giving the oldest up above may have disarmed the sweep (nothing else waited): this entry needs one
    this.#armSweep(pending.deadline - this.#sweepGapMs);
    // Sent again after a pause (a refusal, or an error the connection has not noticed yet): nothing is sent before
    // it, so that order holds and a storm of new entries cannot resend the queue each time. After a reconnection,
    // 'ready' sends it at once.
    this.#pauseRetries(pending.attempts);
  }

  /**
   * Holds everything back for the back-off pause of an append sent `attempts` times (50 ms doubling up to 1 s),
   * then flushes: one timer for all of them, the longest pause wins.
   */
  #pauseRetries(attempts: number): void {
    const pause = Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.min(attempts - 1, 10), MAX_RETRY_DELAY_MS) + Math.floor(Math.random() * 25);
    const until = performance.now() + pause;
    if (until <= this.#pausedUntil) return;
    this.#pausedUntil = until;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      // the latest pause's timer (a longer one replaces it): the pause is over, even if the clocks differ by a ms
      this.#retryTimer = undefined;
      this.#pausedUntil = 0;
      this.#flush();
    }, pause);
  }

  #aborted(pending: PendingAppend): void {
    if (pending.settled) return;
    if (this.#inFlight.delete(pending)) this.#fail(pending, 'its signal aborted before Redis replied');
    else this.#giveUp(pending, 'its signal aborted before it was sent');
  }

  /**
   * Gives up what waits within one sweep gap of its deadline, and fails what was sent and is past its deadline
   * unanswered; then arms the next sweep.
   */
  readonly #sweep = (): void => {
    // A timer may fire a ms before its time on performance.now()'s clock (the two clocks round differently): the
    // sweep counts as run when it was due, so that it settles what it was armed for.
    const now = Math.max(performance.now(), this.#sweepAt);
    this.#sweepTimer = undefined;
    this.#sweepAt = Infinity;
    this.#lastSweepAt = now;
    const due = now + this.#sweepGapMs;
    /** When the next sweep is needed: a sent entry's deadline, or a waiting one's less a gap. */
    let next = Infinity;
    let unanswered = 0;
    // A sent entry fails only once its deadline has passed: Redis may still answer, and an unanswered one resets
    // the connection, which must not happen to a connection that answers.
    for (const pending of this.#inFlight) {
      if (pending.deadline <= now) {
        this.#inFlight.delete(pending);
        this.#fail(pending, `no reply within publishTimeoutMs (${this.#timeoutMs} ms)`);
        unanswered++;
      } else if (pending.deadline < next) next = pending.deadline;
    }
    if (unanswered > 0) this.#resetHungConnection();
    const why = `Redis was not reachable within publishTimeoutMs (${this.#timeoutMs} ms)`;
    // the retry queue is in the order replies failed, not by deadline: all of it is looked at (at most maxBuffered)
    for (const pending of this.#retry) {
      if (pending.settled) continue;
      if (pending.deadline <= due) this.#giveUp(pending, why);
      else if (pending.deadline - this.#sweepGapMs < next) next = pending.deadline - this.#sweepGapMs;
    }
    if (this.#retry.length > 0 && this.#retry.every((pending) => pending.settled)) this.#retry = [];
    for (let index = this.#heldStart; index < this.#held.length; index++) {
      const pending = this.#held[index] as PendingAppend;
      if (pending.settled) continue;
      if (pending.deadline > due) {
        next = Math.min(next, pending.deadline - this.#sweepGapMs); // held in order: the rest are younger
        break;
      }
      this.#drop(pending, why);
    }
    this.#compactHeld();
    if (next !== Infinity) this.#armSweep(next);
  };

  /**
   * A connection that stays up but answers nothing (a hung or paused server, a silent network partition) would keep
   * every command it was sent, and nothing would reconnect: a connection of our own is dropped and opened again, so
   * that node-redis lets go of the unanswered commands and what waits is sent on the new one. A `client` you gave is
   * left alone (set its own socket timeout).
   */
  #resetHungConnection(): void {
    if (!this.#ownsClient || !this.#client.isReady || this.#closed) return;
    this.#failWarning.warn(() => `${this.#label}: Redis answered nothing within publishTimeoutMs (${this.#timeoutMs} ms): reconnecting`);
    destroyQuietly(this.#client);
    startConnecting(this.#client);
  }

  /**
   * Arms the sweep for `at` (`performance.now()`), but no sooner than one gap after the last sweep, so that sweeps
   * run at most once per gap; a sweep already armed for earlier is kept. A waiting entry asks for one gap before
   * its deadline (the last sweep gave up everything due within a gap of it, so the next one comes by the
   * deadline), a sent one for its deadline.
   */
  #armSweep(at: number): void {
    if (this.#timeoutMs === Infinity) return;
    const when = Math.max(at, this.#lastSweepAt + this.#sweepGapMs);
    if (when >= this.#sweepAt) return;
    clearTimeout(this.#sweepTimer);
    this.#sweepAt = when;
    // Not unref()'d: an entry waiting to be settled keeps the process alive until it is (publishTimeoutMs at most),
    // so that `await publish()` never ends with the process instead of settling.
    this.#sweepTimer = setTimeout(this.#sweep, Math.max(1, when - performance.now()));
  }

  #disarmSweep(): void {
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#sweepAt = Infinity;
  }

  #enqueue(queue: PendingAppend[], pending: PendingAppend): void {
    pending.queued = true;
    queue.push(pending);
    this.#waiting++;
    pending.waiting();
  }

  /** Marks `pending` as out of its queue (the queue skips settled entries, and forgets them when flushed). */
  #dequeue(pending: PendingAppend): void {
    if (!pending.queued) return;
    pending.queued = false;
    this.#waiting--;
  }

  /** Gives up a waiting entry: failed when it was sent before (it may be in the stream), dropped when never sent. */
  #giveUp(pending: PendingAppend, why: string): void {
    if (pending.attempts > 0) this.#fail(pending, `${why} (it was sent before: it may be in the stream)`);
    else this.#drop(pending, why);
  }

  #drop(pending: PendingAppend, why: string): void {
    this.#dequeue(pending);
    this.#settle(pending, new PublishFailedError('dropped', why, { cause: pending.lastError }));
    this.#dropped++;
    this.#dropWarning.warn(() => `${this.#label}: dropped an event: ${why}; ${this.#dropped} dropped so far`);
  }

  #fail(pending: PendingAppend, why: string): void {
    this.#inFlight.delete(pending);
    this.#dequeue(pending);
    this.#settle(pending, new PublishFailedError('failed', why, { cause: pending.lastError }));
    this.#failed++;
    this.#failWarning.warn(() => `${this.#label}: an XADD failed (${this.#failed} so far): ${why}`);
  }

  /**
   * Gives up `pending` when `signal` aborts first. One listener per signal, however many entries share it (a
   * listener per entry would pass Node's limit of ten and warn).
   */
  #watchAbort(signal: AbortSignal, pending: PendingAppend): void {
    let watched = this.#abortWatch.get(signal);
    if (watched === undefined) {
      const entries = new Set<PendingAppend>();
      const onAbort = (): void => {
        this.#abortWatch.delete(signal);
        for (const entry of entries) this.#aborted(entry);
      };
      watched = { entries, onAbort };
      this.#abortWatch.set(signal, watched);
      signal.addEventListener('abort', onAbort, ONCE);
    }
    watched.entries.add(pending);
  }

  /** Stops watching the signal of a settled entry; the last entry of a signal removes its listener. */
  #unwatchAbort(pending: PendingAppend): void {
    const signal = pending.signal;
    if (signal === undefined) return;
    const watched = this.#abortWatch.get(signal);
    if (watched === undefined || !watched.entries.delete(pending) || watched.entries.size > 0) return;
    this.#abortWatch.delete(signal);
    signal.removeEventListener('abort', watched.onAbort);
  }

  #settle(pending: PendingAppend, failure: PublishFailedError | undefined): void {
    this.#unwatchAbort(pending);
    pending.settle(failure);
    // nothing left to give up: the sweep would only keep the process alive
    if (this.#sweepTimer !== undefined && this.#inFlight.size === 0 && this.#waiting === 0) this.#disarmSweep();
    if (this.#progress !== undefined) {
      this.#progress.resolve();
      this.#progress = undefined;
    }
  }

  readonly #onReady = (): void => {
    if (this.#wasReady) this.#reconnects++;
    this.#wasReady = true;
    // a new connection: what the lost one failed to append goes at once
    this.#pausedUntil = 0;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#flush();
  };

  /** Sends what waits, oldest first: the retried entries, then the held ones, while the connection stays ready. */
  #flush(): void {
    if (this.#flushing || this.#waiting === 0 || !this.#client.isReady) return;
    if (performance.now() < this.#pausedUntil) return; // the retry timer flushes when the pause is over
    this.#flushing = true;
    const now = performance.now();
    try {
      const retry = this.#retry;
      this.#retry = [];
      const held = this.#held.slice(this.#heldStart);
      this.#held = [];
      this.#heldStart = 0;
      for (const pending of [...retry, ...held]) {
        if (pending.settled) continue;
        if (pending.deadline <= now) {
          this.#giveUp(pending, `Redis was not reachable within publishTimeoutMs (${this.#timeoutMs} ms)`);
          continue;
        }
        this.#dequeue(pending);
        this.#send(pending);
      }
    } finally {
      this.#flushing = false;
    }
  }
}

/** A promise with its `resolve`, for "wake me when something settled". */
function nextProgress(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
