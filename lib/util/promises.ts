/**
 * The intrinsic `Promise`, captured when the library loads: an application that replaces `globalThis.Promise`
 * afterwards (a promise library installed globally) changes nothing here. Async functions return these.
 */
export const NativePromise: PromiseConstructor = Promise;

/** The intrinsic `Promise.prototype.then`, captured before any user code could replace it. */
export const promiseThen = NativePromise.prototype.then;

/** The intrinsic `Promise.resolve`. */
const promiseResolve = NativePromise.resolve;

/**
 * A resolved native promise whose reactions never consult `Promise[Symbol.species]` (which user code can
 * redefine, even to throw): its own `constructor` is `undefined`, so `then()` makes its result with the intrinsic
 * `Promise`. Reactions of it are the library's way to run something one microtask later in the caller's async
 * context.
 */
export function isolatedResolvedPromise(): Promise<void> {
  const promise = promiseResolve.call(NativePromise, undefined) as Promise<void>;
  Object.defineProperty(promise, 'constructor', { value: undefined });
  return promise;
}

/**
 * `promise.then(onValue, onError)` that no user code can intercept: the intrinsic `then` is called, whatever a
 * native promise's own `then` property says, and any thenable (a promise of a library installed as
 * `globalThis.Promise` included) is first adopted by a native promise. It never throws: what adopting the value
 * or calling `then` throws is handed to `onError`.
 */
export function followPromise<T>(value: T | PromiseLike<T>, onValue: (value: T) => void, onError: (error: unknown) => void): void {
  try {
    const promise = promiseResolve.call(NativePromise, value) as Promise<T>;
    promiseThen.call(promise, onValue, onError);
  } catch (error) {
    // adopting it threw (a `constructor` or `then` getter), or `then()` did (a `Promise[Symbol.species]` that throws)
    onError(error);
  }
}

/** `value instanceof type`, false for a value whose prototype chain cannot be read (a revoked Proxy, say). */
export function isInstanceOf<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}
