import type { Observable, Subscription } from 'rxjs';

/**
 * The `custom` chunks of a run, kept from the moment the run starts (LangGraph.js runs its nodes as soon as
 * `stream()` is called, before anyone reads the stream) until {@link forwardRun} hands them on.
 */
export class ChunkBuffer {
  readonly queue: unknown[] = [];
  #wake: (() => void) | undefined;
  readonly #subscription: Subscription;

  constructor(chunks$: Observable<unknown>) {
    this.#subscription = chunks$.subscribe((chunk) => {
      this.queue.push(chunk);
      this.wakeUp();
    });
  }

  /** Resolves at the next chunk (or {@link wakeUp}). */
  next(): Promise<undefined> {
    return new Promise((resolve) => {
      this.#wake = () => resolve(undefined);
    });
  }

  wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  close(): void {
    this.#subscription.unsubscribe();
    this.#wake = undefined;
  }
}

/** What {@link forwardRun} needs of the run whose stream it forwards. */
export interface ForwardedRun {
  /** The run's task events as `custom` chunks; `undefined` when the stream has no `custom` mode. */
  readonly chunks: ChunkBuffer | undefined;
  /** Resolves once the run's tasks have settled (`waitForTasks`); `undefined` to end with the graph's stream. */
  readonly tasksSettled: (() => Promise<unknown>) | undefined;
  /** The consumer stopped reading before the graph's stream ended: the run is cancelled. */
  readonly cancelled: () => void;
  /** The forwarding ended, however it ended. */
  readonly ended: () => void;
}

/**
 * The stream a wrapped graph's `stream()` returns: LangGraph.js's chunks as they come, with the run's task events
 * in between as `custom` chunks, while the stream is open (then, with `waitForTasks`, until the run's tasks have
 * settled). A consumer that stops early (`break`, `return()`, `cancel()`) stops the graph's stream, as LangGraph.js
 * does, and cancels the run's tasks in flight; an error of the graph's stream is passed on, and leaves the tasks be.
 */
export async function* forwardRun(source: AsyncIterable<unknown>, run: ForwardedRun): AsyncGenerator<unknown> {
  const chunks = run.chunks;
  const queue: unknown[] = chunks?.queue ?? [];
  const woken = (): Promise<undefined> => chunks?.next() ?? new Promise<undefined>(() => undefined);
  const iterator = source[Symbol.asyncIterator]();
  let sourceEnded = false;
  let failed = false;
  try {
    let next: Promise<IteratorResult<unknown>> | undefined;
    for (;;) {
      while (queue.length > 0) yield queue.shift();
      if (sourceEnded) break;
      next ??= iterator.next();
      let result: IteratorResult<unknown> | undefined;
      try {
        result = await Promise.race([next, woken()]);
      } catch (error) {
        failed = true;
        throw error;
      }
      if (result === undefined) continue; // a task event came first
      next = undefined;
      if (result.done === true) sourceEnded = true;
      else yield result.value;
    }
    if (run.tasksSettled !== undefined) {
      let settled = false;
      const waiting = run.tasksSettled().then(
        () => (settled = true),
        () => (settled = true),
      );
      while (!settled || queue.length > 0) {
        while (queue.length > 0) yield queue.shift();
        if (settled) break;
        await Promise.race([waiting, woken()]);
      }
    }
  } finally {
    chunks?.close();
    if (!sourceEnded && !failed) {
      run.cancelled();
      try {
        await iterator.return?.();
      } catch {
        // the graph's stream failing to stop is its own affair: the consumer asked to stop, and has
      }
    }
    run.ended();
  }
}
