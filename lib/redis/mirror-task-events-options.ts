/**
 * Options of {@link mirrorTaskEvents}.
 *
 * @example
 * ```ts
 * const mirror = mirrorTaskEvents(manager, publisher, { workerId: 'billing-1', batchMs: 250, maxQueued: 20_000 });
 * ```
 */
export interface MirrorTaskEventsOptions {
  /** The worker written with every entry, which the cluster view groups by. Default: the publisher's `workerId` (`'<hostname>:<pid>'` unless set). */
  readonly workerId?: string;
  /** How long an event may wait for others to fill its batch, in milliseconds. Default `100`. */
  readonly batchMs?: number;
  /** The most entries appended in one pipelined batch; a full batch is sent at once. Default `500`. */
  readonly maxBatch?: number;
  /**
   * The most events waiting to be handed to the publisher (while a batch is being appended); beyond that new
   * events are dropped and counted in `stats.dropped`. Default `10_000`.
   */
  readonly maxQueued?: number;
  /**
   * Whether to mirror the tasks `publishEvent()` creates (named `'publish_event'`) too: off by default, since
   * each published event would otherwise add three task events to the stream.
   */
  readonly includePublishTasks?: boolean;
}

/**
 * The defaults of {@link MirrorTaskEventsOptions}, in one place (`workerId` defaults to the publisher's).
 *
 * @example
 * ```ts
 * console.log(DEFAULT_MIRROR_TASK_EVENTS_OPTIONS.batchMs); // 100
 * ```
 */
export const DEFAULT_MIRROR_TASK_EVENTS_OPTIONS: Readonly<Required<Omit<MirrorTaskEventsOptions, 'workerId'>>> = Object.freeze({
  batchMs: 100,
  maxBatch: 500,
  maxQueued: 10_000,
  includePublishTasks: false,
});
