import { followPromise } from './promises';

/** Does nothing: the callback for an outcome that is deliberately ignored. */
export function noop(): void {
  // nothing to do
}

/** Swallows a promise's outcome, so that its rejection never becomes an unhandled one. It never throws. */
export function ignoreOutcome(promise: PromiseLike<unknown>): void {
  followPromise(promise, noop, noop);
}
