import { Observable, type MonoTypeOperatorFunction, type Subscriber } from 'rxjs';

/**
 * Errors the stream with `createError()` if it has not terminated `dueMs` after subscription.
 *
 * One `setTimeout` per subscription, cleared on teardown. RxJS's `timeout()` schedules through its
 * interval-based async scheduler and costs about twice as much per subscription, which matters when every
 * background task carries a timeout.
 */
export function timeoutAfter<T>(dueMs: number, createError: () => unknown): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const timer = setTimeout(expire, dueMs, subscriber, createError);
      subscriber.add(() => clearTimeout(timer));
      return source.subscribe(subscriber);
    });
}

function expire(subscriber: Subscriber<unknown>, createError: () => unknown): void {
  subscriber.error(createError());
}
