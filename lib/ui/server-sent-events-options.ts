import type { ObservablePublisher } from '../publisher/observable-publisher';

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
  });
