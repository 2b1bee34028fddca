import { Container, ContainerInstance, type ServiceIdentifier } from 'typedi';
import { GraphError } from '../errors/graph-error';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { BasePublisher } from '../publisher/base-publisher';
import { CompositePublisher } from '../publisher/composite-publisher';
import { isPublisher } from '../publisher/is-publisher';
import { checkPlainObject, readOptions } from '../util/validate';
import { resolveCompileOptions, type CompileOptions } from './compile-options';
import { CompiledGraph } from './compiled-graph';
import { START } from './constants';
import type { EdgeCondition, PathMap } from './edge-condition';
import type { GraphNodeLike, NodeClass, NodeFunction } from './graph-node';
import { buildGraphSpec, type EdgeEntry, type NodeEntry } from './internal/graph-spec';
import type { StateGraphOptions } from './state-graph-options';

/**
 * Builds a graph of nodes over a shared state, then compiles it into a {@link CompiledGraph} to run.
 *
 * The builder is mutable and every method returns `this`; `compile()` validates the whole graph once and
 * snapshots it, so changing the builder afterwards does not change a compiled graph. Each node has at most one
 * outgoing edge: a direct one (`addEdge`) or a conditional one (`addConditionalEdges`); a node with none ends
 * the run.
 *
 * @typeParam S - the graph's state, an object type.
 * @example
 * ```ts
 * interface State { question: string; answer?: string; }
 * const app = new StateGraph<State>()
 *   .addNode('retrieve', retrieve)
 *   .addNode('answer', answer)
 *   .addEdge(START, 'retrieve')
 *   .addEdge('retrieve', 'answer')
 *   .addEdge('answer', END)
 *   .compile({ shutdownTimeoutMs: 30_000 });
 * const { answer } = await app.invoke({ question: 'What is RxJS?' });
 * ```
 */
export class StateGraph<S extends object = Record<string, unknown>> {
  readonly #initialState: Partial<S>;
  readonly #publisher: BasePublisher | undefined;
  readonly #container: ContainerInstance | undefined;
  readonly #nodes: NodeEntry<S>[] = [];
  readonly #edges: EdgeEntry<S>[] = [];

  /**
   * @param options - the initial state, the publisher and the TypeDI container (see {@link StateGraphOptions}).
   * @throws {@link InvalidArgumentError} when an option is not acceptable.
   */
  constructor(options: StateGraphOptions<S> = {}) {
    checkPlainObject('options', options);
    const settings = readOptions('options', options, ['initialState', 'publisher', 'container']);
    checkPlainObject('initialState', settings.initialState);
    if (settings.container !== undefined && !(settings.container instanceof ContainerInstance)) {
      throw new InvalidArgumentError('container', 'a TypeDI ContainerInstance (e.g. Container.of(id))', settings.container);
    }
    this.#initialState = { ...settings.initialState };
    this.#publisher = toPublisher(settings.publisher);
    this.#container = settings.container;
  }

  /**
   * Adds a node: a function of `(state, config)`, or a `@Service()` class implementing {@link GraphNode}
   * (instantiated from the graph's container, with constructor injection).
   *
   * @param name - the node's name, unique in the graph; not `START` or `END`.
   * @param node - the function or class.
   * @returns this builder.
   * @throws {@link InvalidArgumentError} when `name` is not a non-empty string, or `node` is neither a function
   * nor a class with a `run()` method. (A duplicate name is reported by `compile()`.)
   * @example
   * ```ts
   * graph.addNode('greet', async (state) => ({ greeting: `Hello, ${state.name}` })).addNode('notify', Notify);
   * ```
   */
  addNode(name: string, node: GraphNodeLike<S>): this;
  /**
   * Adds a node named after the function (or class): `addNode(function greet(state) {...})` adds `'greet'`.
   *
   * @param node - a named function, or a class implementing {@link GraphNode}.
   * @returns this builder.
   * @throws {@link InvalidArgumentError} when `node` has no name or is not a node.
   * @example
   * ```ts
   * async function summarize(state: State) { return { summary: state.text.slice(0, 100) }; }
   * graph.addNode(summarize).setEntryPoint('summarize');
   * ```
   */
  addNode(node: GraphNodeLike<S>): this;
  addNode(nameOrNode: string | GraphNodeLike<S>, maybeNode?: GraphNodeLike<S>): this {
    const named = typeof nameOrNode === 'string';
    const node: unknown = named ? maybeNode : nameOrNode;
    const name = named ? nameOrNode : typeof node === 'function' ? node.name : undefined;
    if (typeof node !== 'function') {
      throw new InvalidArgumentError('node', 'a function or a class implementing GraphNode', node);
    }
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError('name', 'a non-empty string (or a named function)', named ? name : node);
    }
    if (isNodeClass(node)) {
      this.#nodes.push({ name, kind: 'class', cls: node as NodeClass<S> });
    } else if (isClass(node)) {
      throw new InvalidArgumentError('node', 'a class with a run(state, config) method', node);
    } else {
      this.#nodes.push({ name, kind: 'function', fn: node as NodeFunction<S> });
    }
    return this;
  }

  /**
   * Adds an edge: after `from` runs, the run goes to `to`. `addEdge(START, name)` sets the entry point.
   *
   * @param from - a node name, or `START`.
   * @param to - a node name, or `END`.
   * @returns this builder.
   * @throws {@link InvalidArgumentError} when a name is not a non-empty string. (Unknown nodes, `END` as a
   * source and a second outgoing edge are reported by `compile()`.)
   * @example
   * ```ts
   * graph.addEdge(START, 'retrieve').addEdge('retrieve', 'answer').addEdge('answer', END);
   * ```
   */
  addEdge(from: string, to: string): this {
    checkName('from', from);
    checkName('to', to);
    this.#edges.push({ from, kind: 'direct', to });
    return this;
  }

  /**
   * Adds a conditional edge: after `from` runs, `condition(state, config)` picks where the run goes, through
   * `pathMap` when given, or by returning a node name (or `END`) directly.
   *
   * @param from - a node name, or `START` for a conditional entry point.
   * @param condition - returns a key of `pathMap`, or a node name; it may be async.
   * @param pathMap - result-to-node mapping, or the list of node names the condition may return.
   * @returns this builder.
   * @throws {@link InvalidArgumentError} when an argument has the wrong type.
   * @example
   * ```ts
   * graph.addConditionalEdges('agent', (state) => (state.toolCalls.length > 0 ? 'call' : 'done'), {
   *   call: 'tools',
   *   done: END,
   * });
   * ```
   */
  addConditionalEdges(from: string, condition: EdgeCondition<S>, pathMap?: PathMap): this {
    checkName('from', from);
    if (typeof condition !== 'function') throw new InvalidArgumentError('condition', 'a function', condition);
    this.#edges.push({ from, kind: 'conditional', condition, pathMap: toPathMap(pathMap) });
    return this;
  }

  /**
   * Sets the node a run starts with; the same as `addEdge(START, name)`.
   *
   * @param name - the first node.
   * @returns this builder.
   * @throws {@link InvalidArgumentError} when `name` is not a non-empty string.
   * @example
   * ```ts
   * graph.addNode('plan', plan).setEntryPoint('plan');
   * ```
   */
  setEntryPoint(name: string): this {
    return this.addEdge(START, name);
  }

  /**
   * Validates the graph once and returns a new {@link CompiledGraph}, with its own `BackgroundTaskManager`
   * (`defaultShutdownTimeoutMs: shutdownTimeoutMs`) and its own TypeDI container (or the one given to the
   * constructor). Each call returns an independent compiled graph.
   *
   * @param options - `shutdownTimeoutMs` (default `30_000`), `recursionLimit` (default `25`), and the manager's
   * `maxPendingTasks` and `overflow`.
   * @returns the compiled graph.
   * @throws {@link GraphError} naming the node, when the graph is not valid: a duplicate or reserved node name,
   * an edge from or to an unknown node, `END` used as a source, more than one outgoing edge from a node, no
   * entry point, an unreachable node, a class node that is not a TypeDI service; or when the given container
   * already binds a `BackgroundTaskManager`.
   * @throws {@link InvalidArgumentError} when an option is not acceptable, or when the constructor was given a
   * publisher and the given container already binds one.
   * @example
   * ```ts
   * const app = graph.compile({ shutdownTimeoutMs: 30_000 });
   * // ... app.invoke(...) ...
   * const { backgroundTasks } = await app.close();
   * ```
   */
  compile(options: CompileOptions = {}): CompiledGraph<S> {
    const { recursionLimit, managerOptions } = resolveCompileOptions(options);
    const spec = buildGraphSpec([...this.#nodes], [...this.#edges]);
    for (const node of spec.nodes.values()) {
      if (node.kind === 'class') this.#checkService(node.name, node.cls);
    }
    return new CompiledGraph<S>({
      spec,
      initialState: { ...this.#initialState },
      publisher: this.#publisher,
      container: this.#container,
      recursionLimit,
      managerOptions,
    });
  }

  /** A class node must be resolvable by TypeDI: registered with `@Service()`, or bound in the given container. */
  #checkService(name: string, cls: NodeClass<S>): void {
    const id = cls as ServiceIdentifier;
    const has = (container: ContainerInstance): boolean => (container as { has(id: ServiceIdentifier): boolean }).has(id);
    if (has(Container.of()) || (this.#container !== undefined && has(this.#container))) return;
    throw new GraphError(
      `Node '${name}': class ${cls.name} is not a TypeDI service. Decorate it with @Service() (from 'typedi'), ` +
        "or bind it in the graph's container, so that the graph can instantiate it with its dependencies.",
      { nodeName: name },
    );
  }
}

function toPublisher(publisher: StateGraphOptions<object>['publisher']): BasePublisher | undefined {
  if (publisher === undefined) return undefined;
  if (Array.isArray(publisher)) {
    if (publisher.length === 0) return undefined;
    return new CompositePublisher(publisher);
  }
  if (!isPublisher(publisher)) {
    throw new InvalidArgumentError('publisher', 'a BasePublisher or an array of them', publisher);
  }
  return publisher;
}

function toPathMap(pathMap: PathMap | undefined): Readonly<Record<string, string>> | undefined {
  if (pathMap === undefined) return undefined;
  if (Array.isArray(pathMap)) {
    const map: Record<string, string> = Object.create(null);
    pathMap.forEach((target: unknown, index) => {
      checkName(`pathMap[${index}]`, target);
      map[target as string] = target as string;
    });
    return Object.freeze(map);
  }
  if (typeof pathMap !== 'object' || pathMap === null) {
    throw new InvalidArgumentError('pathMap', 'an object mapping results to node names, or an array of node names', pathMap);
  }
  const map: Record<string, string> = Object.create(null);
  for (const [key, target] of Object.entries(pathMap as Record<string, unknown>)) {
    checkName(`pathMap.${key}`, target);
    map[key] = target as string;
  }
  return Object.freeze(map);
}

function checkName(argument: string, value: unknown): void {
  if (typeof value === 'string' && value !== '') return;
  throw new InvalidArgumentError(argument, 'a non-empty node name', value);
}

function isClass(fn: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** A constructor whose prototype has `run()`: a {@link GraphNode} class, not a plain function. */
function isNodeClass(fn: Function): boolean {
  const prototype = (fn as { prototype?: { run?: unknown } }).prototype;
  return typeof prototype?.run === 'function';
}
