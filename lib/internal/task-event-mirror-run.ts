import type log from 'loglevel';
import type { Subscription } from 'rxjs';
import type { TaskEventMirror, TaskEventMirrorStats } from '../redis/task-event-mirror';
import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import type { TaskEvent } from '../tasks/task-event';
import { encodeTaskEventEntry } from './encode-stream-entry';
import { RateLimitedWarning } from './rate-limited-warning';
import type { RedisStreamWriter } from './redis-stream-writer';
import { redactEvent } from './redact-event';

/** How often, at most, drops are logged. */
const DROP_WARNING_INTERVAL_MS = 10_000;

/** How a {@link TaskEventMirrorRun} behaves. */
export interface MirrorSettings {
  readonly workerId: string;
  readonly batchMs: number;
  readonly maxBatch: number;
  readonly maxQueued: number;
  /** Task names never mirrored. */
  readonly skipNames: ReadonlySet<string>;
  readonly logger: log.Logger;
}

/**
 * Subscribes to a manager's `events$`, encodes each event at once (so the queue holds strings, not the
 * events' contexts and errors), and hands them to the writer in batches: a batch goes when it is full
 * (`maxBatch`) or `batchMs` after its first event, and only one batch is in the writer at a time. Beyond
 * `maxQueued` waiting events, new ones are dropped and counted.
 */
export class TaskEventMirrorRun implements TaskEventMirror {
  readonly #writer: RedisStreamWriter;
  readonly #settings: MirrorSettings;
  readonly #subscription: Subscription;
  readonly #dropWarning: RateLimitedWarning;
  #queue: (readonly string[])[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending = false;
  #sent: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  #mirrored = 0;
  #dropped = 0;

  constructor(manager: BackgroundTaskManager, writer: RedisStreamWriter, settings: MirrorSettings) {
    this.#writer = writer;
    this.#settings = settings;
    this.#dropWarning = new RateLimitedWarning(settings.logger, DROP_WARNING_INTERVAL_MS);
    this.#subscription = manager.events$.subscribe((event) => this.#onEvent(redactEvent(manager, event)));
  }

  get stats(): TaskEventMirrorStats {
    return { mirrored: this.#mirrored, queued: this.#queue.length, dropped: this.#dropped };
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
    this.#subscription.unsubscribe();
    this.#send();
    await this.#sent;
  }

  #onEvent(event: TaskEvent): void {
    if (this.#settings.skipNames.has(event.name)) return;
    if (this.#queue.length >= this.#settings.maxQueued) {
      this.#dropped++;
      this.#dropWarning.warn(
        () => `mirrorTaskEvents: dropped a task event, ${this.#settings.maxQueued} already waiting (maxQueued); ${this.#dropped} dropped so far`,
      );
      return;
    }
    this.#queue.push(encodeTaskEventEntry(event, this.#settings.workerId));
    if (this.#queue.length >= this.#settings.maxBatch) {
      this.#send();
      return;
    }
    this.#timer ??= setTimeout(this.#onTimer, this.#settings.batchMs);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#send();
  };

  /** Starts handing batches over, unless that is already going on (the running loop picks up what was queued). */
  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sending || this.#queue.length === 0) return;
    this.#sending = true;
    this.#sent = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#settings.maxBatch);
        this.#mirrored += batch.length;
        await this.#writer.appendBatch(batch);
        // events queued meanwhile wait no longer than they would have: a partial batch goes at once here
      }
    } finally {
      this.#sending = false;
    }
  }
}
