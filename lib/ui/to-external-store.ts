import { isObservable, type Observable, type Subscription } from 'rxjs';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { defaultLog } from '../logging/guarded-logger';
import { checkPlainObject, readOptions } from '../util/validate';
import type { ExternalStore, ExternalStoreListener, ExternalStoreOptions } from './external-store';

/** One call to `subscribe()`: an object of its own, so the same function subscribed twice counts twice. */
interface ListenerEntry<T> {
  readonly listener: ExternalStoreListener<T>;
}

/**
 * Turns an Observable into an {@link ExternalStore} for React's `useSyncExternalStore` and Svelte's `$store`.
 *
 * The store subscribes to `source$` lazily, when its first listener arrives, and unsubscribes when its last
 * listener leaves (reference-counted); a later first listener subscribes again. `getSnapshot()` works at any
 * time: it returns `initial` until the source emits, then the latest value, the same reference until the value
 * changes (per `equals`). A source that emits synchronously on subscribe (as the manager's `counts$` does)
 * brings the value up to date before the new listener is called.
 *
 * A source error is logged at ERROR on the library's logger and ends the subscription; the store keeps its
 * last value, and subscribes again the next time it gets a first listener. A completed source leaves the
 * last value in place.
 *
 * @typeParam T - the value.
 * @param source$ - where the values come from.
 * @param initial - the value until `source$` emits.
 * @param options - `equals`, see {@link ExternalStoreOptions}.
 * @returns the store; its methods can be passed detached.
 * @throws {@link InvalidArgumentError} when `source$` is not an Observable or `options.equals` not a function.
 * @example
 * ```tsx
 * const counts = toExternalStore(manager.counts$, taskCountsSnapshot(manager));
 *
 * // React
 * const { active } = useSyncExternalStore(counts.subscribe, counts.getSnapshot);
 *
 * // Svelte: a store as far as `$counts` is concerned
 * // <p>{$counts.active} tasks running</p>
 * ```
 */
export function toExternalStore<T>(
  source$: Observable<T>,
  initial: T,
  options: ExternalStoreOptions<T> = {},
): ExternalStore<T> {
  if (!isObservable(source$)) throw new InvalidArgumentError('source$', 'an Observable', source$);
  checkPlainObject('options', options);
  const settings = readOptions('options', options, ['equals']);
  if (settings.equals !== undefined && typeof settings.equals !== 'function') {
    throw new InvalidArgumentError('equals', 'a function (current, next) => boolean', settings.equals);
  }
  const equals = settings.equals ?? Object.is;
  const listeners = new Set<ListenerEntry<T>>();
  let value = initial;
  let subscription: Subscription | undefined;

  const receive = (next: T): void => {
    if (equals(value, next)) return;
    value = next;
    for (const entry of [...listeners]) {
      // A listener removed by an earlier one during this round is not called.
      if (listeners.has(entry)) callListener(entry.listener, next);
    }
  };

  const subscribe = (listener: ExternalStoreListener<T>): (() => void) => {
    if (typeof listener !== 'function') throw new InvalidArgumentError('listener', 'a function', listener);
    if (listeners.size === 0) {
      subscription = source$.subscribe({
        next: receive,
        error: (error: unknown) => {
          defaultLog().error(`The source of an external store failed: ${defaultLog().describe(error)}`, error);
        },
      });
    }
    const entry: ListenerEntry<T> = { listener };
    listeners.add(entry);
    callListener(listener, value);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      listeners.delete(entry);
      if (listeners.size > 0) return;
      subscription?.unsubscribe();
      subscription = undefined;
    };
  };

  return {
    subscribe,
    getSnapshot: () => value,
    getServerSnapshot: () => initial,
  };
}

function callListener<T>(listener: ExternalStoreListener<T>, value: T): void {
  try {
    listener(value);
  } catch (error) {
    defaultLog().error(`A listener of an external store threw: ${defaultLog().describe(error)}`, error);
  }
}
