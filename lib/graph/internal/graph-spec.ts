import { GraphError } from '../../errors/graph-error';
import { END, START } from '../constants';
import type { EdgeCondition } from '../edge-condition';
import type { NodeClass, NodeFunction } from '../graph-node';

/** A node as the builder recorded it. */
export type NodeEntry<S> =
  | { readonly name: string; readonly kind: 'function'; readonly fn: NodeFunction<S> }
  | { readonly name: string; readonly kind: 'class'; readonly cls: NodeClass<S> };

/** An edge as the builder recorded it; a path map given as a list is kept as a name-to-itself map. */
export type EdgeEntry<S> =
  | { readonly from: string; readonly kind: 'direct'; readonly to: string }
  | {
      readonly from: string;
      readonly kind: 'conditional';
      readonly condition: EdgeCondition<S>;
      readonly pathMap: Readonly<Record<string, string>> | undefined;
    };

/** A validated, frozen graph: what a compiled graph runs. */
export interface GraphSpec<S> {
  readonly nodes: ReadonlyMap<string, NodeEntry<S>>;
  /** The one outgoing edge of `START` and of each node that has one. */
  readonly outgoing: ReadonlyMap<string, EdgeEntry<S>>;
}

/**
 * Checks the whole graph once and freezes it. Each failure is a {@link GraphError} naming the node: a reserved
 * or duplicate name, an edge from `END` or to `START`, an edge from or to an unknown node, two outgoing edges
 * from one node, no entry point, an unreachable node.
 */
export function buildGraphSpec<S>(nodeList: readonly NodeEntry<S>[], edgeList: readonly EdgeEntry<S>[]): GraphSpec<S> {
  const nodes = new Map<string, NodeEntry<S>>();
  for (const node of nodeList) {
    if (node.name === START || node.name === END) {
      throw new GraphError(`'${node.name}' is reserved for START/END and cannot name a node; rename the node.`, {
        nodeName: node.name,
      });
    }
    if (nodes.has(node.name)) {
      throw new GraphError(`Node '${node.name}' was added twice; node names must be unique.`, { nodeName: node.name });
    }
    nodes.set(node.name, node);
  }
  if (nodes.size === 0) throw new GraphError('The graph has no nodes; add one with addNode(name, node).');

  const outgoing = new Map<string, EdgeEntry<S>>();
  for (const edge of edgeList) {
    checkEdge(edge, nodes);
    if (outgoing.has(edge.from)) {
      const source = edge.from === START ? 'START (the entry point)' : `Node '${edge.from}'`;
      throw new GraphError(
        `${source} has more than one outgoing edge; give each node one edge, and branch with addConditionalEdges().`,
        { nodeName: edge.from },
      );
    }
    outgoing.set(edge.from, edge);
  }
  if (!outgoing.has(START)) {
    throw new GraphError('The graph has no entry point; call setEntryPoint(name) or addEdge(START, name).');
  }
  checkReachable(nodes, outgoing);
  return { nodes, outgoing };
}

function checkEdge<S>(edge: EdgeEntry<S>, nodes: ReadonlyMap<string, NodeEntry<S>>): void {
  if (edge.from === END) {
    throw new GraphError(`END cannot be the source of an edge (found an edge from END); END ends the run.`, {
      nodeName: END,
    });
  }
  if (edge.from !== START && !nodes.has(edge.from)) {
    throw new GraphError(`An edge starts from unknown node '${edge.from}'; add it with addNode() first.`, {
      nodeName: edge.from,
    });
  }
  const targets = edge.kind === 'direct' ? [edge.to] : Object.values(edge.pathMap ?? {});
  for (const target of targets) {
    if (target === START) {
      throw new GraphError(`An edge from '${edge.from}' goes to START, which cannot be a target.`, { nodeName: edge.from });
    }
    if (target !== END && !nodes.has(target)) {
      throw new GraphError(`An edge from '${edge.from}' goes to unknown node '${target}'; add it with addNode() first.`, {
        nodeName: target,
      });
    }
  }
}

/** Every node must be reachable from START; a condition without a path map may reach any node. */
function checkReachable<S>(nodes: ReadonlyMap<string, NodeEntry<S>>, outgoing: ReadonlyMap<string, EdgeEntry<S>>): void {
  const reached = new Set<string>();
  const queue = [START];
  while (queue.length > 0) {
    const edge = outgoing.get(queue.shift() as string);
    if (edge === undefined) continue;
    if (edge.kind === 'conditional' && edge.pathMap === undefined) return;
    const targets = edge.kind === 'direct' ? [edge.to] : Object.values(edge.pathMap ?? {});
    for (const target of targets) {
      if (target === END || reached.has(target)) continue;
      reached.add(target);
      queue.push(target);
    }
  }
  const unreachable = [...nodes.keys()].filter((name) => !reached.has(name));
  if (unreachable.length === 0) return;
  throw new GraphError(
    `Node '${unreachable[0]}' is unreachable from the entry point` +
      `${unreachable.length > 1 ? ` (unreachable: ${unreachable.map((n) => `'${n}'`).join(', ')})` : ''}; ` +
      'add an edge to it or remove it.',
    { nodeName: unreachable[0] },
  );
}
