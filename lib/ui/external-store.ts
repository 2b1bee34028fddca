/**
 * A function an {@link ExternalStore} calls with its value: at once when it subscribes, then on each change.
 * React's listener ignores the value and reads `getSnapshot()`; Svelte's `run` uses it.
 *
 * @example
 * ```ts
 * const listener: ExternalStoreListener<TaskCounts> = (counts) => console.log(counts.active);
 * ```
 */
export type ExternalStoreListener<T> = (value: T) => void;

/**
 * A value that changes over time, shaped for UI frameworks: React's `useSyncExternalStore(store.subscribe,
 * store.getSnapshot)` and Svelte's store contract (`$store`) both accept it as is. Its methods do not use
 * `this`, so they can be passed around detached.
 *
 * @example
 * ```tsx
 * const counts = toExternalStore(manager.counts$, taskCountsSnapshot(manager));
 * function ActiveTasks() {
 *   const { active } = useSyncExternalStore(counts.subscribe, counts.getSnapshot);
 *   return <span>{active}</span>;
 * }
 * ```
 */
export interface ExternalStore<T> {
  /**
   * Adds a listener: calls it at once (synchronously) with the current value, as Svelte requires, then on
   * each change. The first listener subscribes to the source; the last one leaving unsubscribes.
   *
   * @param listener - called with the value; a listener that throws is logged and breaks nothing.
   * @returns a function that removes this listener; calling it again does nothing.
   */
  subscribe(listener: ExternalStoreListener<T>): () => void;
  /**
   * The current value: the initial one until the source emits, then the latest known one, also while no one
   * listens. The same reference until the value changes, as React requires.
   *
   * @returns the value.
   */
  getSnapshot(): T;
  /**
   * The initial value, for React's server rendering and hydration (`useSyncExternalStore`'s third argument),
   * which must render the same value on the server and in the browser.
   *
   * @returns the initial value.
   */
  getServerSnapshot(): T;
}

/**
 * Options of {@link toExternalStore}.
 *
 * @example
 * ```ts
 * const store = toExternalStore(settings$, defaults, { equals: (a, b) => a.theme === b.theme });
 * ```
 */
export interface ExternalStoreOptions<T> {
  /**
   * Whether a new value from the source equals the current one; an equal value is ignored, so the snapshot
   * keeps its reference and no listener is called. Default `Object.is`.
   */
  readonly equals?: (current: T, next: T) => boolean;
}
