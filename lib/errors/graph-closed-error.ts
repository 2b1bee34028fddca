import { AgentflowError } from './agentflow-error';

/**
 * The error of a run on a compiled graph that is closed: `invoke()` rejects with it and `stream()` errors with
 * it after `close()`, and a run still in progress when `close()` is called is interrupted with it.
 *
 * @example
 * ```ts
 * await graph.close();
 * await graph.invoke(input).catch((error: GraphClosedError) => console.log(error.code)); // 'GRAPH_CLOSED'
 * ```
 */
export class GraphClosedError extends AgentflowError {
  /** The id of the run that was interrupted by `close()`, or `undefined` for a run refused after it. */
  readonly runId: string | undefined;

  /**
   * @param runId - the run interrupted by `close()`; omit it for a run refused because the graph is closed.
   */
  constructor(runId?: string) {
    super(
      'GRAPH_CLOSED',
      runId === undefined
        ? 'This compiled graph is closed and accepts no new runs; compile the StateGraph again to get a new one.'
        : `Graph run '${runId}' was interrupted: the compiled graph was closed while it ran.`,
    );
    this.name = 'GraphClosedError';
    this.runId = runId;
  }
}
