import { Observable, Subscriber, type Observer, type Operator, type Subscription, type TeardownLogic } from 'rxjs';

/** Receives what a subscriber's callback threw. */
export type SubscriberErrorHandler = (error: unknown) => void;

/**
 * An Observable whose subscribers' callbacks cannot break anything by throwing.
 *
 * RxJS rethrows an exception from a subscriber's callback asynchronously, where it becomes an
 * `uncaughtException`. Here each callback a caller passes to `subscribe()` is wrapped so that what it throws
 * goes to `onSubscriberError` instead, and a stream error with no error callback is reported there too.
 * Operators applied with `pipe()` keep the guard: like RxJS's `Subject`, this class overrides `lift()`.
 */
export class GuardedObservable<T> extends Observable<T> {
  readonly #onSubscriberError: SubscriberErrorHandler;

  constructor(
    subscribe: ((this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic) | undefined,
    onSubscriberError: SubscriberErrorHandler,
  ) {
    super(subscribe);
    this.#onSubscriberError = onSubscriberError;
  }

  /** @deprecated Internal implementation detail of RxJS operators; keeps piped streams guarded. */
  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const lifted = new GuardedObservable<R>(undefined, this.#onSubscriberError);
    lifted.source = this;
    lifted.operator = operator;
    return lifted;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null): Subscription;
  /** @deprecated Use an observer object instead of positional callbacks. */
  override subscribe(
    next?: ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription;
  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    // A Subscriber is RxJS wiring its own operator chain (or firstValueFrom and friends): pass it through.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const observer =
      typeof observerOrNext === 'function' || observerOrNext == null
        ? { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined }
        : observerOrNext;
    return super.subscribe(this.#guard(observer));
  }

  #guard(observer: Partial<Observer<T>>): Observer<T> {
    const report = this.#onSubscriberError;
    const next = observer.next?.bind(observer);
    const error = observer.error?.bind(observer);
    const complete = observer.complete?.bind(observer);
    return {
      next: (value) => {
        if (next === undefined) return;
        try {
          next(value);
        } catch (thrown) {
          report(thrown);
        }
      },
      error: (streamError: unknown) => {
        if (error === undefined) return report(streamError);
        try {
          error(streamError);
        } catch (thrown) {
          report(thrown);
        }
      },
      complete: () => {
        if (complete === undefined) return;
        try {
          complete();
        } catch (thrown) {
          report(thrown);
        }
      },
    };
  }
}
