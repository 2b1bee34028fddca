import { Observable, type MonoTypeOperatorFunction, type Subscriber, type TeardownLogic } from 'rxjs';

/**
 * Errors the stream with `createError()` if it has not terminated `dueMs` after subscription.
 *
 * One `setTimeout` per subscription, cleared on teardown. RxJS's `timeout()` schedules through its
 * interval-based async scheduler and costs about twice as much per subscription, which matters when every
 * background task carries a timeout.
 */
export function timeoutAfter<T>(dueMs: number, createError: () => unknown): MonoTypeOperatorFunction<T> {
  return (source) => new TimeoutObservable(source, dueMs, createError);
}

/** The Observable `timeoutAfter` returns: a class rather than closures, as one is made per task. */
class TimeoutObservable<T> extends Observable<T> {
  readonly #source: Observable<T>;
  readonly #dueMs: number;
  readonly #createError: () => unknown;

  constructor(source: Observable<T>, dueMs: number, createError: () => unknown) {
    super();
    this.#source = source;
    this.#dueMs = dueMs;
    this.#createError = createError;
  }

  protected _subscribe(subscriber: Subscriber<T>): TeardownLogic {
    const timer = setTimeout(expire, this.#dueMs, subscriber, this.#createError);
    this.#source.subscribe(subscriber);
    return () => clearTimeout(timer);
  }
}

function expire(subscriber: Subscriber<unknown>, createError: () => unknown): void {
  subscriber.error(createError());
}
