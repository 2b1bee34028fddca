import { setTimeout as sleep } from 'node:timers/promises';
import type { LogSink } from '../../logging/guarded-logger';
import { RateLimitedWarning } from '../../logging/rate-limited-warning';
import type { RedisStreamsClient } from '../redis-streams-client';
import type { ResolvedSubscriberOptions } from '../redis-streams-subscriber-options';
import { destroyQuietly, releaseOwnClient, startConnecting, waitForReady } from './redis-connection';
import {
  isBusyGroupError,
  isNoGroupError,
  parseAutoClaimReply,
  parseInfoListReply,
  parseReadGroupReply,
  type RawStreamEntry,
} from './redis-stream-replies';

/** How often, at most, read errors and undecodable entries are logged. */
const WARNING_INTERVAL_MS = 10_000;
/** The pause after a failed command before the next attempt. */
const RETRY_DELAY_MS = 250;
/**
 * A consumer that read within this is a live reader (the control reader reads at least every second; a blocking
 * read that times out does not renew a consumer on Redis 7.0, so a reader that only blocks looks idle sooner).
 */
export const LIVE_READER_MS = 3_000;
/** How long `stop()` lets a command in flight finish before it drops the connection. */
const STOP_GRACE_MS = 1_000;
/** The most `XAUTOCLAIM` calls in one claiming round, so that a huge pending list cannot starve new entries. */
const MAX_CLAIM_CALLS = 10;

/** What a read loop's decoder gives for one raw entry: the entry, or why it cannot be read. */
export type Decoded<T> = { readonly entry: T } | { readonly problem: string };

/** How a {@link StreamReadLoop} reads: the subscriber's resolved options, and what the loop is handed. */
export interface ReadLoopSettings<T>
  extends Pick<
    ResolvedSubscriberOptions,
    'stream' | 'group' | 'consumer' | 'startId' | 'count' | 'blockMs' | 'minIdleMs' | 'claimIntervalMs'
  > {
  readonly logger: LogSink;
  /** A new, unconnected client of the loop's own; the loop connects it and releases it when it ends. */
  readonly client: RedisStreamsClient;
  readonly label: string;
  /** Receives each decoded entry, in order. */
  readonly deliver: (entry: T) => void;
  /** Turns a raw entry into what `deliver` takes; it never throws. */
  readonly decode: (raw: RawStreamEntry) => Decoded<T>;
  /** Called after the entries of one reply were delivered, before they are acknowledged. */
  readonly batchDelivered: () => void;
  /** What the loop counts, kept by its owner across loops: entries it could not decode, replies of no known shape. */
  readonly counters: ReadCounters;
  /**
   * Whether the group is made anew when the loop starts (`XGROUP DESTROY`, then created at `startId`): whatever an
   * earlier reader under that group left unread or unacknowledged is dropped. Default: the group is kept. A group
   * one of whose consumers read within the last {@link LIVE_READER_MS} belongs to a live reader of another
   * process: it is kept, and `groupInUse` is told.
   */
  readonly fresh?: boolean;
  /** Told when a `fresh` loop found its group in use by a live reader (see `fresh`). */
  readonly groupInUse?: () => void;
  /**
   * How often the loop reads its own pending entries again (a non-blocking read), in milliseconds; default only
   * when it starts. Besides picking up what it failed to acknowledge, such a read renews the consumer's idle time,
   * which a blocking read that times out does not do on Redis 7.0 (7.2 changed that).
   */
  readonly rereadPendingMs?: number;
}

/** What a read loop counts (see {@link ReadLoopSettings.counters}). */
export interface ReadCounters {
  undecodable: number;
  unknownReplies: number;
}

/**
 * One run of reading a stream as a member of a consumer group, on a connection of its own, until `stop()`:
 *
 * 1. create the group (`XGROUP CREATE ... MKSTREAM`; an existing group is fine), again whenever Redis says
 *    it is gone (`NOGROUP`, as after a restart without persistence), then from the last entry it read;
 * 2. read this consumer's own pending entries first (delivered earlier, never acknowledged: a previous run
 *    stopped or crashed before acknowledging them), then new ones with `XREADGROUP ... BLOCK`;
 * 3. every `claimIntervalMs`, take over entries pending longer than `minIdleMs` on any consumer (`XAUTOCLAIM`);
 * 4. deliver each entry (undecodable ones are logged and skipped), then `XACK` the delivered ones; an
 *    acknowledgement that fails is retried before the next read.
 *
 * Delivery is at least once: an entry delivered but not yet acknowledged when the connection broke is delivered
 * again. While Redis is unreachable, the loop waits for node-redis to reconnect. `stop()` ends a blocked read at
 * once by destroying the connection; otherwise the loop finishes the entries in hand, acknowledges them, and
 * closes the connection.
 */
export class StreamReadLoop<T> {
  readonly #settings: ReadLoopSettings<T>;
  readonly #client: RedisStreamsClient;
  readonly #abort = new AbortController();
  readonly #warning: RateLimitedWarning;
  readonly #done: Promise<void>;
  #stopped = false;
  #blocking = false;
  /** The id of the last new entry this loop read: where its group is made again if Redis loses it. */
  #lastReadId: string | undefined;
  /** Set once a `fresh` loop destroyed the old group. */
  #renewed = false;
  #unacknowledged: string[] = [];

  constructor(settings: ReadLoopSettings<T>) {
    this.#settings = settings;
    this.#client = settings.client;
    this.#warning = new RateLimitedWarning(settings.logger, WARNING_INTERVAL_MS);
    startConnecting(this.#client);
    this.#done = this.#run();
  }

  /** Stops reading and releases the connection; the promise settles once both are done. Never rejects. */
  stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#abort.abort();
      if (this.#blocking) destroyQuietly(this.#client);
      else {
        // A command in flight (an XACK, a claim) that never gets its reply would hold the loop, and whoever waits for
        // stop(), for ever: after a grace period the connection is dropped, which ends it.
        const grace = setTimeout(() => destroyQuietly(this.#client), STOP_GRACE_MS);
        void this.#done.finally(() => clearTimeout(grace));
      }
    }
    return this.#done;
  }

  async #run(): Promise<void> {
    try {
      await this.#loop();
    } finally {
      await releaseOwnClient(this.#client);
    }
  }

  async #loop(): Promise<void> {
    let groupReady = false;
    let pendingCursor: string | undefined = '0';
    let lastClaimAt = -Infinity;
    let lastPendingReadAt = performance.now();
    while (!this.#stopped) {
      try {
        if (!this.#client.isReady) {
          await waitForReady(this.#client, this.#abort.signal);
          continue;
        }
        if (!groupReady) {
          await this.#createGroup();
          groupReady = true;
        }
        await this.#acknowledge();
        if (performance.now() - lastClaimAt >= this.#settings.claimIntervalMs) {
          lastClaimAt = performance.now();
          await this.#claim();
          continue;
        }
        if (pendingCursor !== undefined) {
          pendingCursor = await this.#readOwnPending(pendingCursor);
          if (pendingCursor === undefined) lastPendingReadAt = performance.now();
          continue;
        }
        if (performance.now() - lastPendingReadAt >= (this.#settings.rereadPendingMs ?? Infinity)) {
          pendingCursor = '0';
          continue;
        }
        await this.#readNew();
      } catch (error) {
        if (this.#stopped) return;
        if (isNoGroupError(error)) {
          // Redis lost the group (a restart without persistence): its pending entries went with it.
          groupReady = false;
          pendingCursor = '0';
          this.#unacknowledged = [];
          continue;
        }
        this.#warning.warn(() => `${this.#settings.label}: reading the stream failed, retrying: ${this.#settings.logger.describe(error)}`);
        await sleep(RETRY_DELAY_MS, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
    }
  }

  async #createGroup(): Promise<void> {
    const { stream, group, startId } = this.#settings;
    if (this.#settings.fresh === true && !this.#renewed) {
      if (await this.#groupInUse(stream, group)) this.#settings.groupInUse?.();
      else {
        await this.#client.sendCommand(['XGROUP', 'DESTROY', stream, group]).catch((error: unknown) => {
          if (!isNoGroupError(error) && !/no such key|requires the key to exist/i.test(String((error as Error)?.message))) throw error;
        });
      }
      this.#renewed = true;
    }
    // Made again after Redis lost it (or another process removed it): from the last entry this loop read, so that
    // what was appended meanwhile is still delivered (at worst again, to a group several consumers share).
    const from = this.#lastReadId ?? startId;
    try {
      await this.#client.sendCommand(['XGROUP', 'CREATE', stream, group, from, 'MKSTREAM']);
    } catch (error) {
      if (!isBusyGroupError(error)) throw error;
    }
    // Where the group starts, so that it can be made again from there if Redis loses it before this loop reads.
    if (this.#lastReadId === undefined) this.#lastReadId = await this.#groupPosition(stream, group);
    // The consumer exists from now on (Redis 7.0 makes it only at its first read that returns entries), so that its
    // idle time tells how long ago this loop last read, as the control stream's housekeeping needs.
    await this.#client.sendCommand(['XGROUP', 'CREATECONSUMER', stream, group, this.#settings.consumer]).catch(() => undefined);
  }

  /** Whether a consumer of the group read within {@link LIVE_READER_MS} (another live process reads it). */
  async #groupInUse(stream: string, group: string): Promise<boolean> {
    try {
      const consumers = parseInfoListReply(await this.#client.sendCommand(['XINFO', 'CONSUMERS', stream, group])) ?? [];
      return consumers.some((consumer) => String(consumer.get('name')) !== this.#settings.consumer && Number(consumer.get('idle')) < LIVE_READER_MS);
    } catch {
      return false; // no such group or stream yet
    }
  }

  /** The group's last delivered id (`XINFO GROUPS`), or `undefined` when it cannot be read. */
  async #groupPosition(stream: string, group: string): Promise<string | undefined> {
    try {
      const groups = parseInfoListReply(await this.#client.sendCommand(['XINFO', 'GROUPS', stream])) ?? [];
      const found = groups.find((info) => String(info.get('name')) === group)?.get('last-delivered-id');
      return found === undefined || found === null ? undefined : String(found);
    } catch {
      return undefined;
    }
  }

  /** Reads this consumer's pending entries after `cursor`; returns the next cursor, `undefined` when none are left. */
  async #readOwnPending(cursor: string): Promise<string | undefined> {
    const { stream, group, consumer, count } = this.#settings;
    const reply = await this.#client.sendCommand(['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), 'STREAMS', stream, cursor]);
    const entries = parseReadGroupReply(reply);
    if (entries === undefined) {
      this.#unknownReply('XREADGROUP', reply);
      return undefined;
    }
    if (entries.length === 0) return undefined;
    await this.#handle(entries);
    return entries[entries.length - 1]?.id;
  }

  async #readNew(): Promise<void> {
    const { stream, group, consumer, count, blockMs } = this.#settings;
    this.#blocking = true;
    let reply: unknown;
    try {
      reply = await this.#client.sendCommand([
        'XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), 'BLOCK', String(blockMs), 'STREAMS', stream, '>',
      ]);
    } finally {
      this.#blocking = false;
    }
    const entries = parseReadGroupReply(reply);
    if (entries === undefined) {
      this.#unknownReply('XREADGROUP', reply);
      await sleep(RETRY_DELAY_MS, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      return;
    }
    const last = entries.at(-1);
    if (last !== undefined) this.#lastReadId = last.id;
    await this.#handle(entries);
  }

  /**
   * A reply of no known shape (a client or protocol this library does not read): counted, and logged at ERROR the
   * first time (a loop that reads nothing must say why), never taken for "no entries" in silence.
   */
  #unknownReply(command: string, reply: unknown): void {
    const counters = this.#settings.counters;
    counters.unknownReplies++;
    if (counters.unknownReplies > 1) return;
    this.#settings.logger.error(
      `${this.#settings.label}: cannot read the ${command} reply (${this.#settings.logger.describe(reply)}): ` +
        'a reply shape of neither RESP2 nor RESP3; nothing is read from it (counted in stats.unknownReplies)',
    );
  }

  /** Takes over entries that other consumers (presumably dead) left pending longer than `minIdleMs`. */
  async #claim(): Promise<void> {
    const { stream, group, consumer, count, minIdleMs } = this.#settings;
    let cursor = '0-0';
    for (let call = 0; call < MAX_CLAIM_CALLS && !this.#stopped; call++) {
      const reply = await this.#client.sendCommand(['XAUTOCLAIM', stream, group, consumer, String(minIdleMs), cursor, 'COUNT', String(count)]);
      const parsed = parseAutoClaimReply(reply);
      if (parsed === undefined) {
        this.#unknownReply('XAUTOCLAIM', reply);
        return;
      }
      const { nextCursor, entries } = parsed;
      await this.#handle(entries);
      if (nextCursor === '0-0') return;
      cursor = nextCursor;
    }
  }

  /** Delivers the entries until stopped, then acknowledges the ones delivered (and the undecodable ones). */
  async #handle(entries: readonly RawStreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    let delivered = 0;
    for (const raw of entries) {
      if (this.#stopped) break;
      const result = this.#settings.decode(raw);
      if ('entry' in result) this.#settings.deliver(result.entry);
      else {
        this.#settings.counters.undecodable++;
        this.#warning.warn(() => `${this.#settings.label}: skipped an entry it cannot decode: ${result.problem}`);
      }
      this.#unacknowledged.push(raw.id);
      delivered++;
    }
    if (delivered > 0) this.#settings.batchDelivered();
    await this.#acknowledge();
  }

  async #acknowledge(): Promise<void> {
    if (this.#unacknowledged.length === 0) return;
    const { stream, group } = this.#settings;
    await this.#client.sendCommand(['XACK', stream, group, ...this.#unacknowledged]);
    this.#unacknowledged = [];
  }
}
