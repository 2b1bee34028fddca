import type { TaskScope } from '../tasks/task-scope';
import { callerSignalLinks, type CallerCancellable } from '../util/caller-signal-links';

/**
 * How long a run waits for its background tasks (`waitForTasks`): `true` until they have all settled,
 * `{ timeoutMs }` at most that many milliseconds.
 */
export type RunTasksWait = true | { readonly timeoutMs: number };

/**
 * Waits for a finished run's tasks (`waitForTasks`), for `invoke()` and `stream()` of both graph runtimes. The
 * signals that cancel the call still count while it waits (the caller's, a stream's own): one aborting cancels the
 * run's tasks in flight and ends the wait (linked through the library's one registry, so a signal shared by many
 * runs gets one listener). The tasks' failures are logged by the manager, never thrown.
 *
 * @returns the signal that aborted (before or during the wait), if one did: the call then fails with its reason.
 */
export async function waitForRunTasks(
  scope: TaskScope,
  wait: RunTasksWait,
  ...signals: readonly (AbortSignal | undefined)[]
): Promise<AbortSignal | undefined> {
  const timeout = wait === true ? {} : { timeoutMs: wait.timeoutMs };
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const cancel = (reason: unknown): void => void scope.cancelAll(reason);
  const link: CallerCancellable = { cancelFromCaller: cancel };
  for (const signal of given) {
    if (signal.aborted) cancel(signal.reason);
    else callerSignalLinks.link(signal, link);
  }
  try {
    await scope.waitForAll({ returnExceptions: true, ...timeout });
  } finally {
    for (const signal of given) callerSignalLinks.unlink(signal, link);
  }
  return given.find((signal) => signal.aborted);
}
