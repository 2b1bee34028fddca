import type { ResolvedRunConfig } from './run-config';

/**
 * What a node returns: the new state, a partial state (shallow-merged into the current one), or nothing
 * (`undefined` or `null`: the state is unchanged).
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * const update: NodeUpdate<State> = { summary: 'short' };
 * ```
 */
export type NodeUpdate<S> = Partial<S> | void | null | undefined;

/**
 * A node as a function of the state and the run's config; it may be async. Extra parameters with defaults
 * work as injection points: `(state, config, tasks = inject(BackgroundTaskManager)) => ...`.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * const greet: NodeFunction<State> = async (state) => ({ greeting: `Hello, ${state.name}` });
 * graph.addNode('greet', greet);
 * ```
 */
export type NodeFunction<S> = (state: S, config: ResolvedRunConfig) => NodeUpdate<S> | PromiseLike<NodeUpdate<S>>;

/**
 * A node as a class: a TypeDI service whose `run()` is called at each step. The graph instantiates it from
 * its own container, with constructor injection, once per compiled graph.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * @Service()
 * class Notify implements GraphNode<State> {
 *   constructor(private readonly tasks: BackgroundTaskManager) {}
 *   async run(state: State, config: ResolvedRunConfig): Promise<Partial<State>> {
 *     this.tasks.createTask(() => sendNotification(state.userId), { name: 'send_notification', timeoutMs: 5_000 });
 *     return { notified: true };
 *   }
 * }
 * graph.addNode('notify', Notify);
 * ```
 */
export interface GraphNode<S> {
  /**
   * Runs the node.
   *
   * @param state - the current state.
   * @param config - the run's config.
   * @returns the update (see {@link NodeUpdate}), or a promise of it.
   */
  run(state: S, config: ResolvedRunConfig): NodeUpdate<S> | PromiseLike<NodeUpdate<S>>;
}

/**
 * The class of a {@link GraphNode}, as `addNode()` takes it.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * const nodeClass: NodeClass<State> = Notify;
 * ```
 */
export type NodeClass<S> = new (...args: never[]) => GraphNode<S>;

/**
 * Anything `addNode()` accepts as a node.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * const nodes: GraphNodeLike<State>[] = [greet, Notify];
 * ```
 */
export type GraphNodeLike<S> = NodeFunction<S> | NodeClass<S>;
