import { isObservable, Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import type { TaskWork } from '../tasks/task-work';
import type { WorkOwner } from './work-owner';

/**
 * A task's work as an Observable of one value: its result.
 *
 * Subscribing starts the work (calls the function, or subscribes to the Observable); unsubscribing stops what
 * can be stopped. A promise cannot be stopped: if it is still pending when the subscription ends, the owner is
 * told when it finally settles, so the manager can watch it as detached work.
 */
export class TaskWorkObservable<T> extends Observable<T> {
  readonly #work: TaskWork<T>;
  readonly #owner: WorkOwner;

  constructor(work: TaskWork<T>, owner: WorkOwner) {
    super();
    this.#work = work;
    this.#owner = owner;
  }

  protected _subscribe(subscriber: Subscriber<T>): TeardownLogic {
    const work = this.#work;
    if (isObservable(work)) return this.#follow(work, subscriber);
    if (typeof work !== 'function') return this.#await(work, subscriber);
    let result: ReturnType<typeof work>;
    try {
      result = work(this.#owner.signal);
    } catch (error) {
      this.#owner.workStopped();
      subscriber.error(error);
      return undefined;
    }
    if (isObservable(result)) return this.#follow(result, subscriber);
    if (isPromiseLike(result)) return this.#await(result, subscriber);
    this.#owner.workStopped();
    subscriber.next(result);
    subscriber.complete();
    return undefined;
  }

  /** Mirrors an Observable's last value; unsubscribing from it really stops it. */
  #follow(work$: Observable<T>, subscriber: Subscriber<T>): TeardownLogic {
    const owner = this.#owner;
    let last: T | undefined;
    const inner = work$.subscribe({
      next: (value) => {
        last = value;
      },
      error: (error: unknown) => {
        owner.workStopped();
        subscriber.error(error);
      },
      complete: () => {
        owner.workStopped();
        subscriber.next(last as T);
        subscriber.complete();
      },
    });
    return () => {
      inner.unsubscribe();
      owner.workStopped();
    };
  }

  /** Forwards a promise's outcome while subscribed, and reports it to the owner after that. */
  #await(promise: PromiseLike<T>, subscriber: Subscriber<T>): TeardownLogic {
    const owner = this.#owner;
    let settled = false;
    const onValue = (value: T): void => {
      if (settled) return;
      settled = true;
      if (subscriber.closed) return owner.workStopped({ ok: true, value });
      owner.workStopped();
      subscriber.next(value);
      subscriber.complete();
    };
    const onError = (error: unknown): void => {
      if (settled) return;
      settled = true;
      if (subscriber.closed) return owner.workStopped({ ok: false, error });
      owner.workStopped();
      subscriber.error(error);
    };
    try {
      promise.then(onValue, onError);
    } catch (error) {
      // A hostile thenable whose then() throws: the work failed, and nothing of it is left running.
      onError(error);
    }
    return undefined;
  }
}

/** Whether a value can be awaited like a promise. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
