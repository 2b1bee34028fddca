import type { TaskScope } from '../tasks/task-scope';
import { callerSignalLinks, type CallerCancellable } from '../util/caller-signal-links';

/**
 * How long a run waits for its background tasks (`waitForTasks`): `true` until they have all settled,
 * `{ timeoutMs }` at most that many milliseconds.
 */
export type RunTasksWait = true | { readonly timeoutMs: number };

/**
 * Waits for a finished run's tasks (`waitForTasks`), for `invoke()` and `stream()` of both graph runtimes. The
 * caller's `signal` still counts while it waits: aborting it cancels the run's tasks in flight and ends the wait
 * (through the library's one registry of signal links, so a signal shared by many runs gets one listener). The
 * tasks' failures are logged by the manager, never thrown.
 *
 * @returns whether the caller's signal aborted (before or during the wait): the call then fails with its reason.
 */
export async function waitForRunTasks(scope: TaskScope, wait: RunTasksWait, signal: AbortSignal | undefined): Promise<boolean> {
  const timeout = wait === true ? {} : { timeoutMs: wait.timeoutMs };
  if (signal === undefined) {
    await scope.waitForAll({ returnExceptions: true, ...timeout });
    return false;
  }
  const cancel = (reason: unknown): void => void scope.cancelAll(reason);
  if (signal.aborted) cancel(signal.reason);
  const link: CallerCancellable = { cancelFromCaller: cancel };
  callerSignalLinks.link(signal, link);
  try {
    await scope.waitForAll({ returnExceptions: true, ...timeout });
  } finally {
    callerSignalLinks.unlink(signal, link);
  }
  return signal.aborted;
}
