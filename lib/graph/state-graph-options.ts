import type { ContainerInstance } from 'typedi';
import type { BasePublisher } from '../publisher/base-publisher';

/**
 * Options of the {@link StateGraph} constructor.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * const graph = new StateGraph<State>({
 *   initialState: { messages: [] },
 *   publisher: [new ConsolePublisher(), uiPublisher],
 *   container: Container.of('support-agent'),
 * });
 * ```
 */
export interface StateGraphOptions<S> {
  /** The state every run starts from; the input of `invoke()`/`stream()` is shallow-merged over it. Default `{}`. */
  readonly initialState?: Partial<S>;
  /**
   * Where the graph's events go. A list is wrapped in a `CompositePublisher`. Default: the `BasePublisher` already
   * bound in `container`, if any, else none (events are then not published at all). Every graph compiled from
   * this builder shares the instance; it is closed when the last of them closes.
   */
  readonly publisher?: BasePublisher | readonly BasePublisher[];
  /**
   * The TypeDI container each compiled graph binds its manager, publisher and id generator in, and instantiates
   * class nodes from; your own bindings in it are kept. Default: a new container per compiled graph.
   */
  readonly container?: ContainerInstance;
}
