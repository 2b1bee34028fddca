import type { Subscription } from 'rxjs';
import type { LogSink } from '../../logging/guarded-logger';
import { RateLimitedWarning } from '../../logging/rate-limited-warning';
import type { Redactor } from '../../redaction/redactor';
import type { BackgroundTaskManager } from '../../tasks/background-task-manager';
import type { TaskEvent } from '../../tasks/task-event';
import type { TaskCounts } from '../../tasks/task-counts';
import type { TaskInfo } from '../../tasks/task-info';
import { TaskDroppedError } from '../../errors/task-dropped-error';
import { isInstanceOf } from '../../util/promises';
import type { MirroredHeartbeat, MirroredTaskInfo } from '../stream-entry';
import type { ResolvedMirrorOptions } from '../mirror-task-events-options';
import type { TaskEventMirror, TaskEventMirrorStats } from '../task-event-mirror';
import type { RedisStreamWriter } from './redis-stream-writer';
import { ControlReader, type ControlCounters } from './control-reader';
import { BatchQueue } from './batch-queue';
import { encodeHeartbeatEntry, encodeTaskEventEntry, encodeWorkerStoppedEntry } from './stream-entry-codec';

/** How often, at most, drops are logged. */
const DROP_WARNING_INTERVAL_MS = 10_000;
/** How long a control-stream housekeeping command may take (connecting first, if need be). */
const HOUSEKEEPING_WAIT_MS = 2_000;

/** How a {@link TaskEventMirrorRun} behaves. */
export interface MirrorSettings
  extends Pick<
    ResolvedMirrorOptions,
    'workerId' | 'batchMs' | 'maxBatch' | 'maxQueued' | 'heartbeatMs' | 'maxHeartbeatTasks' | 'control' | 'staleControlGroupMs'
  > {
  /** Task names never mirrored. */
  readonly skipNames: ReadonlySet<string>;
  readonly logger: LogSink;
  /** Called once when `stop()` begins. */
  readonly stopped?: () => void;
}

/**
 * Subscribes to a manager's `events$`, counts each event at once, and hands them to the writer in batches: a
 * batch goes when it is full (`maxBatch`) or `batchMs` after its first event, and only one batch is in the writer
 * at a time. Beyond `maxQueued` waiting events, new ones are dropped and counted.
 *
 * **Encoded when sent.** The queue holds the events, and a batch is encoded (redacted, as JSON) when it is handed
 * to the writer: an entry encoded at once lived through the whole wait in the queue, and in a burst of 30,000
 * events those entries, promoted out of the young generation, made garbage collection a third of the mirror's time
 * (30,000 tasks at once through a local Redis, Node 20: 8.4-11 us per entry before, 6.5-6.8 us after). So an event's context is sent as it is when its batch
 * goes (within `batchMs` of the event while Redis keeps up), as a heartbeat sends it as it is then.
 *
 * **Heartbeats.** One at start, then every `heartbeatMs`: the manager's counts and state and its tasks in flight,
 * taken when it is queued, so that it follows in the stream every event emitted before it (the queue is first in,
 * first out) and carries the `seq` of the last of them. At most one waits in the queue (a heartbeat due while the
 * previous one still waits is skipped: the waiting one is recent enough), and heartbeats do not count against
 * `maxQueued`. `stop()` queues a `worker_stopped` entry last.
 */
export class TaskEventMirrorRun implements TaskEventMirror {
  readonly #writer: RedisStreamWriter;
  readonly #settings: MirrorSettings;
  /** The manager's: mirrored events leave the process redacted by its rules. */
  readonly #redactor: Redactor;
  readonly #manager: BackgroundTaskManager;
  readonly #subscription: Subscription;
  readonly #dropWarning: RateLimitedWarning;
  /** A random id of this mirror, sent in its heartbeats. */
  readonly #instance = Math.random().toString(36).slice(2, 12);
  #heartbeatTimer: NodeJS.Timeout | undefined;
  /** The queued heartbeat entry not yet handed to the writer. */
  #waitingHeartbeat: readonly string[] | undefined;
  /** The `seq` of the last event the manager emitted (mirrored or not). */
  #lastSeq = 0;
  #heartbeats = 0;
  /** The finished and dropped tasks among those it mirrors, since it started (see {@link #counts}). */
  readonly #tally = { created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 };
  /** Task events still to encode, and entries already encoded (heartbeats, the last entry). */
  readonly #queue: BatchQueue<TaskEvent | readonly string[]>;
  #timer: NodeJS.Timeout | undefined;
  #sending = false;
  #sent: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  /** Set when `stop()` starts: when what is left of the queue must be appended by (`performance.now()`'s clock). */
  #finishBy: number | undefined;
  #mirrored = 0;
  #dropped = 0;
  /** Reads commands from viewers, with `control: true`. */
  readonly #control: ControlReader | undefined;
  readonly #commands: ControlCounters = { applied: 0, expired: 0, cancelledTasks: 0, otherInstance: 0 };

  constructor(manager: BackgroundTaskManager, writer: RedisStreamWriter, settings: MirrorSettings) {
    this.#writer = writer;
    this.#settings = settings;
    this.#queue = new BatchQueue(settings.maxBatch);
    this.#manager = manager;
    this.#redactor = manager.redactor;
    this.#dropWarning = new RateLimitedWarning(settings.logger, DROP_WARNING_INTERVAL_MS);
    this.#subscription = manager.events$.subscribe((event) => this.#onEvent(event));
    this.#control = settings.control
      ? new ControlReader(manager, {
          stream: writer.stream,
          workerId: settings.workerId,
          instance: this.#instance,
          skipNames: settings.skipNames,
          logger: settings.logger,
          client: writer.newConnection(`agentflow:control:${settings.workerId}`),
          counters: this.#commands,
          staleGroupMs: settings.staleControlGroupMs,
          housekeeping: (args) => writer.housekeeping(args, HOUSEKEEPING_WAIT_MS),
        })
      : undefined;
    if (settings.heartbeatMs > 0) {
      this.#heartbeat();
      this.#heartbeatTimer = setInterval(() => this.#heartbeat(), settings.heartbeatMs);
      this.#heartbeatTimer.unref();
    }
  }

  get stats(): TaskEventMirrorStats {
    return {
      mirrored: this.#mirrored,
      queued: this.#queue.size,
      dropped: this.#dropped,
      heartbeats: this.#heartbeats,
      commandsApplied: this.#commands.applied,
      commandsExpired: this.#commands.expired,
      commandsRefused: (this.#control?.refused ?? 0) + this.#commands.otherInstance,
      tasksCancelledByCommands: this.#commands.cancelledTasks,
    };
  }

  get stopped(): boolean {
    return this.#stopping !== undefined;
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #stop(): Promise<void> {
    // What is left gets one publishTimeoutMs in all, not one per batch: a hung Redis costs stop() that much.
    this.#finishBy = this.#writer.nextDeadline();
    this.#settings.stopped?.();
    const controlStopped = this.#control?.stop();
    this.#subscription.unsubscribe();
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
    try {
      const stopped = {
        timestamp: Date.now(),
        instance: this.#instance,
        seq: this.#lastSeq,
        state: this.#manager.state,
        counts: this.#counts(this.#inFlight().length),
      };
      this.#queue.push(encodeWorkerStoppedEntry(stopped, this.#settings.workerId, this.#redactor));
    } catch (error) {
      this.#settings.logger.error(`mirrorTaskEvents: could not build the worker_stopped entry: ${this.#settings.logger.describe(error)}`);
    }
    this.#send();
    await this.#sent;
    // A batch handed over while another was being appended is appended after it: wait for the last one.
    while (this.#sending) await this.#sent;
    await controlStopped;
  }

  /** Queues a heartbeat unless one still waits. It never throws. */
  #heartbeat(): void {
    if (this.#waitingHeartbeat !== undefined) return;
    try {
      const inFlight = this.#inFlight();
      const tasks: MirroredTaskInfo[] = inFlight.slice(0, this.#settings.maxHeartbeatTasks).map((task) => ({
        id: task.id,
        name: task.name,
        status: task.status as 'pending' | 'running',
        createdAt: task.createdAt,
        timeoutMs: task.timeoutMs,
        context: task.context,
      }));
      const heartbeat: MirroredHeartbeat = {
        timestamp: Date.now(),
        heartbeatMs: this.#settings.heartbeatMs,
        instance: this.#instance,
        seq: this.#lastSeq,
        state: this.#manager.state,
        counts: this.#counts(inFlight.length),
        tasks,
        tasksOmitted: inFlight.length - tasks.length,
        control: this.#settings.control,
      };
      const entry = encodeHeartbeatEntry(heartbeat, this.#settings.workerId, this.#redactor);
      this.#waitingHeartbeat = entry;
      this.#queue.push(entry);
      this.#heartbeats++;
    } catch (error) {
      this.#settings.logger.error(`mirrorTaskEvents: could not build a heartbeat: ${this.#settings.logger.describe(error)}`);
      return;
    }
    this.#send();
  }

  /** The manager's tasks in flight that it mirrors, oldest first. */
  #inFlight(): TaskInfo[] {
    return this.#manager
      .getTaskInfo()
      .filter((task) => (task.status === 'pending' || task.status === 'running') && !this.#settings.skipNames.has(task.name));
  }

  /**
   * The counts of the tasks it mirrors, as a viewer counts them from its events: finished ones since it started,
   * and `active` tasks in flight now (so they agree with the events read since, and with the tasks listed).
   */
  #counts(active: number): TaskCounts {
    return { active, ...this.#tally };
  }

  #onEvent(event: TaskEvent): void {
    this.#lastSeq = event.seq;
    if (this.#settings.skipNames.has(event.name)) return;
    this.#count(event);
    if (this.#queue.size >= this.#settings.maxQueued) {
      this.#dropped++;
      this.#dropWarning.warn(
        () => `mirrorTaskEvents: dropped a task event, ${this.#settings.maxQueued} already waiting (maxQueued); ${this.#dropped} dropped so far`,
      );
      return;
    }
    this.#queue.push(event);
    if (this.#queue.size >= this.#settings.maxBatch) {
      this.#send();
      return;
    }
    this.#timer ??= setTimeout(this.#onTimer, this.#settings.batchMs);
  }

  #count(event: TaskEvent): void {
    const tally = this.#tally;
    switch (event.type) {
      case 'created':
        tally.created++;
        return;
      case 'completed':
        tally.completed++;
        return;
      case 'failed':
        tally.failed++;
        return;
      case 'cancelled':
        tally.cancelled++;
        if (isInstanceOf(event.reason, TaskDroppedError)) tally.dropped++; // shed by 'drop-oldest'
        return;
      case 'timed_out':
        tally.timedOut++;
        return;
      case 'dropped':
        tally.dropped++;
        return;
      case 'started':
        return;
    }
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#send();
  };

  /** Starts handing batches over, unless that is already going on (the running loop picks up what was queued). */
  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sending || this.#queue.size === 0) return;
    this.#sending = true;
    this.#sent = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.size > 0) {
        if (this.#finishBy !== undefined && performance.now() >= this.#finishBy) {
          this.#dropLeftovers();
          break;
        }
        const queued = this.#queue.takeBatch();
        if (this.#waitingHeartbeat !== undefined && queued.includes(this.#waitingHeartbeat)) this.#waitingHeartbeat = undefined;
        const batch: (readonly string[])[] = [];
        for (const item of queued) {
          const entry = isEncoded(item) ? item : this.#encode(item);
          if (entry !== undefined) batch.push(entry);
        }
        await this.#writer.appendBatch(batch, this.#finishBy);
        // events queued meanwhile wait no longer than they would have: a partial batch goes at once here
      }
    } finally {
      this.#sending = false;
    }
  }

  /** `stop()` ran out of time: what still waits in the queue is dropped and counted (task events only). */
  #dropLeftovers(): void {
    const left = this.#queue.takeAll().filter((item) => !isEncoded(item)).length;
    this.#dropped += left;
    if (left > 0) this.#dropWarning.warn(() => `mirrorTaskEvents: stop() dropped ${left} task event(s) Redis did not take in time`);
  }

  /**
   * A task event's entry, counted as mirrored; `undefined`, counted as dropped, for an event that cannot be encoded
   * any more (an `events$` subscriber changed it: a throwing getter, a type that is not one). It never throws.
   */
  #encode(event: TaskEvent): readonly string[] | undefined {
    try {
      const entry = encodeTaskEventEntry(event, this.#settings.workerId, this.#redactor);
      this.#mirrored++;
      return entry;
    } catch (error) {
      this.#dropped++;
      this.#dropWarning.warn(
        () => `mirrorTaskEvents: dropped a task event it could not encode (was it changed by an events$ subscriber?): ${this.#settings.logger.describe(error)}`,
      );
      return undefined;
    }
  }
}

/** Whether a queued item is an entry already encoded (a task event is an object, never an array). */
function isEncoded(item: TaskEvent | readonly string[]): item is readonly string[] {
  return Array.isArray(item);
}
