/**
 * What a {@link RedisStreamsSubscriber} read so far (see its `stats`).
 *
 * @example
 * ```ts
 * const { delivered, undecodable, unknownReplies } = subscriber.stats;
 * ```
 */
export interface RedisSubscriberStats {
  /** Entries decoded and delivered (to `events$` and the cluster view). */
  readonly delivered: number;
  /** Entries it could not decode (written by something else, or damaged): skipped and acknowledged. */
  readonly undecodable: number;
  /** Replies of a shape neither RESP2 nor RESP3 gives: nothing was read from them. */
  readonly unknownReplies: number;
  /** Alive workers the cluster view gave up as lost because `maxWorkers` were alive when a new one appeared. */
  readonly evictedWorkers: number;
}
