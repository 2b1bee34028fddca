import { defer, map } from 'rxjs';
import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import { checkManager } from '../tasks/check-manager';
import type { TaskCounts } from '../tasks/task-counts';
import type { TaskEvent } from '../tasks/task-event';
import { checkNonNegativeInteger, checkPlainObject, readOptions } from '../util/validate';
import type { ExternalStore } from './external-store';
import { DEFAULT_MANAGER_STORES_OPTIONS, type ManagerStores, type ManagerStoresOptions } from './manager-stores';
import { taskCountsSnapshot, taskListSnapshot } from './task-snapshots';
import { toExternalStore } from './to-external-store';

const NO_EVENTS: readonly TaskEvent[] = Object.freeze([]);

/**
 * A manager's `counts$`, `tasks$`, `state$` and recent `events$` as {@link ExternalStore}s for React and
 * Svelte, each starting from the manager's current value (read synchronously) so the first render shows real
 * figures.
 *
 * Each store subscribes to its stream only while it has listeners (see {@link toExternalStore}). The
 * `counts` store compares figures, so the current value `counts$` emits on subscribe keeps the reference
 * when nothing changed in between; the `tasks` store takes the fresh list `tasks$` emits on subscribe (its
 * `ageMs` figures have moved on), so a React component renders once more after it subscribes.
 *
 * @param manager - the manager to watch.
 * @param options - `recentEvents`, see {@link ManagerStoresOptions}.
 * @returns the stores.
 * @throws {@link InvalidArgumentError} when `manager` is not a `BackgroundTaskManager` or an option is out of range.
 * @example
 * ```html
 * <script>
 *   const { counts, tasks } = createManagerStores(manager);
 * </script>
 * <p>{$counts.active} running, {$counts.failed} failed</p>
 * {#each $tasks as task (task.id)}<div>{task.name}: {task.status}</div>{/each}
 * ```
 */
export function createManagerStores(manager: BackgroundTaskManager, options: ManagerStoresOptions = {}): ManagerStores {
  checkManager(manager);
  checkPlainObject('options', options);
  const settings = readOptions('options', options, ['recentEvents']);
  checkNonNegativeInteger('recentEvents', settings.recentEvents);
  const limit = settings.recentEvents ?? DEFAULT_MANAGER_STORES_OPTIONS.recentEvents;

  // The list goes on from the store's current value when a new first listener subscribes again.
  let events: ExternalStore<readonly TaskEvent[]> | undefined;
  const recent$ = defer(() => {
    let list = events?.getSnapshot() ?? NO_EVENTS;
    return manager.events$.pipe(map((event) => (list = appendBounded(list, event, limit))));
  });
  events = toExternalStore<readonly TaskEvent[]>(recent$, NO_EVENTS);

  return {
    counts: toExternalStore(manager.counts$, taskCountsSnapshot(manager), { equals: sameCounts }),
    tasks: toExternalStore(manager.tasks$, taskListSnapshot(manager)),
    state: toExternalStore(manager.state$, manager.state),
    events,
  };
}

function sameCounts(current: TaskCounts, next: TaskCounts): boolean {
  return (
    current.active === next.active &&
    current.created === next.created &&
    current.completed === next.completed &&
    current.failed === next.failed &&
    current.cancelled === next.cancelled &&
    current.timedOut === next.timedOut &&
    current.dropped === next.dropped
  );
}

function appendBounded(list: readonly TaskEvent[], event: TaskEvent, limit: number): readonly TaskEvent[] {
  if (limit === 0) return NO_EVENTS;
  const start = list.length >= limit ? list.length - limit + 1 : 0;
  return [...list.slice(start), event];
}
