import type { Observable, Subscription } from 'rxjs';

/**
 * One run's stream, merged: LangGraph.js's chunks and the run's task events (as `custom` chunks) in one queue, in
 * the order they happened. The graph's stream is read from the start (LangGraph.js runs the graph as soon as
 * `stream()` is called, and buffers its chunks whether anyone reads or not), so that a task event lands after the
 * chunks of the steps before it, not after every chunk buffered by the time the consumer reads.
 */
export class RunStreamBuffer {
  readonly #queue: unknown[] = [];
  #wake: (() => void) | undefined;
  readonly #subscription: Subscription | undefined;
  #iterator: AsyncIterator<unknown> | undefined;
  #sourceEnded = false;
  #failure: { readonly error: unknown } | undefined;
  #stopped = false;
  #stopRequested = false;
  readonly #sourceEndedHook: () => void;

  /**
   * Listens to the run's task events from now on: made before `stream()` is called, which may run nodes at once.
   *
   * @param chunks$ - the run's task events as `custom` chunks; `undefined` when the stream has no `custom` mode.
   * @param sourceEnded - called once the graph's stream ended (the run is over, read or not).
   */
  constructor(chunks$: Observable<unknown> | undefined, sourceEnded: () => void) {
    this.#sourceEndedHook = sourceEnded;
    this.#subscription = chunks$?.subscribe((chunk) => this.#push(chunk));
  }

  /** Starts reading the graph's stream. */
  attach(source: AsyncIterable<unknown>): void {
    this.#iterator = source[Symbol.asyncIterator]();
    void this.#pump(this.#iterator);
  }

  /** Whether the graph's stream ended by itself (a failure included). */
  get sourceEnded(): boolean {
    return this.#sourceEnded;
  }

  /** The graph's stream failure, if it failed. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  /** The next queued chunk, if any. */
  take(): { readonly chunk: unknown } | undefined {
    return this.#queue.length === 0 ? undefined : { chunk: this.#queue.shift() };
  }

  /** Resolves at the next chunk or the end of the graph's stream. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Whether the consumer asked to stop (see {@link requestStop}). */
  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  /**
   * The consumer stopped reading (`break`, `cancel()`): wakes the forwarding wherever it waits (the graph's stream,
   * or the run's tasks), so that it stops now rather than after the wait.
   */
  requestStop(): void {
    this.#stopRequested = true;
    this.#wakeUp();
  }

  /** Stops listening to the run's task events. */
  closeEvents(): void {
    this.#subscription?.unsubscribe();
  }

  /** The consumer stopped reading: stop the graph's stream, as LangGraph.js does when its own is left. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.closeEvents();
    if (this.#sourceEnded) return;
    try {
      await this.#iterator?.return?.();
    } catch {
      // the graph's stream failing to stop is its own affair: the consumer asked to stop, and has
    }
  }

  async #pump(iterator: AsyncIterator<unknown>): Promise<void> {
    try {
      for (;;) {
        const result = await iterator.next();
        if (result.done === true || this.#stopped) break;
        this.#push(result.value);
      }
    } catch (error) {
      if (!this.#stopped) this.#failure = { error };
    }
    this.#sourceEnded = true;
    this.#sourceEndedHook();
    this.#wakeUp();
  }

  #push(chunk: unknown): void {
    if (this.#stopped) return;
    this.#queue.push(chunk);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** What {@link forwardRun} needs of the run whose stream it forwards. */
export interface ForwardedRun {
  /**
   * Resolves once the run's tasks have settled (`waitForTasks`), with whether the caller's signal aborted the wait;
   * `undefined` to end with the graph's stream.
   */
  readonly tasksSettled: (() => Promise<boolean>) | undefined;
  /** The caller's signal's reason, thrown when it aborted the wait. */
  readonly abortReason: () => unknown;
  /** The consumer stopped reading before the graph's stream ended: the run is cancelled. */
  readonly cancelled: () => void;
  /** The forwarding ended, however it ended. */
  readonly ended: () => void;
}

/**
 * The stream a wrapped graph's `stream()` returns: the buffer's chunks, until the graph's stream ends (then, with
 * `waitForTasks`, until the run's tasks have settled). A consumer that stops early (`break`, `return()`,
 * `cancel()`) stops the graph's stream and cancels the run's tasks in flight; a failure of the graph's stream is
 * passed on after the chunks before it, and leaves the tasks be.
 */
export async function* forwardRun(buffer: RunStreamBuffer, run: ForwardedRun): AsyncGenerator<unknown> {
  let finished = false;
  try {
    for (;;) {
      const next = buffer.take();
      if (next !== undefined) {
        yield next.chunk;
        continue;
      }
      if (buffer.sourceEnded) break;
      await buffer.changed();
      if (buffer.stopRequested) return;
    }
    const failure = buffer.failure;
    if (failure !== undefined) {
      finished = true;
      throw failure.error;
    }
    if (run.tasksSettled !== undefined) {
      let settled = false;
      let aborted = false;
      const waiting = run.tasksSettled().then(
        (wasAborted) => {
          aborted = wasAborted;
          settled = true;
        },
        () => (settled = true),
      );
      for (;;) {
        const next = buffer.take();
        if (next !== undefined) {
          yield next.chunk;
          continue;
        }
        if (settled) break;
        await Promise.race([waiting, buffer.changed()]);
        if (buffer.stopRequested) return;
      }
      if (aborted) {
        finished = true;
        throw run.abortReason();
      }
    }
    finished = true;
  } finally {
    if (finished) buffer.closeEvents();
    else {
      run.cancelled();
      await buffer.stop();
    }
    run.ended();
  }
}
