/**
 * What a server-sent-events handler has done so far (a fresh snapshot on each read of
 * {@link ServerSentEventsHandler.stats}).
 *
 * @example
 * ```ts
 * const events = toServerSentEvents(manager);
 * setInterval(() => console.log(events.stats), 10_000); // { clients: 3, dropped: 0, refused: 0, ... }
 * ```
 */
export interface ServerSentEventsStats {
  /** Clients connected now. */
  readonly clients: number;
  /** Clients disconnected because they stayed stalled longer than `stallTimeoutMs` (they did not read). */
  readonly dropped: number;
  /** Requests answered `503` because `maxClients` clients were connected. */
  readonly refused: number;
  /** Bytes written to clients, every frame, comment and heartbeat included. */
  readonly bytesSent: number;
  /** Events written again from the replay buffer, to clients that reconnected or caught up after a stall. */
  readonly replayed: number;
  /** Snapshots written (each client's first one, and to clients too far behind for the replay buffer). */
  readonly snapshots: number;
  /** Snapshots built: one serves every client that needs it until the next change. */
  readonly snapshotsBuilt: number;
}
