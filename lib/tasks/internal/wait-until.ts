import type { ManagerWatcher } from './manager-watcher';
import type { AnyTaskRun } from './task-run';

/** What {@link watchUntil} waits for. */
export interface WatchSpec {
  /** The manager's watchers, which this watch joins until it ends. */
  readonly watchers: Set<ManagerWatcher>;
  /** What must hold for the watch to end with `true`; checked after every settlement and stopped work. */
  readonly condition: () => boolean;
  /** End with `false` after this long. Default: no limit. */
  readonly timeoutMs?: number;
  /** Sees every settled task first (it may end the watch early with the stop function). */
  readonly taskSettled?: (run: AnyTaskRun) => void;
  /** Sees every task that joins the group watched (a group's watchers only). */
  readonly taskAdded?: (run: AnyTaskRun) => void;
  /** Called once, when the watch ends by itself: `true` when the condition held, `false` on timeout. */
  readonly end: (met: boolean) => void;
}

/**
 * Watches the manager until `condition()` holds, *confirmed one turn of the event loop later*.
 *
 * When a settlement makes the condition true, the watch waits for a `setImmediate` and checks again: by then
 * every handler of the settled tasks' `done` (and of `result()`, `await` chains and the like) has had its turn,
 * so a successor task created from one of them keeps the watch going instead of being missed. If the condition
 * no longer holds then, the watch goes on. A condition that holds when the watch starts is confirmed the same
 * way (a `done` handler queued just before may still create a task), and at the deadline the condition decides
 * (a settlement at that same instant counts).
 *
 * @returns a function that stops the watch without calling `end` (idempotent).
 */
export function watchUntil(spec: WatchSpec): () => void {
  let ended = false;
  let confirming = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    spec.watchers.delete(watcher);
  };
  const end = (met: boolean): void => {
    if (ended) return;
    stop();
    spec.end(met);
  };
  const confirm = (): void => {
    confirming = false;
    if (!ended && spec.condition()) end(true);
  };
  const check = (): void => {
    if (confirming || ended || !spec.condition()) return;
    confirming = true;
    setImmediate(confirm);
  };
  const watcher: ManagerWatcher = {
    taskSettled: (run) => {
      spec.taskSettled?.(run);
      check();
    },
    workStopped: check,
    ...(spec.taskAdded === undefined ? {} : { taskAdded: spec.taskAdded }),
  };
  // At the deadline the condition decides: a settlement at that very instant may still be being confirmed.
  if (spec.timeoutMs !== undefined) timer = setTimeout(() => end(spec.condition()), spec.timeoutMs);
  spec.watchers.add(watcher);
  check(); // already true: confirmed a turn from now, like any other
  return stop;
}

/** {@link watchUntil} as a promise: `true` once the condition holds (confirmed), `false` after `timeoutMs`. */
export function waitUntil(watchers: Set<ManagerWatcher>, condition: () => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    watchUntil({ watchers, condition, timeoutMs, end: resolve });
  });
}
