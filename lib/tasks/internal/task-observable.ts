import type { Observable } from 'rxjs';
import { GuardedObservable, type SubscriberErrorHandler } from '../../util/guarded-observable';
import { TaskCancelledError } from '../../errors/task-cancelled-error';
import { TaskDroppedError } from '../../errors/task-dropped-error';
import { isInstanceOf } from '../../util/promises';
import type { TaskHandle } from '../task-handle';
import type { TaskOutcome } from '../task-outcome';

/** The reason a task that did not complete gives `result()` and its Observables: its error, or why it stopped. */
export function outcomeError(taskName: string, outcome: Exclude<TaskOutcome<unknown>, { status: 'completed' }>): unknown {
  switch (outcome.status) {
    case 'failed':
      return outcome.error;
    case 'cancelled':
      return isInstanceOf(outcome.reason, TaskCancelledError) || isInstanceOf(outcome.reason, TaskDroppedError)
        ? outcome.reason
        : new TaskCancelledError(taskName, outcome.reason);
    case 'timed_out':
    case 'dropped':
      return outcome.reason;
  }
}

/** A handle whose outcome can be read at once (the manager's task runs). */
export interface SettlingHandle<T> extends TaskHandle<T> {
  /** The outcome, once the task is final. */
  readonly outcome: TaskOutcome<T> | undefined;
}

/**
 * The task's value as an Observable: its value then completion, or an error (see {@link outcomeError}), as soon
 * as the task settles in the manager's books (synchronously, in the same turn). Unsubscribing stops listening;
 * it never cancels the task. What `from(handle)` gives.
 */
export function valueOf$<T>(handle: SettlingHandle<T>, onSubscriberError: SubscriberErrorHandler): Observable<T> {
  return new GuardedObservable<T>((subscriber) => {
    const deliver = (): void => {
      const outcome = handle.outcome;
      if (outcome === undefined) return;
      if (outcome.status === 'completed') {
        subscriber.next(outcome.value);
        subscriber.complete();
        return;
      }
      subscriber.error(outcomeError(handle.name, outcome));
    };
    if (handle.outcome !== undefined) {
      deliver();
      return undefined;
    }
    // A handle's events$ completes right after the task's final event, inside the settlement.
    const subscription = handle.events$.subscribe({ complete: deliver });
    return () => subscription.unsubscribe();
  }, onSubscriberError);
}

/**
 * A cold Observable of one task: each subscription creates a task with `create()`, emits its value and completes
 * (or errors as {@link valueOf$} does), and unsubscribing before it settled cancels it with the reason
 * `'unsubscribed'`. A `create()` that throws (a bad option, a `'reject'` overflow) errors the subscription. Guarded
 * as the manager's streams are: a subscriber that throws, or an error nobody handles, goes to `onSubscriberError`
 * (counted and logged), never to an uncaught exception.
 */
export function task$<T>(create: () => SettlingHandle<T>, onSubscriberError: SubscriberErrorHandler): Observable<T> {
  return new GuardedObservable<T>((subscriber) => {
    const handle = create();
    const subscription = valueOf$(handle, onSubscriberError).subscribe(subscriber);
    return () => {
      subscription.unsubscribe();
      handle.cancel('unsubscribed');
    };
  }, onSubscriberError);
}
