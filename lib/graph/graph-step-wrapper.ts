/**
 * One step of a graph run a {@link GraphStepWrapper} is told about: the run as a whole (`kind: 'run'`), or one
 * node's execution (`kind: 'node'`).
 *
 * @example
 * ```ts
 * const label = (step: GraphStep) => (step.kind === 'run' ? `run ${step.runId}` : `node ${step.node} (#${step.step})`);
 * ```
 */
export interface GraphStep {
  /** The run as a whole, or one node's execution. */
  readonly kind: 'run' | 'node';
  /** The run's id. */
  readonly runId: string;
  /** The run's thread, when it has one. */
  readonly threadId: string | undefined;
  /** The node's name (`kind: 'node'` only). */
  readonly node?: string;
  /** The node's step number in the run, from 1 (`kind: 'node'` only). */
  readonly step?: number;
  /** The run's signal: aborted when the run is cancelled (its `reason` says why). */
  readonly signal: AbortSignal;
}

/**
 * How an instrumentation takes part in a graph's runs and node executions: called when the run (or the node)
 * begins, in the async context of the caller, with `proceed`, which it calls once, synchronously, inside the async
 * context the step should run in (OpenTelemetry's `context.with(spanContext, proceed)`), and which returns the
 * step's promise (to watch for its end). The graph goes on with the step's own promise, whatever the wrapper returns.
 *
 * A wrapper that throws, or returns without calling `proceed`, is logged and the step proceeds all the same, in
 * the caller's context: it never changes a run's result. See `wrapGraphSteps()`.
 *
 * @example
 * ```ts
 * const wrapper: GraphStepWrapper = (step, proceed) => {
 *   const started = performance.now();
 *   proceed().finally(() => console.log(step.kind, step.node, performance.now() - started)).catch(() => undefined);
 * };
 * ```
 */
export type GraphStepWrapper = (step: GraphStep, proceed: () => Promise<unknown>) => void;
