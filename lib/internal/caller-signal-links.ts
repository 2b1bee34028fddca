/** Something that can be cancelled by a caller's signal. */
export interface CallerCancellable {
  cancelFromCaller(reason: unknown): void;
}

/**
 * Links caller `AbortSignal`s to the tasks they cancel, with one listener per signal.
 *
 * Many tasks often share one caller signal (a request's). Adding and removing one `abort` listener per task
 * would make each removal a search of that signal's listener list; here each task is one `Set` entry.
 */
export class CallerSignalLinks<T extends CallerCancellable> {
  readonly #links = new Map<AbortSignal, Set<T>>();

  /** Cancels `task` when `signal` aborts, until {@link unlink} is called. */
  link(signal: AbortSignal, task: T): void {
    let tasks = this.#links.get(signal);
    if (tasks === undefined) {
      tasks = new Set();
      this.#links.set(signal, tasks);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    tasks.add(task);
  }

  /** Forgets the link between `signal` and `task`; the signal's listener goes with its last task. */
  unlink(signal: AbortSignal, task: T): void {
    const tasks = this.#links.get(signal);
    if (tasks === undefined || !tasks.delete(task) || tasks.size > 0) return;
    this.#links.delete(signal);
    signal.removeEventListener('abort', this.#onAbort);
  }

  readonly #onAbort = (event: Event): void => {
    const signal = event.target as AbortSignal;
    const tasks = this.#links.get(signal);
    if (tasks === undefined) return;
    this.#links.delete(signal);
    for (const task of [...tasks]) task.cancelFromCaller(signal.reason);
  };
}
