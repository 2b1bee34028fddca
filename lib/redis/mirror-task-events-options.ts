import {
  checkBoolean,
  checkDelay,
  checkNonNegativeInteger,
  checkPlainObject,
  checkPositiveInteger,
  checkTimeout,
  MAX_TIMER_MS,
  readOptions,
} from '../util/validate';
import { checkWorkerId } from './internal/validate-redis';
import { InvalidArgumentError } from '../errors/invalid-argument-error';

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
  /**
   * With `control`, how long another worker's control group may go unread before this worker removes it when it
   * starts, in milliseconds: a group whose every consumer has been idle that long belongs to a worker that crashed
   * (a live one reads every second, and a stopped one removes its own group). Without it, workers whose
   * `workerId` changes with each process (the default one holds the process id) would leave a group per process
   * on the control stream. At least `5_000`. Default `600_000` (10 minutes).
   */
  readonly staleControlGroupMs?: number;
}

/** The shortest `staleControlGroupMs`: five of a control reader's one-second blocking reads. */
const MIN_STALE_CONTROL_GROUP_MS = 5_000;

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
  staleControlGroupMs: 600_000,
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
    'staleControlGroupMs',
  ]);
  checkWorkerId('workerId', options.workerId);
  checkTimeout('batchMs', options.batchMs);
  checkPositiveInteger('maxBatch', options.maxBatch);
  checkPositiveInteger('maxQueued', options.maxQueued);
  checkBoolean('includePublishTasks', options.includePublishTasks);
  checkDelay('heartbeatMs', options.heartbeatMs);
  checkNonNegativeInteger('maxHeartbeatTasks', options.maxHeartbeatTasks);
  checkBoolean('control', options.control);
  const stale = options.staleControlGroupMs;
  // a live reader's consumer is idle for up to about a second: a shorter bound would remove live workers' groups
  if (stale !== undefined && (typeof stale !== 'number' || !(stale >= MIN_STALE_CONTROL_GROUP_MS) || stale > MAX_TIMER_MS)) {
    throw new InvalidArgumentError('staleControlGroupMs', `a number of milliseconds >= ${MIN_STALE_CONTROL_GROUP_MS} and <= ${MAX_TIMER_MS}`, stale);
  }
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
    staleControlGroupMs: options.staleControlGroupMs ?? defaults.staleControlGroupMs,
  };
}
