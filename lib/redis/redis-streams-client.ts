/**
 * The part of a node-redis client the Redis Streams classes use, described by its shape so that the library's
 * types need no `redis` package to compile: a client from `createClient()` of `redis` (5.x or 6.x) is one, as is
 * any object with the same methods.
 *
 * The publisher sends its appends on it; the subscriber reads on a duplicate (same server and credentials),
 * because `XREADGROUP BLOCK` holds a connection, and sends only its commands (`cancelTask()`, `cancelTasks()`: an
 * `XADD` to the control stream) on it.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const publisher = new RedisStreamsPublisher({ client });
 * ```
 */
export interface RedisStreamsClient {
  /** Whether the connection is open (connected or connecting). */
  readonly isOpen: boolean;
  /** Whether the connection is ready for commands. */
  readonly isReady: boolean;
  /** The options the client was created with (the subscriber's duplicate keeps its socket options). */
  readonly options?:
    | {
        /** The socket options (host, port, TLS, reconnect strategy). */
        readonly socket?: object;
      }
    | undefined;
  /** Sends a raw command; resolves with Redis's reply. */
  sendCommand(args: readonly string[], ...more: never[]): Promise<unknown>;
  /** A view of the client whose commands abort with `signal`. */
  withAbortSignal(signal: AbortSignal): {
    /** Sends a raw command that aborts (rejects, and leaves the connection usable) when `signal` does. */
    sendCommand(args: readonly string[], ...more: never[]): Promise<unknown>;
  };
  /** A new client to the same server (not connected yet). */
  duplicate(options?: object): RedisStreamsClient;
  /** Connects; resolves once ready. */
  connect(): Promise<unknown>;
  /** Closes gracefully, after pending replies. */
  close(): Promise<unknown>;
  /** Closes at once. */
  destroy(): unknown;
  /** Adds a listener for a connection event (`'error'`, `'ready'`, `'end'`). */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Adds a listener called once. */
  once(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes a listener. */
  off(event: string, listener: (...args: never[]) => void): unknown;
}
