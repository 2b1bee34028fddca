import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunContext } from '../di/run-context';

/**
 * Carries the {@link RunContext} of the graph run that is executing through every await, timer and microtask it
 * starts, so that `inject()` finds the run's container in a node and in any function the node calls.
 */
export const runContextStorage = new AsyncLocalStorage<RunContext>();
