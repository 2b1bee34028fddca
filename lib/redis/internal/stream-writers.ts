import type { RedisStreamWriter } from './redis-stream-writer';

/**
 * The writer behind each `RedisStreamsPublisher`, for `mirrorTaskEvents()`, which appends batches through it
 * without that becoming a public method of the publisher.
 */
const writers = new WeakMap<object, RedisStreamWriter>();

/** Records `writer` as the one behind `publisher`. */
export function registerStreamWriter(publisher: object, writer: RedisStreamWriter): void {
  writers.set(publisher, writer);
}

/** The writer behind `publisher`, or `undefined` when it is not a `RedisStreamsPublisher`. */
export function streamWriterOf(publisher: unknown): RedisStreamWriter | undefined {
  if (typeof publisher !== 'object' || publisher === null) return undefined;
  return writers.get(publisher);
}
