import { AgentflowError } from './agentflow-error';

/**
 * Thrown when a graph is not valid: by `compile()` for its structure (unknown or unreachable nodes, duplicate
 * names, no entry point, `END` as a source...), and during a run when a node returns something that is not a
 * state, or a conditional edge returns a result that maps to no node. The message names the node.
 *
 * @example
 * ```ts
 * try {
 *   new StateGraph<State>().addNode('a', a).addEdge('a', 'b').setEntryPoint('a').compile();
 * } catch (error) {
 *   if (error instanceof GraphError) console.log(error.nodeName); // 'b'
 * }
 * ```
 */
export class GraphError extends AgentflowError {
  /** The node the problem is about, when there is one. */
  readonly nodeName: string | undefined;

  /**
   * @param message - what is wrong and how to fix it, naming the node.
   * @param options - `nodeName`: the node concerned; `cause`: the underlying error.
   */
  constructor(message: string, options?: { nodeName?: string; cause?: unknown }) {
    super('GRAPH_INVALID', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GraphError';
    this.nodeName = options?.nodeName;
  }
}
