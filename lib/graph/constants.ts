/**
 * The virtual node a run starts from: `addEdge(START, 'first')` is the same as `setEntryPoint('first')`, and
 * `addConditionalEdges(START, route)` picks the first node at run time.
 *
 * @example
 * ```ts
 * graph.addNode('plan', plan).addEdge(START, 'plan');
 * ```
 */
export const START = '__start__';

/**
 * The virtual node a run ends at: an edge to `END` ends the run, and a condition may return `END`.
 * A node with no outgoing edge also ends the run.
 *
 * @example
 * ```ts
 * graph.addConditionalEdges('agent', (state) => (state.done ? END : 'tools'));
 * ```
 */
export const END = '__end__';
