/**
 * What a {@link TaskWorkObservable} reports to the task that owns the work.
 */
export interface WorkOwner {
  /** The signal a work function is called with. */
  readonly signal: AbortSignal;
  /**
   * The work has stopped: it finished, failed, or was unsubscribed. `result` is given when it settled by
   * itself, so that work which outlived its task (detached work) can still have its outcome logged.
   */
  workStopped(result?: WorkResult): void;
}

/** How a piece of work settled. */
export type WorkResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };
