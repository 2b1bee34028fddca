import { AsyncLocalStorage } from 'node:async_hooks';
import type { ContainerInstance } from 'typedi';

/**
 * What `inject()` needs of the graph run that is executing: its TypeDI container. A graph run's context
 * (`RunContext`, with its configuration too) is one.
 */
export interface RunScope {
  /** The container `inject()` resolves from inside the run. */
  readonly container: ContainerInstance;
}

/**
 * Carries the {@link RunScope} of the graph run that is executing through every await, timer, microtask and
 * background task it starts, so that `inject()` finds the run's container in a node and in any function the node
 * calls. The graph runtime enters it (with its full `RunContext`); `di/` only reads it.
 */
export const runScopeStorage = new AsyncLocalStorage<RunScope>();
