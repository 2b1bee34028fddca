/**
 * Faults a {@link BackgroundTaskManager} absorbed, as `manager.stats` reports them. None of them changed a
 * task's outcome: they are counted so that an operator can see them.
 *
 * @example
 * ```ts
 * const { loggerFailures, callbackFailures } = manager.stats;
 * ```
 */
export interface ManagerStats {
  /** Log calls that failed: the logger threw (a stream closed during shutdown, say), or a line could not be built. */
  readonly loggerFailures: number;
  /** User callbacks that threw: subscribers of the streams and of `handle.events$`, Observable works' teardowns. */
  readonly callbackFailures: number;
}
