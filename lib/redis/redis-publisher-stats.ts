/**
 * What a {@link RedisStreamsPublisher} did with the events handed to it, as `publisher.stats` reports it.
 *
 * Every event handed to it (by `publish()` or `mirrorTaskEvents()`) is in exactly one of the counts, so
 * `published + buffered + inFlight + dropped + failed` is the number handed to it. Events lost while Redis was
 * down are `dropped`; events lost when the connection broke under them are `failed`.
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
   * Never sent: evicted from a full buffer while Redis was not connected, still held when `close()` gave up,
   * or handed over after `close()`.
   */
  readonly dropped: number;
  /**
   * Sent but not acknowledged: Redis replied with an error, the connection broke before the reply, or the
   * `publish()` task timed out or was cancelled. Such an event may or may not be in the stream.
   */
  readonly failed: number;
  /** How many times the connection became ready again after it had been ready and was lost. */
  readonly reconnects: number;
}
