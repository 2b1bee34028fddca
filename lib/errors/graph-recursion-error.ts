import { AgentflowError } from './agentflow-error';

/**
 * Raised by a graph run that executed `recursionLimit` nodes without reaching `END`.
 *
 * @example
 * ```ts
 * try {
 *   await graph.invoke(input, { recursionLimit: 10 });
 * } catch (error) {
 *   if (error instanceof GraphRecursionError) console.log(error.recursionLimit, error.nodeName); // 10 'loop'
 * }
 * ```
 */
export class GraphRecursionError extends AgentflowError {
  /** The limit that was reached: the most nodes one run may execute. */
  readonly recursionLimit: number;
  /** The run's id. */
  readonly runId: string;
  /** The node that would have run next. */
  readonly nodeName: string;

  /**
   * @param recursionLimit - the limit that was reached.
   * @param runId - the run's id.
   * @param nodeName - the node that would have run next.
   */
  constructor(recursionLimit: number, runId: string, nodeName: string) {
    super(
      'GRAPH_RECURSION',
      `Graph run '${runId}' reached its recursion limit of ${recursionLimit} steps without reaching END ` +
        `(next node: '${nodeName}'). Check for a cycle with no exit, or raise \`recursionLimit\` ` +
        'in `compile()` or in the run config.',
    );
    this.name = 'GraphRecursionError';
    this.recursionLimit = recursionLimit;
    this.runId = runId;
    this.nodeName = nodeName;
  }
}
