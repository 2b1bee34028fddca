import {
  checkBoolean,
  checkDelay,
  checkNonNegativeInteger,
  checkPlainObject,
  checkPositiveInteger,
  checkTimeout,
  readOptions,
} from '../util/validate';
import { checkWorkerId } from './internal/validate-redis';

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
  /**
   * How often the worker appends a heartbeat (`kind: 'heartbeat'`: its counts, state and tasks in flight), in
   * milliseconds; one goes at once when the mirror starts. A viewer takes each heartbeat as the truth about the
   * worker (it converges after lost events), and marks a worker silent for its `workerTimeoutMs` as lost. `0`
   * sends none (a viewer then sees the worker only through its task events). Default `5_000`.
   */
  readonly heartbeatMs?: number;
  /** The most tasks in flight a heartbeat lists (the oldest); the others are counted in its `tasksOmitted`. Default `1_000`. */
  readonly maxHeartbeatTasks?: number;
  /**
   * Whether the worker obeys commands sent from a viewer (`RedisStreamsSubscriber.cancelTask()`/`cancelTasks()`):
   * it then reads the control stream beside the event stream (`<stream>:control`) on a connection of its own,
   * through a consumer group of its own (`agentflow:worker:<workerId>`), and its heartbeats say so. Off by
   * default: nothing outside the process can cancel its tasks unless you turn it on. Default `false`.
   */
  readonly control?: boolean;
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
  heartbeatMs: 5_000,
  maxHeartbeatTasks: 1_000,
  control: false,
});

/** {@link MirrorTaskEventsOptions} checked, with every default filled in. */
export type ResolvedMirrorOptions = Readonly<Required<MirrorTaskEventsOptions>>;

/**
 * Checks the options of `mirrorTaskEvents()` once and fills in their defaults.
 *
 * @param options - the options given.
 * @param defaultWorkerId - the publisher's `workerId`, the default of `workerId`.
 * @throws {@link InvalidArgumentError} when an option is not acceptable.
 */
export function resolveMirrorOptions(given: MirrorTaskEventsOptions, defaultWorkerId: string): ResolvedMirrorOptions {
  checkPlainObject('options', given);
  const options = readOptions('options', given, [
    'workerId',
    'batchMs',
    'maxBatch',
    'maxQueued',
    'includePublishTasks',
    'heartbeatMs',
    'maxHeartbeatTasks',
    'control',
  ]);
  checkWorkerId('workerId', options.workerId);
  checkTimeout('batchMs', options.batchMs);
  checkPositiveInteger('maxBatch', options.maxBatch);
  checkPositiveInteger('maxQueued', options.maxQueued);
  checkBoolean('includePublishTasks', options.includePublishTasks);
  checkDelay('heartbeatMs', options.heartbeatMs);
  checkNonNegativeInteger('maxHeartbeatTasks', options.maxHeartbeatTasks);
  checkBoolean('control', options.control);
  const defaults = DEFAULT_MIRROR_TASK_EVENTS_OPTIONS;
  return {
    workerId: options.workerId ?? defaultWorkerId,
    batchMs: options.batchMs ?? defaults.batchMs,
    maxBatch: options.maxBatch ?? defaults.maxBatch,
    maxQueued: options.maxQueued ?? defaults.maxQueued,
    includePublishTasks: options.includePublishTasks ?? defaults.includePublishTasks,
    heartbeatMs: options.heartbeatMs ?? defaults.heartbeatMs,
    maxHeartbeatTasks: options.maxHeartbeatTasks ?? defaults.maxHeartbeatTasks,
    control: options.control ?? defaults.control,
  };
}
