import type { LogSink } from './guarded-logger';

/**
 * Logs a warning at most once per interval; the next one says how many were held back meanwhile.
 *
 * It keeps no timer: a burst of refusals costs one log line, and nothing is left running.
 */
export class RateLimitedWarning {
  readonly #logger: LogSink;
  readonly #intervalMs: number;
  #lastAt = -Infinity;
  #suppressed = 0;

  constructor(logger: LogSink, intervalMs: number) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** Logs the message built by `message()` unless one was logged less than the interval ago. */
  warn(message: () => string): void {
    const now = performance.now();
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++;
      return;
    }
    const suppressed = this.#suppressed;
    this.#lastAt = now;
    this.#suppressed = 0;
    const note = suppressed > 0 ? ` (${suppressed} similar warnings suppressed)` : '';
    this.#logger.warn(message() + note);
  }
}
