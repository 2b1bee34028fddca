/**
 * The manager's running totals, as `counts$` emits them.
 *
 * They balance: `created = active + completed + failed + cancelled + timedOut`.
 * `dropped` is counted apart: it counts tasks refused (never created) and tasks shed by `'drop-oldest'`
 * (which are also counted as `cancelled`).
 *
 * @example
 * ```ts
 * manager.counts$.subscribe(({ active, failed, dropped }) => render({ active, failed, dropped }));
 * ```
 */
export interface TaskCounts {
  /** Tasks in flight: created and not yet in a final status. */
  readonly active: number;
  /** Tasks accepted so far. */
  readonly created: number;
  /** Tasks whose work finished. */
  readonly completed: number;
  /** Tasks whose work threw or rejected. */
  readonly failed: number;
  /** Tasks cancelled (by `cancel()`, `cancelAll()`, `shutdown()`, the caller's signal, or `'drop-oldest'`). */
  readonly cancelled: number;
  /** Tasks that reached their `timeoutMs`. */
  readonly timedOut: number;
  /** Tasks refused or shed under `maxPendingTasks`, or refused after shutdown. */
  readonly dropped: number;
}
