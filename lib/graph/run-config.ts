/**
 * The configuration of one graph run, given to `invoke()` and `stream()`; every field is optional.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await graph.invoke({ input: 'hello' }, { threadId: 'thread-1', userId: 'alice', signal: controller.signal });
 * ```
 */
export interface RunConfig {
  /** The conversation thread; carried into events and available to nodes. */
  readonly threadId?: string;
  /** The run's id. Default: a new id from the graph's `IdGenerator`. */
  readonly runId?: string;
  /** The user the run is for; carried into events. */
  readonly userId?: string;
  /** The most nodes this run may execute (an integer >= 1). Default: the `recursionLimit` given to `compile()`. */
  readonly recursionLimit?: number;
  /**
   * Aborting it cancels the run: `invoke()` rejects with its reason, `stream()` errors with it, and the
   * background tasks of the run still in flight are cancelled.
   */
  readonly signal?: AbortSignal;
  /**
   * `true`: `invoke()` resolves (and `stream()` completes) only once every background task of the run has
   * settled (its task scope: see `RunContext.tasks`), whether the run succeeded or failed; their failures are
   * logged, never thrown. The caller's `signal` aborting while the run waits cancels them, and the call fails with
   * its reason. `{ timeoutMs }`: the same, giving up waiting after that many milliseconds. Default
   * `false`: the run ends with its last node and its tasks go on in the background.
   */
  readonly waitForTasks?: WaitForTasks;
}

/**
 * How long a run waits for its background tasks: `true` until they have all settled, `{ timeoutMs }` at most that
 * many milliseconds, `false` not at all. (`RunConfig.waitForTasks`, and the LangGraph.js adapter's.)
 *
 * @example
 * ```ts
 * const wait: WaitForTasks = { timeoutMs: 10_000 };
 * ```
 */
export type WaitForTasks =
  | boolean
  | {
      /** Give up waiting after this many milliseconds (finite, > 0). */
      readonly timeoutMs: number;
    };

/**
 * The configuration a node, a condition and `getRunContext()` see: the run's {@link RunConfig} with `runId`,
 * `recursionLimit` and `signal` always set. `signal` is the run's own: it aborts when the caller's signal does,
 * when the stream is unsubscribed, or when the graph is closed.
 *
 * @example
 * ```ts
 * async function fetchPage(state: State, config: ResolvedRunConfig): Promise<Partial<State>> {
 *   const response = await fetch(state.url, { signal: config.signal });
 *   return { page: await response.text() };
 * }
 * ```
 */
export interface ResolvedRunConfig extends Omit<RunConfig, 'waitForTasks'> {
  /** The run's id (given, or generated). */
  readonly runId: string;
  /** The run's recursion limit. */
  readonly recursionLimit: number;
  /** The run's signal. */
  readonly signal: AbortSignal;
}
