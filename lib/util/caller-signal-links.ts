import { ONCE } from './once-listener';

/** Something that can be cancelled by a caller's signal. */
export interface CallerCancellable {
  cancelFromCaller(reason: unknown): void;
}

/**
 * Links caller `AbortSignal`s to what they cancel (tasks, graph runs), with one `abort` listener per signal.
 *
 * Many tasks and runs often share one caller signal (a request's). Adding one listener per task or run would
 * print `MaxListenersExceededWarning` past ten and make each removal a search of the signal's listener list;
 * here each link is one `Set` entry. {@link callerSignalLinks} is the one instance the whole library shares, so
 * a signal gets one listener however many managers and graphs it is passed to.
 */
export class CallerSignalLinks {
  readonly #links = new Map<AbortSignal, Set<CallerCancellable>>();

  /** Cancels `target` when `signal` aborts, until {@link unlink} is called. */
  link(signal: AbortSignal, target: CallerCancellable): void {
    let targets = this.#links.get(signal);
    if (targets === undefined) {
      targets = new Set();
      this.#links.set(signal, targets);
      signal.addEventListener('abort', this.#onAbort, ONCE);
    }
    targets.add(target);
  }

  /** Forgets the link between `signal` and `target`; the signal's listener goes with its last link. */
  unlink(signal: AbortSignal, target: CallerCancellable): void {
    const targets = this.#links.get(signal);
    if (targets === undefined || !targets.delete(target) || targets.size > 0) return;
    this.#links.delete(signal);
    signal.removeEventListener('abort', this.#onAbort);
  }

  /** How many signals have a listener (for tests). */
  get size(): number {
    return this.#links.size;
  }

  readonly #onAbort = (event: Event): void => {
    const signal = event.target as AbortSignal;
    const targets = this.#links.get(signal);
    if (targets === undefined) return;
    this.#links.delete(signal);
    const reason: unknown = signal.reason;
    for (const target of [...targets]) {
      try {
        target.cancelFromCaller(reason);
      } catch {
        // a target's cancellation is its own affair: the others are still cancelled
      }
    }
  };
}

/** The library's one registry of caller-signal links. */
export const callerSignalLinks = new CallerSignalLinks();
