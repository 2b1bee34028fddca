import { isObservable } from 'rxjs';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { ObservablePublisher } from '../publisher/observable-publisher';
import { checkDelay, checkNonNegativeInteger, checkPlainObject, checkPositiveInteger, readOptions } from '../util/validate';

/**
 * Options of {@link toServerSentEvents}; every field is optional.
 *
 * @example
 * ```ts
 * const publisher = new ObservablePublisher();
 * const events = toServerSentEvents(manager, { publisher, heartbeatMs: 10_000, retryMs: 1_000 });
 * ```
 */
export interface ServerSentEventsOptions {
  /**
   * Where graph events come from: each event published on its `events$` is sent as an `event: graph`
   * (with an id, replayable like task events). Default: none.
   */
  readonly publisher?: Pick<ObservablePublisher, 'events$'>;
  /**
   * How often, in milliseconds, each connection writes a `: ping` comment so that proxies and load balancers
   * keep an idle stream open; 0 writes none. Default `15_000`.
   */
  readonly heartbeatMs?: number;
  /** The `retry:` sent first: how many milliseconds a browser waits before it reconnects. Default `3_000`. */
  readonly retryMs?: number;
  /**
   * How many recent task and graph events the handler keeps to replay to a client that reconnects with
   * `Last-Event-ID` (or falls behind); a client whose last id is older gets a fresh snapshot. 0 keeps none.
   * Default `1_000`.
   */
  readonly bufferSize?: number;
  /**
   * How long, in milliseconds, the handler stays subscribed to the manager after its last client left, so
   * that a browser reconnecting meanwhile is replayed what it missed instead of sent a new snapshot.
   * 0 unsubscribes at once. Default `30_000`. `close()` unsubscribes at once regardless.
   */
  readonly lingerMs?: number;
  /**
   * The most bytes of events the handler keeps to replay (with `bufferSize`, whichever is reached first): the
   * oldest are let go beyond it, and an event larger than it is not kept (a client that missed it gets a
   * snapshot). Default `8_388_608` (8 MiB).
   */
  readonly bufferBytes?: number;
  /**
   * The most clients connected at once; one more is answered `503 Service Unavailable` with a `Retry-After`
   * of `retryMs` (rounded up to seconds), and counted in `stats.refused`. 0: no cap. Default `1_000`.
   */
  readonly maxClients?: number;
  /**
   * How many bytes may wait in one client's response buffer: past it, the client is *stalled* and gets nothing
   * more until its socket drains, when it catches up from the replay buffer (or a snapshot). Default
   * `1_048_576` (1 MiB, about 2,000 task events). What a slow client costs is bounded by it.
   */
  readonly maxBufferedBytes?: number;
  /**
   * How long, in milliseconds, a client may stay stalled: then it is disconnected and counted in
   * `stats.dropped`, as nginx and Envoy drop a consumer that does not read (its browser reconnects, and
   * catches up through `Last-Event-ID` or a snapshot). 0 never drops a client. Default `10_000`.
   */
  readonly stallTimeoutMs?: number;
  /**
   * The largest JSON size, in bytes, of one value inside a frame (a context field, a piece of graph state, an
   * error's cause): a larger one is replaced by `'[Truncated: 1.0 MB]'` (its size). A top-level field (a whole
   * context, an event's `data`) may take 16 times as much. So a frame has a bounded size whatever a context
   * holds. Default `65_536` (64 KiB).
   */
  readonly maxFieldBytes?: number;
}

/**
 * The defaults of {@link ServerSentEventsOptions}.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_SERVER_SENT_EVENTS_OPTIONS.heartbeatMs); // 15000
 * ```
 */
export const DEFAULT_SERVER_SENT_EVENTS_OPTIONS: Readonly<Required<Omit<ServerSentEventsOptions, 'publisher'>>> =
  Object.freeze({
    heartbeatMs: 15_000,
    retryMs: 3_000,
    bufferSize: 1_000,
    lingerMs: 30_000,
    bufferBytes: 8 * 1024 * 1024,
    maxClients: 1_000,
    maxBufferedBytes: 1024 * 1024,
    stallTimeoutMs: 10_000,
    maxFieldBytes: 64 * 1024,
  });

/** {@link ServerSentEventsOptions} checked, with every default filled in. */
export interface ResolvedServerSentEventsOptions extends Readonly<Required<Omit<ServerSentEventsOptions, 'publisher'>>> {
  readonly publisher: ServerSentEventsOptions['publisher'];
}

/**
 * Checks the options of {@link toServerSentEvents} once and fills in their defaults.
 *
 * @throws {@link InvalidArgumentError} when an option is not acceptable; the message names it and the value.
 */
export function resolveServerSentEventsOptions(given: ServerSentEventsOptions): ResolvedServerSentEventsOptions {
  checkPlainObject('options', given);
  const options = readOptions('options', given, [
    'publisher',
    'heartbeatMs',
    'retryMs',
    'bufferSize',
    'lingerMs',
    'bufferBytes',
    'maxClients',
    'maxBufferedBytes',
    'stallTimeoutMs',
    'maxFieldBytes',
  ]);
  checkDelay('heartbeatMs', options.heartbeatMs);
  checkNonNegativeInteger('retryMs', options.retryMs);
  checkNonNegativeInteger('bufferSize', options.bufferSize);
  checkDelay('lingerMs', options.lingerMs);
  checkNonNegativeInteger('bufferBytes', options.bufferBytes);
  checkNonNegativeInteger('maxClients', options.maxClients);
  checkPositiveInteger('maxBufferedBytes', options.maxBufferedBytes);
  checkDelay('stallTimeoutMs', options.stallTimeoutMs);
  checkInteger('maxFieldBytes', options.maxFieldBytes, MIN_FIELD_BYTES);
  checkPublisher(options.publisher);
  const defaults = DEFAULT_SERVER_SENT_EVENTS_OPTIONS;
  return {
    heartbeatMs: options.heartbeatMs ?? defaults.heartbeatMs,
    retryMs: options.retryMs ?? defaults.retryMs,
    bufferSize: options.bufferSize ?? defaults.bufferSize,
    lingerMs: options.lingerMs ?? defaults.lingerMs,
    bufferBytes: options.bufferBytes ?? defaults.bufferBytes,
    maxClients: options.maxClients ?? defaults.maxClients,
    maxBufferedBytes: options.maxBufferedBytes ?? defaults.maxBufferedBytes,
    stallTimeoutMs: options.stallTimeoutMs ?? defaults.stallTimeoutMs,
    maxFieldBytes: options.maxFieldBytes ?? defaults.maxFieldBytes,
    publisher: options.publisher,
  };
}

/** The smallest `maxFieldBytes`: room for a marker and a short value. */
const MIN_FIELD_BYTES = 64;

function checkInteger(argument: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || (value as number) < min) throw new InvalidArgumentError(argument, `an integer >= ${min}`, value);
}

function checkPublisher(publisher: unknown): void {
  if (publisher === undefined) return;
  const candidate = publisher as { events$?: unknown } | null;
  if (typeof candidate === 'object' && candidate !== null && isObservable(candidate.events$)) return;
  const expected = 'an ObservablePublisher (an object with an `events$` Observable)';
  throw new InvalidArgumentError('publisher', expected, publisher);
}
