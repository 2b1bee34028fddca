/**
 * What a {@link RedisStreamsPublisher} did with the events handed to it, as `publisher.stats` reports it.
 *
 * Every event handed to it (by `publish()` or `mirrorTaskEvents()`) is in exactly one of the counts, so
 * `published + buffered + inFlight + dropped + failed` is the number handed to it. Events lost while Redis was
 * down are `dropped`; events sent but never acknowledged are `failed`. `publish()` rejects with a
 * {@link PublishFailedError} whose `outcome` names the count.
 *
 * @example
 * ```ts
 * const { published, dropped, failed } = publisher.stats;
 * if (dropped + failed > 0) console.warn(`lost ${dropped + failed} of ${published + dropped + failed} events`);
 * ```
 */
export interface RedisPublisherStats {
  /** Appended: Redis acknowledged the `XADD`. */
  readonly published: number;
  /** Held now, waiting for a connection (at most `maxBuffered`). */
  readonly buffered: number;
  /** Sent, waiting for Redis to reply. */
  readonly inFlight: number;
  /**
   * Never sent: evicted from a full buffer while Redis was not connected, still waiting when `publishTimeoutMs`
   * or `close()` ran out, cancelled (its signal aborted) before it was sent, or handed over after `close()`.
   */
  readonly dropped: number;
  /**
   * Sent but not acknowledged: Redis refused it for good (e.g. `WRONGTYPE`), no acknowledgement came within
   * `publishTimeoutMs` (retries included), or its signal aborted while it was being sent. Such an event may or
   * may not be in the stream.
   */
  readonly failed: number;
  /**
   * How many times an append was sent again: after the connection was lost before Redis replied (sent once it is
   * back), or after Redis refused it for a passing reason such as `LOADING` or `BUSY` (sent after a pause). Not an
   * event count: one event may be retried several times, and it still ends in one of the counts above.
   */
  readonly retries: number;
  /** How many times the connection became ready again after it had been ready and was lost. */
  readonly reconnects: number;
}
