import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { TaskScope } from '../tasks/task-scope';
import type { WaitForTasks } from './run-config';
import { callerSignalLinks, type CallerCancellable } from '../util/caller-signal-links';
import { checkPlainObject, checkTimeout, readOptions } from '../util/validate';

/** A `waitForTasks` that waits (see `WaitForTasks`): `true`, or `{ timeoutMs }`. */
export type RunTasksWait = Exclude<WaitForTasks, false>;

/**
 * A `waitForTasks` option checked, for both graph runtimes: a boolean, or `{ timeoutMs }` with a valid timeout.
 *
 * @returns the option (`{ timeoutMs }` read once, as its own copy), or `undefined` when not given.
 * @throws {@link InvalidArgumentError} naming `argument` (or `<argument>.timeoutMs`).
 */
export function checkWaitForTasks(argument: string, value: unknown): WaitForTasks | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    checkPlainObject(argument, value);
    const { timeoutMs } = readOptions(argument, value as { timeoutMs?: number }, ['timeoutMs']);
    if (timeoutMs === undefined) throw new InvalidArgumentError(`${argument}.timeoutMs`, 'a finite number of milliseconds > 0', timeoutMs);
    checkTimeout(`${argument}.timeoutMs`, timeoutMs);
    return { timeoutMs };
  }
  throw new InvalidArgumentError(argument, 'a boolean or { timeoutMs }', value);
}

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
