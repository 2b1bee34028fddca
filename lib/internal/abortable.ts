/**
 * Settles with `value`, or rejects with `signal.reason` as soon as the signal aborts, whichever comes first.
 * The listener is removed when `value` settles; a rejection of `value` after the abort is absorbed.
 */
export function raceSignal<T>(value: T | PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    if (isPromiseLike(value)) Promise.resolve(value).catch(ignore);
    return Promise.reject(signal.reason);
  }
  if (!isPromiseLike(value)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
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

function ignore(): void {
  // the run already rejected with the signal's reason
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<T>).then === 'function'
  );
}
