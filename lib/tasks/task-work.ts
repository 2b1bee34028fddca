import type { Observable } from 'rxjs';

/**
 * A function that starts a task's work, given the task's signal.
 *
 * The signal aborts when the task is cancelled, times out, is shed, or the caller's signal aborts;
 * `signal.reason` says which. Work that honours it stops at once; work that ignores it keeps running
 * as *detached work* (see {@link BackgroundTaskManager}).
 *
 * **Only a function that declares a parameter receives the signal.** The manager reads the function's
 * `length`, as Mocha and Express do: `(signal) => fetch(url, { signal })` gets it; `async () => send(user)`
 * (length 0) is called with nothing, and no `AbortController` is created for it unless someone reads
 * `handle.signal` (which halves its cost; see benchmark 7). Such work cannot be stopped, so when its task is
 * cancelled or times out it runs on as detached work, like an already-started promise. A parameter with a
 * default value or a rest parameter does not count in `length`: write `(signal) => …`, not
 * `(signal = undefined) => …` or `(...args) => …`, for work that must see its signal.
 *
 * The function is called one microtask after `createTask`, in the async context of that `createTask` call
 * (its `AsyncLocalStorage` values, its OpenTelemetry span), whatever other tasks were created in the same tick.
 *
 * @typeParam T - the task's result.
 * @example
 * ```ts
 * const work: TaskWorkFunction<Response> = (signal) => fetch(url, { signal });
 * manager.createTask(work, { name: 'fetch', timeoutMs: 5_000 });
 * ```
 */
export type TaskWorkFunction<T> = (signal: AbortSignal) => PromiseLike<T> | Observable<T> | T;

/**
 * What `createTask` accepts as work.
 *
 * - A {@link TaskWorkFunction}: the preferred form; it gets the task's `AbortSignal` when it declares a
 *   parameter for it.
 * - An `Observable<T>`: subscribed on start, unsubscribed on cancellation (which really stops it);
 *   its last value is the result (`undefined` if it completes empty).
 * - An already-started `PromiseLike<T>`: tracked, timed out and cancelled in the manager's books,
 *   but JavaScript cannot stop it: after cancellation it keeps running as detached work until it settles.
 *
 * @typeParam T - the task's result.
 * @example
 * ```ts
 * manager.createTask((signal) => sendEmail(user, { signal }));   // function: cancellable
 * manager.createTask(interval(1_000).pipe(take(3)));             // Observable: cancellable
 * manager.createTask(sendEmail(user));                           // promise: tracked, not stoppable
 * ```
 */
export type TaskWork<T> = TaskWorkFunction<T> | Observable<T> | PromiseLike<T>;
