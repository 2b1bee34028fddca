import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { CompiledGraph } from './compiled-graph';
import type { GraphStepWrapper } from './graph-step-wrapper';
import { stepWrapperAccess } from './internal/step-wrappers';

/**
 * Makes `wrapper` take part in every run of `graph` from now on, and in each node's execution (see
 * {@link GraphStepWrapper}): how a tracer gives a span to each run and each node, inside which the node runs (so
 * the tasks a node creates are the node span's children). Wrappers added later run inside earlier ones. With no
 * wrapper, a run pays one field check per step.
 *
 * @param graph - the compiled graph.
 * @param wrapper - the wrapper.
 * @returns a function that removes it (idempotent).
 * @throws {@link InvalidArgumentError} when `graph` is not a compiled graph or `wrapper` not a function.
 * @example
 * ```ts
 * const remove = wrapGraphSteps(app, (step, proceed) => {
 *   proceed().then(() => console.log(`${step.kind} ${step.node ?? step.runId} done`), () => undefined);
 * });
 * ```
 */
export function wrapGraphSteps<S extends object>(graph: CompiledGraph<S>, wrapper: GraphStepWrapper): () => void {
  if (!(graph instanceof CompiledGraph)) throw new InvalidArgumentError('graph', 'a compiled graph (StateGraph.compile())', graph);
  if (typeof wrapper !== 'function') throw new InvalidArgumentError('wrapper', 'a function (step, proceed) => void', wrapper);
  const add = stepWrapperAccess.add;
  if (add === undefined) throw new Error('CompiledGraph did not initialise its step wrappers');
  return add(graph, wrapper);
}
