import type { ManagerState } from '../tasks/shutdown-stats';
import type { TaskCounts } from '../tasks/task-counts';
import type { TaskEvent } from '../tasks/task-event';
import type { TaskInfo } from '../tasks/task-info';
import type { ExternalStore } from './external-store';

/**
 * A manager's streams as {@link ExternalStore}s, as {@link createManagerStores} returns them: each has a
 * value from the manager from the start, so a UI renders before any stream emits.
 *
 * @example
 * ```tsx
 * const stores = createManagerStores(manager);
 * const counts = useSyncExternalStore(stores.counts.subscribe, stores.counts.getSnapshot);
 * const tasks = useSyncExternalStore(stores.tasks.subscribe, stores.tasks.getSnapshot);
 * ```
 */
export interface ManagerStores {
  /** The running totals, from `counts$`; its reference changes only when a figure does. */
  readonly counts: ExternalStore<TaskCounts>;
  /** The tracked tasks, from `tasks$` (at most one new list per turn of the event loop). */
  readonly tasks: ExternalStore<readonly TaskInfo[]>;
  /** The manager's state, from `state$`. */
  readonly state: ExternalStore<ManagerState>;
  /**
   * The most recent task events, oldest first, at most `recentEvents` of them, from `events$`. It starts
   * empty: the manager keeps no history, so only events seen while the store has a listener are listed.
   */
  readonly events: ExternalStore<readonly TaskEvent[]>;
}

/**
 * Options of {@link createManagerStores}.
 *
 * @example
 * ```ts
 * const stores = createManagerStores(manager, { recentEvents: 200 });
 * ```
 */
export interface ManagerStoresOptions {
  /** How many recent events the `events` store lists; 0 keeps it empty. Default `50`. */
  readonly recentEvents?: number;
}

/**
 * The defaults of {@link ManagerStoresOptions}.
 *
 * @example
 * ```ts
 * console.log(DEFAULT_MANAGER_STORES_OPTIONS.recentEvents); // 50
 * ```
 */
export const DEFAULT_MANAGER_STORES_OPTIONS: Readonly<Required<ManagerStoresOptions>> = Object.freeze({
  recentEvents: 50,
});
