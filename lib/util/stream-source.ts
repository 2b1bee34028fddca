import type { Observable, Subscriber } from 'rxjs';
import { GuardedObservable, type SubscriberErrorHandler } from './guarded-observable';

/** Something an {@link EmissionQueue} delivers values to. */
export interface Deliverable<T> {
  /** Hands `value` to its subscribers now. */
  deliver(value: T): void;
}

/**
 * One order for the emissions of several sources (the manager's four streams and its handles' `events$`): a
 * value emitted while another is being delivered, from any of them (a subscriber of `counts$` that cancels a
 * task, say), is queued and delivered after it, so every subscriber of every stream sees events in `seq` order.
 *
 * {@link hold} and {@link release} queue a group of emissions (a settlement's counts and final event) so that
 * nothing a subscriber does in reaction to the first can overtake the rest of the group.
 */
export class EmissionQueue {
  #busy = false;
  readonly #targets: Deliverable<unknown>[] = [];
  readonly #values: unknown[] = [];

  /** Delivers `value` to `target` now, or after what is being delivered. */
  emit<T>(target: Deliverable<T>, value: T): void {
    if (this.#busy) {
      this.#targets.push(target as Deliverable<unknown>);
      this.#values.push(value);
      return;
    }
    this.#busy = true;
    try {
      target.deliver(value);
      this.#drain();
    } finally {
      this.#clear();
    }
  }

  /**
   * Queues every emission until {@link release}. Holds nest.
   *
   * @returns what to pass to `release()`: whether the queue was already busy.
   */
  hold(): boolean {
    const wasBusy = this.#busy;
    this.#busy = true;
    return wasBusy;
  }

  /** Ends a {@link hold}: the outermost one delivers everything queued, in order. */
  release(wasBusy: boolean): void {
    if (wasBusy) return;
    try {
      this.#drain();
    } finally {
      this.#clear();
    }
  }

  #drain(): void {
    for (let i = 0; i < this.#targets.length; i++) (this.#targets[i] as Deliverable<unknown>).deliver(this.#values[i]);
  }

  #clear(): void {
    if (this.#targets.length > 0) {
      this.#targets.length = 0;
      this.#values.length = 0;
    }
    this.#busy = false;
  }
}

/** How many sources among several have subscribers now (see {@link StreamSource}'s `watch`). */
export class ObservedSources {
  count = 0;
}

/**
 * The private side of one of the manager's streams: a multicast source that emits in order, even when a
 * subscriber emits again from inside its callback, and tells whether anyone listens so that nobody builds
 * values nobody reads. Sources that share an {@link EmissionQueue} share one order.
 *
 * It keeps its subscribers in a copy-on-write array rather than using a `Subject`: `Subject.next()` allocates
 * a closure per emission, and the manager emits several times per task.
 */
export class StreamSource<T> implements Deliverable<T> {
  readonly #queue: EmissionQueue;
  #subscribers: readonly Subscriber<T>[] = [];
  #completed = false;

  /** @param queue - the order this source emits in; by default one of its own. */
  readonly #watch: ObservedSources | undefined;

  /**
   * @param queue - the queue it emits through (shared by the sources whose emissions must keep their order).
   * @param watch - counts this source while it has subscribers, with others (so that a caller can skip looking
   * at each of many sources when none is observed).
   */
  constructor(queue: EmissionQueue = new EmissionQueue(), watch?: ObservedSources) {
    this.#queue = queue;
    this.#watch = watch;
  }

  /** Whether the stream has at least one subscriber. */
  get observed(): boolean {
    return this.#subscribers.length > 0;
  }

  /**
   * Emits `value` to every subscriber. A value emitted from inside a subscriber's callback (of this source or
   * of another on the same queue) is delivered after the current one has reached every subscriber.
   */
  next(value: T): void {
    if (this.#completed) return;
    this.#queue.emit(this, value);
  }

  /** Hands `value` to every subscriber now (for the {@link EmissionQueue}; use {@link next}). */
  deliver(value: T): void {
    if (this.#completed) return;
    // The array is replaced, never mutated, on (un)subscribe: this loop sees one consistent list.
    for (const subscriber of this.#subscribers) subscriber.next(value);
  }

  /** Completes the stream for every subscriber; a later subscriber completes at once, and `next()` does nothing. */
  complete(): void {
    this.#completed = true;
    const subscribers = this.#subscribers;
    this.#setSubscribers([]);
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
      this.#setSubscribers([...this.#subscribers, subscriber]);
      return () => {
        this.#setSubscribers(this.#subscribers.filter((other) => other !== subscriber));
      };
    }, onSubscriberError);
  }

  #setSubscribers(subscribers: readonly Subscriber<T>[]): void {
    const was = this.#subscribers.length > 0;
    this.#subscribers = subscribers;
    const is = subscribers.length > 0;
    if (this.#watch !== undefined && was !== is) this.#watch.count += is ? 1 : -1;
  }
}
