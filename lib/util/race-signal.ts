import { isPromiseLike } from './is-promise-like';
import { ignoreOutcome } from './noop';
import { ONCE } from './once-listener';

/**
 * Settles with `value`, or rejects with `signal.reason` as soon as the signal aborts, whichever comes first.
 * The listener is removed when `value` settles; a rejection of `value` after the abort is absorbed.
 */
export function raceSignal<T>(value: T | PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    if (isPromiseLike(value)) ignoreOutcome(value); // the run already rejected with the signal's reason
    return Promise.reject(signal.reason);
  }
  if (!isPromiseLike(value)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, ONCE);
    Promise.resolve(value).then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

