import type { PublishFailedError } from '../../errors/publish-failed-error';

/** Told once what became of an entry: `undefined` when Redis acknowledged it, the failure otherwise. */
export type AppendSettled = (failure: PublishFailedError | undefined) => void;

/**
 * One entry a {@link RedisStreamWriter} was handed, from the call until it is settled: acknowledged, dropped or
 * failed, exactly once. It is waiting in one of the writer's queues (`queued`), in flight, or settled.
 */
export class PendingAppend {
  readonly fields: readonly string[];
  /** When it must be settled by, on `performance.now()`'s clock (`Infinity`: no bound). */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  /** How many times it was sent. */
  attempts = 0;
  /** Whether it waits in the writer's retry or held queue. */
  queued = false;
  /** The error of its last attempt, the cause of a failure. */
  lastError: unknown;
  /** Told the first time it waits in a queue (for a caller that paces itself on "sent or waiting"). */
  readonly onQueued: (() => void) | undefined;
  #settled: AppendSettled | undefined;

  constructor(
    fields: readonly string[],
    deadline: number,
    settled: AppendSettled,
    signal: AbortSignal | undefined,
    onQueued?: () => void,
  ) {
    this.fields = fields;
    this.deadline = deadline;
    this.#settled = settled;
    this.signal = signal;
    this.onQueued = onQueued;
  }

  get settled(): boolean {
    return this.#settled === undefined;
  }

  /** Reports the outcome, once; later calls do nothing. */
  settle(failure: PublishFailedError | undefined): void {
    const settled = this.#settled;
    if (settled === undefined) return;
    this.#settled = undefined;
    settled(failure);
  }
}
