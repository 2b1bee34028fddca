import type { ResolvedRunConfig } from './run-config';

/**
 * Decides where a run goes after a node: it returns a key of the path map, or, without a path map, the name of
 * the next node (or `END`). It may be async.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * const route: EdgeCondition<State> = (state) => (state.toolCalls.length > 0 ? 'tools' : END);
 * graph.addConditionalEdges('agent', route);
 * ```
 */
export type EdgeCondition<S> = (state: S, config: ResolvedRunConfig) => string | PromiseLike<string>;

/**
 * The targets of a conditional edge: an object mapping each result of the condition to a node (or `END`), or a
 * list of the node names the condition may return. With a path map, `compile()` checks every target, and a
 * result with no mapping fails the run with a `GraphError`.
 *
 * @example
 * ```ts
 * graph.addConditionalEdges('agent', (state) => (state.done ? 'finish' : 'continue'), { continue: 'tools', finish: END });
 * graph.addConditionalEdges('triage', (state) => state.kind, ['billing', 'support']);
 * ```
 */
export type PathMap = Readonly<Record<string, string>> | readonly string[];
