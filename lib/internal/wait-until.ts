import type { ManagerWatcher } from './manager-watcher';

/**
 * Resolves `true` as soon as `condition()` holds (checked now and after every change the manager reports),
 * or `false` once `timeoutMs` elapses. Its timer is cleared either way, so nothing is left behind.
 */
export function waitUntil(
  watchers: Set<ManagerWatcher>,
  condition: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  if (condition()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (met: boolean): void => {
      clearTimeout(timer);
      watchers.delete(watcher);
      resolve(met);
    };
    const check = (): void => {
      if (condition()) finish(true);
    };
    const watcher: ManagerWatcher = { taskSettled: check, workStopped: check };
    const timer = setTimeout(finish, timeoutMs, false);
    watchers.add(watcher);
  });
}
