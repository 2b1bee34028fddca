import { randomUUID } from 'node:crypto';
import { Container, type ContainerInstance, type ServiceIdentifier } from 'typedi';
import type { AnyContainer } from '../../di/any-container';
import { IdGenerator } from '../../di/id-generator';
import { GraphError } from '../../errors/graph-error';
import { InvalidArgumentError } from '../../errors/invalid-argument-error';
import { BasePublisher } from '../../publisher/base-publisher';
import { BackgroundTaskManager } from '../../tasks/background-task-manager';


/** TypeDI's `ServiceIdentifier` type does not admit an abstract class with constructor parameters. */
const PUBLISHER = BasePublisher as unknown as ServiceIdentifier<BasePublisher>;

/** What a compiled graph binds in its container. */
export interface GraphBindings {
  readonly manager: BackgroundTaskManager;
  /** The publisher given to the graph; `undefined` keeps the container's own binding, or binds none. */
  readonly publisher: BasePublisher | undefined;
}

/**
 * One compiled graph's TypeDI container: a fresh one it owns, or the one the user passed.
 *
 * It binds the graph's `BackgroundTaskManager`, its `BasePublisher` (or `null`: none) and an `IdGenerator`,
 * keeping what the user bound already. `release()` gives the container back: an owned one is reset and leaves
 * TypeDI's static list (`Container.reset(id)`); a passed one only loses the bindings this graph added.
 */
export class GraphContainer {
  readonly container: ContainerInstance;
  readonly #owned: boolean;
  readonly #added: ServiceIdentifier[] = [];
  #released = false;

  /**
   * @throws {@link GraphError} when the passed container already binds a `BackgroundTaskManager` (an open
   * compiled graph uses it, or the user bound one): each graph creates and owns its manager.
   * @throws {@link InvalidArgumentError} when a publisher is given and the passed container already binds one.
   */
  constructor(passed: ContainerInstance | undefined, bindings: GraphBindings) {
    this.#owned = passed === undefined;
    const container = (passed ?? Container.of(`agentflow-graph-${randomUUID()}`)) as AnyContainer;
    this.container = container;
    if (container.has(BackgroundTaskManager)) {
      throw new GraphError(
        `The container '${container.id}' already binds a BackgroundTaskManager: an open compiled graph uses it, ` +
          'or it was bound by hand. Each compiled graph creates and owns its manager: close the other graph ' +
          'first, remove the binding, or give this graph its own container.',
      );
    }
    if (bindings.publisher !== undefined && container.has(PUBLISHER)) {
      throw new InvalidArgumentError(
        'publisher',
        `no publisher option, since the container '${container.id}' already binds a BasePublisher (or remove that binding)`,
        bindings.publisher,
      );
    }
    this.#bind(BackgroundTaskManager, bindings.manager);
    if (bindings.publisher !== undefined) this.#bind(PUBLISHER, bindings.publisher);
    else if (!container.has(PUBLISHER)) this.#bind(PUBLISHER, null);
    if (!container.has(IdGenerator)) this.#bind(IdGenerator, new IdGenerator());
  }

  /** The publisher bound now, or `undefined` for none. */
  publisher(): BasePublisher | undefined {
    return this.#get<BasePublisher>(PUBLISHER) ?? undefined;
  }

  /** The id generator bound now. */
  idGenerator(): IdGenerator {
    return this.#get<IdGenerator>(IdGenerator) ?? new IdGenerator();
  }

  /** Gives the container back (see the class description). Calling it again does nothing. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#owned) {
      Container.reset(this.container.id);
      return;
    }
    this.container.remove(this.#added);
  }

  #bind(id: ServiceIdentifier, value: unknown): void {
    this.container.set({ id, value });
    this.#added.push(id);
  }

  #get<T>(id: ServiceIdentifier<T>): T | null | undefined {
    if (!(this.container as AnyContainer).has(id)) return undefined;
    return this.container.get<T>(id);
  }
}
