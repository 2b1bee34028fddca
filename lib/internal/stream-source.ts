import { Subject, type Observable } from 'rxjs';
import { GuardedObservable, type SubscriberErrorHandler } from './guarded-observable';

/**
 * The private side of one of the manager's streams: emits in order, even when a subscriber emits again from
 * inside its callback, and tells whether anyone listens so that nobody builds values nobody reads.
 */
export class StreamSource<T> {
  readonly #subject = new Subject<T>();
  #emitting = false;
  #queued: T[] = [];

  /** Whether the stream has at least one subscriber. */
  get observed(): boolean {
    return this.#subject.observed;
  }

  /**
   * Emits `value` to every subscriber. A value emitted from inside a subscriber's callback is queued and
   * delivered after the current one has reached every subscriber, so all subscribers see one order.
   */
  next(value: T): void {
    if (this.#emitting) {
      this.#queued.push(value);
      return;
    }
    this.#emitting = true;
    try {
      this.#subject.next(value);
      for (let i = 0; i < this.#queued.length; i++) this.#subject.next(this.#queued[i] as T);
    } finally {
      this.#queued.length = 0;
      this.#emitting = false;
    }
  }

  /** Completes the stream for every subscriber. */
  complete(): void {
    this.#subject.complete();
  }

  /**
   * The public, guarded Observable of this source.
   *
   * @param current - when given, each new subscriber first receives its value, then every later emission.
   */
  asObservable(onSubscriberError: SubscriberErrorHandler, current?: () => T): Observable<T> {
    const subject = this.#subject;
    return new GuardedObservable<T>((subscriber) => {
      if (current !== undefined) subscriber.next(current());
      return subject.subscribe(subscriber);
    }, onSubscriberError);
  }
}
