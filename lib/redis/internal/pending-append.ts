import type { PublishFailedError } from '../../errors/publish-failed-error';

/** Told once what became of an entry: `undefined` when Redis acknowledged it, the failure otherwise. */
export type AppendSettled = (failure: PublishFailedError | undefined) => void;

/**
 * The entries of one `appendBatch()` call still to be accounted for: each counts once, when it settles or first
 * waits in a queue, and the last one resolves the batch. One object per batch, not a callback per entry.
 */
export class BatchProgress {
  #left: number;
  readonly #resolve: () => void;

  constructor(entries: number, resolve: () => void) {
    this.#left = entries;
    this.#resolve = resolve;
    if (entries === 0) resolve();
  }

  /** One entry is accounted for. */
  entryDone(): void {
    if (--this.#left === 0) this.#resolve();
  }
}

/**
 * One entry a {@link RedisStreamWriter} was handed, from the call until it is settled: acknowledged, dropped or
 * failed, exactly once. It is waiting in one of the writer's queues (`queued`), in flight, or settled.
 */
export class PendingAppend {
  /** The whole `XADD` command, made once: sent as it is, and again on a retry. */
  readonly command: readonly string[];
  /** When it must be settled by, on `performance.now()`'s clock (`Infinity`: no bound). */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  /** How many times it was sent. */
  attempts = 0;
  /** Whether it waits in the writer's retry or held queue. */
  queued = false;
  /** The error of its last attempt, the cause of a failure. */
  lastError: unknown;
  #settled: AppendSettled | undefined;
  #done = false;
  /** The batch it belongs to, told once when it settles or first waits (for a caller that paces itself). */
  #progress: BatchProgress | undefined;

  constructor(
    command: readonly string[],
    deadline: number,
    settled: AppendSettled | undefined,
    signal: AbortSignal | undefined,
    progress?: BatchProgress,
  ) {
    this.command = command;
    this.deadline = deadline;
    this.#settled = settled;
    this.signal = signal;
    this.#progress = progress;
  }

  get settled(): boolean {
    return this.#done;
  }

  /** Tells its batch it waits in a queue (the first time only). */
  waiting(): void {
    const progress = this.#progress;
    if (progress === undefined) return;
    this.#progress = undefined;
    progress.entryDone();
  }

  /** Reports the outcome, once; later calls do nothing. */
  settle(failure: PublishFailedError | undefined): void {
    if (this.#done) return;
    this.#done = true;
    const settled = this.#settled;
    this.#settled = undefined;
    this.waiting();
    settled?.(failure);
  }
}
