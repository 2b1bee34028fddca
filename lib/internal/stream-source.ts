import type { Observable, Subscriber } from 'rxjs';
import { GuardedObservable, type SubscriberErrorHandler } from './guarded-observable';

/**
 * The private side of one of the manager's streams: a multicast source that emits in order, even when a
 * subscriber emits again from inside its callback, and tells whether anyone listens so that nobody builds
 * values nobody reads.
 *
 * It keeps its subscribers in a copy-on-write array rather than using a `Subject`: `Subject.next()` allocates
 * a closure per emission, and the manager emits several times per task.
 */
export class StreamSource<T> {
  #subscribers: readonly Subscriber<T>[] = [];
  #emitting = false;
  #queued: T[] = [];
  #completed = false;

  /** Whether the stream has at least one subscriber. */
  get observed(): boolean {
    return this.#subscribers.length > 0;
  }

  /**
   * Emits `value` to every subscriber. A value emitted from inside a subscriber's callback is queued and
   * delivered after the current one has reached every subscriber, so all subscribers see one order.
   */
  next(value: T): void {
    if (this.#completed) return;
    if (this.#emitting) {
      this.#queued.push(value);
      return;
    }
    this.#emitting = true;
    try {
      this.#deliver(value);
      for (let i = 0; i < this.#queued.length; i++) this.#deliver(this.#queued[i] as T);
    } finally {
      this.#queued.length = 0;
      this.#emitting = false;
    }
  }

  /** Completes the stream for every subscriber; a later subscriber completes at once, and `next()` does nothing. */
  complete(): void {
    this.#completed = true;
    const subscribers = this.#subscribers;
    this.#subscribers = [];
    for (const subscriber of subscribers) subscriber.complete();
  }

  /**
   * The public, guarded Observable of this source.
   *
   * @param current - when given, each new subscriber first receives its value, then every later emission.
   */
  asObservable(onSubscriberError: SubscriberErrorHandler, current?: () => T): Observable<T> {
    return new GuardedObservable<T>((subscriber) => {
      if (current !== undefined) subscriber.next(current());
      if (this.#completed) {
        subscriber.complete();
        return undefined;
      }
      this.#subscribers = [...this.#subscribers, subscriber];
      return () => {
        this.#subscribers = this.#subscribers.filter((other) => other !== subscriber);
      };
    }, onSubscriberError);
  }

  #deliver(value: T): void {
    // The array is replaced, never mutated, on (un)subscribe: this loop sees one consistent list.
    for (const subscriber of this.#subscribers) subscriber.next(value);
  }
}
