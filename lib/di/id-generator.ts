import { randomUUID } from 'node:crypto';

/**
 * Makes the ids of graph runs (the `runId` a run gets when its config has none). It is also the TypeDI token:
 * every compiled graph binds one in its container, unless the container you pass already binds your own.
 *
 * @example
 * ```ts
 * class SequentialIds extends IdGenerator {
 *   #next = 1;
 *   override generate(): string {
 *     return `run-${this.#next++}`;
 *   }
 * }
 * const container = Container.of('my-graph');
 * container.set({ id: IdGenerator, value: new SequentialIds() });
 * const graph = new StateGraph<State>({ container }).addNode('a', a).setEntryPoint('a').compile();
 * ```
 */
export class IdGenerator {
  /**
   * A new id, unique within the process; this default is a random UUID.
   *
   * @returns the id.
   * @example
   * ```ts
   * const runId = new IdGenerator().generate(); // '2f1c...'
   * ```
   */
  generate(): string {
    return randomUUID();
  }
}
