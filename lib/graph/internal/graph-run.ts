import { inject } from '../../di/inject';
import { GraphError } from '../../errors/graph-error';
import { GraphRecursionError } from '../../errors/graph-recursion-error';
import { createGraphExecutionEvent, createNodeExecutionEvent, type EventFields } from '../../publisher/create-event';
import { publishEvent } from '../../publisher/publish-event';
import { Redactor } from '../../redaction/redactor';
import { END, START } from '../constants';
import type { GraphEvent } from '../graph-event';
import type { NodeUpdate } from '../graph-node';
import type { ResolvedRunConfig } from '../run-config';
import type { GraphStepWrapper } from '../graph-step-wrapper';
import type { TaskScope } from '../../tasks/task-scope';
import type { GraphSpec, NodeEntry } from './graph-spec';
import { runWrapped } from './step-wrappers';
import { raceSignal } from '../../util/race-signal';

/** Everything one run needs. It must execute inside the run's context (see `runScopeStorage`). */
export interface GraphRunPlan<S> {
  readonly spec: GraphSpec<S>;
  /** The starting state: the initial state with the input merged over it (a fresh object). */
  readonly state: S;
  readonly config: ResolvedRunConfig;
  /** The run's task scope: each node runs inside it, under its own name. */
  readonly scope: TaskScope;
  /** Receives the run's events as they happen (the stream's subscriber, or nothing for `invoke()`). */
  readonly emit: (event: GraphEvent<S>) => void;
  /** What instrumentations wrap each node's execution in (see `wrapGraphSteps()`). */
  readonly wrappers?: readonly GraphStepWrapper[];
  /** Told when a wrapper throws. */
  readonly wrapperFailed?: (error: unknown) => void;
}

/**
 * Executes one run, from `START` to `END`, and resolves to the final state.
 *
 * Each step is announced on `emit` and published through `publishEvent()` (graph start/end, node
 * start/end/error, graph error or interruption). Every wait (a node, a condition) is raced against the run's
 * signal, so an abort rejects at once with `signal.reason` even if a node ignores the signal.
 */
export async function executeGraphRun<S>(plan: GraphRunPlan<S>): Promise<S> {
  const { config, emit } = plan;
  const fields: EventFields = { runId: config.runId, threadId: config.threadId, userId: config.userId };
  let state = plan.state;
  let step = 0;

  emit({ type: 'graph_start', ...base(config), state });
  publishEvent(createGraphExecutionEvent('start', { ...fields, contentType: 'state', data: { state } }));
  try {
    let next = await nextNode(plan, START, state);
    while (next !== END) {
      config.signal.throwIfAborted();
      if (step >= config.recursionLimit) throw new GraphRecursionError(config.recursionLimit, config.runId, next);
      step += 1;
      state = await runNode(plan, plan.spec.nodes.get(next) as NodeEntry<S>, step, state, fields);
      next = await nextNode(plan, next, state);
    }
  } catch (error) {
    if (config.signal.aborted) {
      const reason: unknown = config.signal.reason;
      publishEvent(
        createGraphExecutionEvent('interrupted', { ...fields, content: Redactor.DEFAULT.describe(reason), metadata: { steps: step } }),
      );
      throw reason;
    }
    publishEvent(
      createGraphExecutionEvent('error', {
        ...fields,
        content: Redactor.DEFAULT.describe(error),
        contentType: 'error',
        metadata: { steps: step },
      }),
    );
    throw error;
  }
  emit({ type: 'graph_end', ...base(config), state, steps: step });
  publishEvent(
    createGraphExecutionEvent('end', { ...fields, contentType: 'state', data: { state }, metadata: { steps: step } }),
  );
  return state;
}

async function runNode<S>(
  plan: GraphRunPlan<S>,
  node: NodeEntry<S>,
  step: number,
  state: S,
  fields: EventFields,
): Promise<S> {
  const { config, emit } = plan;
  const metadata = { step };
  emit({ type: 'node_start', ...base(config), node: node.name, step, state });
  publishEvent(createNodeExecutionEvent(node.name, 'start', { ...fields, metadata }));
  let update: NodeUpdate<S>;
  try {
    config.signal.throwIfAborted(); // a subscriber may have unsubscribed on node_start
    const nodeStep = { kind: 'node' as const, runId: config.runId, threadId: config.threadId, node: node.name, step, signal: config.signal };
    update = await raceSignal(
      runWrapped(
        plan.wrappers,
        nodeStep,
        () => plan.scope.run(() => callNode(node, state, config), { nodeName: node.name }),
        plan.wrapperFailed ?? (() => undefined),
      ),
      config.signal,
    );
  } catch (error) {
    if (!config.signal.aborted) {
      emit({ type: 'node_error', ...base(config), node: node.name, step, error });
      publishEvent(
        createNodeExecutionEvent(node.name, 'error', { ...fields, content: Redactor.DEFAULT.describe(error), contentType: 'error', metadata }),
      );
    }
    throw error;
  }
  const next = applyUpdate(node.name, state, update);
  const delta = update ?? undefined;
  emit({ type: 'node_end', ...base(config), node: node.name, step, update: delta as Partial<S> | undefined, state: next });
  publishEvent(
    createNodeExecutionEvent(node.name, 'end', { ...fields, contentType: 'update', data: { update: delta }, metadata }),
  );
  return next;
}

/** Calls the node; a synchronous throw becomes a rejection. A class node is resolved from the run's container. */
async function callNode<S>(node: NodeEntry<S>, state: S, config: ResolvedRunConfig): Promise<NodeUpdate<S>> {
  if (node.kind === 'function') return node.fn(state, config);
  return inject(node.cls).run(state, config);
}

/** Where the run goes after `from`: its direct edge, its condition's choice, or `END` when it has no edge. */
async function nextNode<S>(plan: GraphRunPlan<S>, from: string, state: S): Promise<string> {
  const edge = plan.spec.outgoing.get(from);
  if (edge === undefined) return END;
  if (edge.kind === 'direct') return edge.to;
  const source = from === START ? 'START' : `'${from}'`;
  const result: unknown = await raceSignal(
    Promise.resolve().then(() => edge.condition(state, plan.config)),
    plan.config.signal,
  );
  if (typeof result !== 'string') {
    throw new GraphError(`The conditional edge from ${source} returned ${Redactor.DEFAULT.describe(result)}; it must return a string.`, {
      nodeName: from,
    });
  }
  if (edge.pathMap !== undefined) {
    const target = Object.hasOwn(edge.pathMap, result) ? edge.pathMap[result] : undefined;
    if (target === undefined) {
      throw new GraphError(
        `The conditional edge from ${source} returned '${result}', which has no mapping in its path map ` +
          `(known: ${Object.keys(edge.pathMap).map((key) => `'${key}'`).join(', ')}).`,
        { nodeName: from },
      );
    }
    return target;
  }
  if (result !== END && !plan.spec.nodes.has(result)) {
    throw new GraphError(
      `The conditional edge from ${source} returned '${result}', which is not a node of the graph (nor END); ` +
        'return a node name, or give addConditionalEdges() a path map.',
      { nodeName: from },
    );
  }
  return result;
}

/** The state after a node's update: unchanged for nothing, else the update shallow-merged over it. */
function applyUpdate<S>(nodeName: string, state: S, update: NodeUpdate<S>): S {
  if (update === undefined || update === null) return state;
  if (typeof update !== 'object' || Array.isArray(update)) {
    throw new GraphError(
      `Node '${nodeName}' returned ${Redactor.DEFAULT.describe(update)}; a node must return the state, a partial state, or nothing.`,
      { nodeName },
    );
  }
  return { ...state, ...update };
}

function base(config: ResolvedRunConfig): { runId: string; threadId: string | undefined; timestamp: number } {
  return { runId: config.runId, threadId: config.threadId, timestamp: Date.now() };
}
