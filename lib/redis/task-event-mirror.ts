/**
 * What a {@link TaskEventMirror} did so far.
 *
 * @example
 * ```ts
 * const { mirrored, dropped } = mirror.stats;
 * ```
 */
export interface TaskEventMirrorStats {
  /** Task events handed to the publisher (whose own `stats` say whether they reached Redis). */
  readonly mirrored: number;
  /** Task events waiting for the next batch. */
  readonly queued: number;
  /** Task events dropped because `maxQueued` were already waiting. */
  readonly dropped: number;
  /** Heartbeats queued so far (the first one when it started). */
  readonly heartbeats: number;
  /** Commands from viewers it applied (with `control: true`; each once, however often it was delivered). */
  readonly commandsApplied: number;
  /** Commands for it that it read after they expired, and ignored. */
  readonly commandsExpired: number;
  /**
   * Control-stream entries it would not apply: not a command of the known layout (written by something else, with
   * unknown fields, or damaged), or a command for an earlier instance of its worker (sent before it restarted).
   */
  readonly commandsRefused: number;
  /** Tasks it cancelled because a command asked. */
  readonly tasksCancelledByCommands: number;
}

/**
 * A running mirror of a manager's task events to a Redis stream, as {@link mirrorTaskEvents} returns it.
 *
 * @example
 * ```ts
 * await using mirror = mirrorTaskEvents(manager, publisher);
 * // ... run tasks; leaving the block stops the mirror after its last batch
 * ```
 */
export interface TaskEventMirror extends AsyncDisposable {
  /** What it did so far (a fresh snapshot on each read). */
  readonly stats: TaskEventMirrorStats;
  /** Whether `stop()` was called. */
  readonly stopped: boolean;
  /**
   * Stops mirroring: unsubscribes from the manager's `events$` and stops its heartbeats at once, queues a
   * `worker_stopped` entry (its counts and state: viewers show the worker as stopped, not lost), then hands what
   * is queued to the publisher and waits for the last batch. Calling it again returns the same promise. It does not close the
   * publisher.
   *
   * @returns a promise that settles once the last batch was handed over; it never rejects.
   * @example
   * ```ts
   * await manager.shutdown();
   * await mirror.stop();
   * await publisher.close();
   * ```
   */
  stop(): Promise<void>;
}
