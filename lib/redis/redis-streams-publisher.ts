import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { PublishFailedError } from '../errors/publish-failed-error';
import { BasePublisher } from '../publisher/base-publisher';
import type { EventModel } from '../publisher/event-model';
import type { Redactor } from '../redaction/redactor';
import { checkPlainObject } from '../util/validate';
import { createOwnClient } from './internal/redis-connection';
import { RedisStreamWriter, type WriterConnection } from './internal/redis-stream-writer';
import { encodeEventEntry } from './internal/stream-entry-codec';
import { registerStreamWriter } from './internal/stream-writers';
import type { RedisPublisherStats } from './redis-publisher-stats';
import { resolvePublisherOptions, type RedisStreamsPublisherOptions } from './redis-streams-publisher-options';

const LABEL = 'RedisStreamsPublisher';

/**
 * A publisher that appends every event to a Redis stream, for a view of many workers in one place (see
 * {@link RedisStreamsSubscriber}). It needs the optional peer dependency `redis` (node-redis 5 or 6), loaded when
 * the first publisher is created, never by importing this library.
 *
 * Each event becomes one entry, `XADD <stream> MAXLEN ~ <maxLen> * ...`, with the fields `kind` (`'event'`),
 * `type` (`'<event>.<eventType>'`, e.g. `'node_execution.end'`), `workerId`, `runId` and `threadId` (when set),
 * `v` (`'1'`, the layout version) and `json` (the whole event, redacted by the `redact` rules: graph state
 * included, secrets never reach the stream).
 *
 * **`await publish()` means published.** Its promise resolves once Redis acknowledged the `XADD`, and rejects
 * with a {@link PublishFailedError} (counted in {@link RedisStreamsPublisher.stats}) once the event was dropped or
 * failed, within `publishTimeoutMs` (default 5 s) of the call: never "resolved but not written". An append the
 * connection lost before the reply is sent again once it is back, and one Redis refused for a passing reason
 * (`LOADING`, `BUSY`, `OOM`...) again after a pause (50 ms doubling up to 1 s), within that bound.
 *
 * **Delivery is at least once.** An append whose reply was lost may have been written: sent again, the event is
 * in the stream twice, under two entry ids. Each entry carries the event (task events also their manager's
 * `seq`), and {@link RedisStreamsSubscriber}'s cluster view ignores a task event its worker's latest heartbeat
 * or an earlier copy already reflects; a consumer of `events$` that must not see an event twice keys on the event
 * itself (for task events, `workerId` and `seq`), not on the entry id. The same entry id is delivered again only
 * when a consumer did not acknowledge it (a crash between reading and `XACK`).
 *
 * **It never blocks a run and never holds more than a fixed amount.** `publishEvent()` calls `publish()` in a
 * background task of the manager: while Redis is slow, the tasks waiting for a reply hold manager slots, and
 * beyond `maxPendingTasks` the manager sheds the excess and counts it. While Redis is down, up to
 * `maxBuffered` events wait for it (appended in order once it is back; beyond that the oldest are dropped), each
 * for at most `publishTimeoutMs`. Drops and failures are logged at WARN at most every ten seconds, and
 * `publishEvent()` logs a {@link PublishFailedError} only at DEBUG (one ERROR per event during an outage would
 * flood the log).
 *
 * **Connection.** With `url` (default `REDIS_URL`, or `redis://127.0.0.1:6379`), the publisher creates its own
 * client, connects on the first publish, reconnects by itself after Redis restarts (50 ms doubling up to 1 s
 * between attempts), and logs its connection errors. With `client`, it uses yours as it is.
 *
 * **Closing.** `close()` stops taking events (later ones are dropped and counted), waits up to
 * `closeTimeoutMs` for the waiting and in-flight ones to reach Redis, drops what still waits and fails what is
 * still unanswered (counted; their `publish()` rejects), then closes
 * its own connection (a `client` you gave stays open). A compiled graph calls it from `close()`.
 *
 * @example
 * ```ts
 * const publisher = new RedisStreamsPublisher({ url: process.env.REDIS_URL, stream: 'agentflow:events' });
 * const graph = new StateGraph<State>({ publisher }).addNode('work', work).setEntryPoint('work').compile();
 * await graph.invoke({ input: 'hello' });
 * await graph.close(); // closes the publisher too
 * console.log(publisher.stats); // { published: 4, buffered: 0, inFlight: 0, dropped: 0, failed: 0, retries: 0, reconnects: 0 }
 * ```
 */
export class RedisStreamsPublisher extends BasePublisher {
  readonly #writer: RedisStreamWriter;
  readonly #stream: string;
  readonly #workerId: string;
  readonly #redactor: Redactor;

  /**
   * @param options - see {@link RedisStreamsPublisherOptions}; every field is optional.
   * @throws {@link InvalidArgumentError} when an option is not acceptable, or both `url` and `client` are given.
   * @throws {@link MissingPeerDependencyError} when no `client` is given and the `redis` package is not installed.
   */
  constructor(options: RedisStreamsPublisherOptions = {}) {
    checkPlainObject('options', options);
    const resolved = resolvePublisherOptions(options);
    super({ publishTimeoutMs: resolved.publishTimeoutMs });
    this.#stream = resolved.stream;
    this.#workerId = resolved.workerId;
    this.#redactor = resolved.redactor;
    const connection: WriterConnection =
      resolved.client === undefined
        ? {
            kind: 'own',
            client: createOwnClient(resolved.url, resolved.logger, LABEL, `agentflow:publisher:${resolved.workerId}`),
          }
        : { kind: 'borrowed', client: resolved.client };
    this.#writer = new RedisStreamWriter({ ...resolved, connection, label: `${LABEL} (stream '${resolved.stream}')` });
    registerStreamWriter(this, this.#writer);
  }

  /** The stream key it appends to. */
  get stream(): string {
    return this.#stream;
  }

  /** The `workerId` written with every entry (and the default of `mirrorTaskEvents()`). */
  get workerId(): string {
    return this.#workerId;
  }

  /** What became of the events handed to it so far (a fresh snapshot on each read); see {@link RedisPublisherStats}. */
  get stats(): RedisPublisherStats {
    return this.#writer.stats;
  }

  /**
   * Appends the event to the stream (see the class description): at once when connected, or once Redis is back.
   *
   * @param event - the event.
   * @param signal - when it aborts (the task timed out or was cancelled), the event is given up: dropped when it
   * was not sent yet, failed when it was. Any number of publishes may share one signal (one listener is added).
   * @returns a promise that resolves once Redis acknowledged the append.
   * @throws {@link PublishFailedError} (as a rejection) when the event was dropped or failed: its `outcome` says
   * which, and the event is counted in `stats` accordingly.
   * @throws {@link InvalidArgumentError} (as a rejection) when `event` is not an object.
   * @example
   * ```ts
   * await publisher.publish(createNodeExecutionEvent('summarize', 'end', { runId, threadId }));
   * // the entry is in the stream now: XRANGE agentflow:events - + shows it
   * ```
   */
  async publish(event: EventModel, signal?: AbortSignal): Promise<void> {
    if (typeof event !== 'object' || event === null) throw new InvalidArgumentError('event', 'an EventModel', event);
    // the deadline runs from the call, as the caller's own timeout does: encoding (redaction) comes out of it
    const deadline = this.#writer.nextDeadline();
    await this.#writer.append(encodeEventEntry(event, this.#workerId, this.#redactor), signal, deadline);
  }

  /**
   * Stops taking events, delivers what is held and in flight (up to `closeTimeoutMs`), and closes its own
   * connection; a `client` you gave stays open. Calling it again returns the same promise.
   *
   * @returns a promise that settles once the connection is released; it never rejects.
   * @example
   * ```ts
   * await publisher.close();
   * console.log(`published ${publisher.stats.published}, lost ${publisher.stats.dropped + publisher.stats.failed}`);
   * ```
   */
  override close(): Promise<void> {
    return this.#writer.close();
  }
}
