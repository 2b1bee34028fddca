import type { Subscription } from 'rxjs';
import type { EventModel } from '../../publisher/event-model';
import type { BackgroundTaskManager } from '../../tasks/background-task-manager';
import type { ManagerState } from '../../tasks/shutdown-stats';
import type { TaskCounts } from '../../tasks/task-counts';
import type { TaskEvent } from '../../tasks/task-event';
import type { ResolvedServerSentEventsOptions } from '../server-sent-events-options';
import type { ServerSentEventsStats } from '../server-sent-events-stats';
import { taskCountsSnapshot } from '../task-snapshots';
import { ReplayBuffer } from './replay-buffer';
import type { SseConnection, SseConnectionEvents } from './sse-connection';
import { boundedJson, newEpoch, recordFrame, sseFrame, sseId } from './sse-frame';

/** What the hub needs beyond the manager: its part of the handler's resolved options. */
export type SseHubOptions = Pick<
  ResolvedServerSentEventsOptions,
  'bufferSize' | 'bufferBytes' | 'lingerMs' | 'publisher' | 'maxFieldBytes' | 'maxBufferedBytes'
>;

/** How long a snapshot built serves the clients that need one while nothing changes (its tasks' `ageMs` age). */
const SNAPSHOT_MAX_AGE_MS = 1_000;

/** A frame waiting for the end of the turn: an event's (with its sequence number), or counts or state. */
interface PendingFrame {
  readonly seq: number | undefined;
  readonly frame: Buffer;
}

/** One turn's frames: all of them in one `Buffer`, and each on its own for a client that had some already. */
interface Batch {
  readonly frames: readonly PendingFrame[];
  readonly whole: Buffer;
  readonly firstSeq: number | undefined;
  readonly lastSeq: number | undefined;
}

/**
 * How long one turn of the event loop may spend writing batches to clients, in milliseconds: past it, the rest
 * waits for the next turn, so that a burst to thousands of clients never blocks the loop for long.
 */
const FAN_OUT_SLICE_MS = 8;

/** A snapshot frame and what it was built from. */
interface CachedSnapshot {
  readonly seq: number;
  readonly countsVersion: number;
  readonly state: ManagerState;
  readonly builtAt: number;
  readonly frame: Buffer;
}

/**
 * The shared side of one server-sent-events handler: one set of subscriptions to the manager (and the
 * publisher) for all its clients, the event ids, and the ring buffer of recent events.
 *
 * **Ids.** Task and graph events get consecutive sequence numbers, sent as `id: <epoch>-<seq>` (the epoch is
 * random per hub), and go into the replay buffer; counts and state are *state*, not events: they carry no id,
 * are not buffered, and a client catching up gets their current value instead. Each turn's frames are written
 * together (see {@link SseHub.catchUp} for the clients that are behind); counts once per turn, the latest.
 *
 * **Subscriptions.** The hub subscribes when its first client connects and unsubscribes `lingerMs` after the
 * last one leaves (at once with 0), so that a browser reconnecting within that time can be replayed what it
 * missed. Events while unsubscribed are not seen: each new subscription reserves one id that no event gets,
 * so an id from before the gap is never taken as covered, and its client gets a fresh snapshot.
 */
export class SseHub implements SseConnectionEvents {
  readonly #manager: BackgroundTaskManager;
  readonly #options: SseHubOptions;
  readonly #clients = new Set<SseConnection>();
  readonly #buffer: ReplayBuffer;
  /** This handler's epoch: the first part of every id it gives out. */
  readonly epoch = newEpoch();
  #subscriptions: Subscription[] = [];
  #subscribed = false;
  #subscribing = false;
  #closed = false;
  /** The last id given out. */
  #seq = 0;
  /** The id reserved by the current subscription: ids after it are all in the buffer or evicted from it. */
  #baseline = 0;
  #counts: TaskCounts | undefined;
  #state: ManagerState;
  #countsVersion = 0;
  /** Whether the counts changed since the last flush (their frame goes at the end of the turn's batch). */
  #countsDirty = false;
  /** The frames of this turn of the event loop, written to every client together when it ends. */
  #pending: PendingFrame[] = [];
  #flush: NodeJS.Immediate | undefined;
  /** Turns' batches not yet written to every client, oldest first (see {@link #pump}). */
  #outbox: Batch[] = [];
  /** The clients the oldest batch goes to, and how many of them have had it. */
  #targets: SseConnection[] = [];
  #cursor = 0;
  /** Clients waiting for the pump to bring them up to date: drained after a stall, or new with a `Last-Event-ID`. */
  readonly #drained = new Set<SseConnection>();
  #pumping: NodeJS.Immediate | undefined;
  #linger: NodeJS.Timeout | undefined;
  #snapshot: CachedSnapshot | undefined;
  #dropped = 0;
  #refused = 0;
  #bytesSent = 0;
  #replayed = 0;
  #snapshots = 0;
  #snapshotsBuilt = 0;

  constructor(manager: BackgroundTaskManager, options: SseHubOptions) {
    this.#manager = manager;
    this.#options = options;
    this.#buffer = new ReplayBuffer(options.bufferSize, options.bufferBytes);
    this.#state = manager.state;
  }

  /** Clients connected now. */
  get connectionCount(): number {
    return this.#clients.size;
  }

  /** What the handler has done so far (see {@link ServerSentEventsStats}). */
  get stats(): ServerSentEventsStats {
    return {
      clients: this.#clients.size,
      dropped: this.#dropped,
      refused: this.#refused,
      bytesSent: this.#bytesSent,
      replayed: this.#replayed,
      snapshots: this.#snapshots,
      snapshotsBuilt: this.#snapshotsBuilt,
    };
  }

  /** Counts a request refused because `maxClients` were connected. */
  refused(): void {
    this.#refused++;
  }

  /** {@link SseConnectionEvents}: bytes handed to a response. */
  sent(bytes: number): void {
    this.#bytesSent += bytes;
  }

  /**
   * {@link SseConnectionEvents}: a stalled client drained. It is brought up to date by the pump, within its
   * time slice: thousands of clients that drain in one turn must not catch up in that turn.
   */
  drained(connection: SseConnection): void {
    this.#catchUpLater(connection);
  }

  /**
   * Brings a new client up to date: a snapshot at once when it needs one (one shared `Buffer`), otherwise the
   * events it missed by the pump, within its time slice (a reconnection storm replays over several turns).
   */
  welcome(connection: SseConnection): void {
    const lastSeq = connection.lastSentSeq;
    if (lastSeq === undefined || !this.#covers(lastSeq)) this.catchUp(connection);
    else this.#catchUpLater(connection);
  }

  #catchUpLater(connection: SseConnection): void {
    this.#drained.add(connection);
    this.#pumping ??= setImmediate(this.#pump);
  }

  /** {@link SseConnectionEvents}: a client stayed stalled too long and was disconnected. */
  dropped(connection: SseConnection): void {
    this.#dropped++;
    this.detach(connection);
  }

  /** RxJS subscriptions the hub holds now (0 when unsubscribed). */
  get activeSubscriptions(): number {
    let open = 0;
    for (const subscription of this.#subscriptions) if (!subscription.closed) open++;
    return open;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds a client; subscribes first when it is the only one. Call {@link catchUp} next. */
  attach(connection: SseConnection): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    if (!this.#subscribed) this.#subscribe();
    this.#clients.add(connection);
  }

  /** Removes a client; after the last one, unsubscribes (after `lingerMs`). Calling it again does nothing. */
  detach(connection: SseConnection): void {
    if (!this.#clients.delete(connection) || this.#clients.size > 0 || this.#closed) return;
    if (this.#options.lingerMs === 0) {
      this.#release();
      return;
    }
    this.#linger = setTimeout(() => this.#release(), this.#options.lingerMs);
    this.#linger.unref();
  }

  /**
   * Brings `connection` up to date from its `lastSentId`: the events after it from the ring buffer and then
   * the current counts and state, or a fresh snapshot when the buffer does not reach back that far. Stops
   * early when the client stalls; its next `'drain'` calls this again.
   */
  catchUp(connection: SseConnection): void {
    const lastSeq = connection.lastSentSeq;
    if (lastSeq === undefined || !this.#covers(lastSeq)) {
      if (connection.writeEvent(this.#seq, this.#snapshotFrame())) this.#snapshots++;
      return;
    }
    // The events it missed go in writes of up to maxBufferedBytes each (one system call per write, not per
    // frame); a write that fills its buffer stalls it, and the rest follows on 'drain'.
    const oldest = this.#buffer.at(0);
    const start = oldest === undefined ? this.#buffer.size : lastSeq + 1 - oldest.seq;
    let group: Buffer[] = [];
    let groupBytes = 0;
    let groupLastSeq = 0;
    const flush = (): boolean => {
      if (group.length === 0) return true;
      if (!connection.writeEvent(groupLastSeq, group.length === 1 ? (group[0] as Buffer) : Buffer.concat(group, groupBytes))) return false;
      this.#replayed += group.length;
      group = [];
      groupBytes = 0;
      return true;
    };
    for (let index = start; index < this.#buffer.size; index++) {
      const entry = this.#buffer.at(index) as { seq: number; frame: Buffer };
      // A write never goes past maxBufferedBytes, unless one frame alone does.
      if (groupBytes + entry.frame.length > this.#options.maxBufferedBytes && !flush()) return;
      group.push(entry.frame);
      groupBytes += entry.frame.length;
      groupLastSeq = entry.seq;
    }
    if (!flush()) return;
    connection.write(Buffer.concat([this.#countsFrame(), sseFrame('state', JSON.stringify({ state: this.#state }))]));
  }

  /** Ends every connection and releases every subscription and timer; later requests are refused. */
  close(): void {
    if (this.#closed) return;
    // What happened before close() still reaches the clients.
    this.#flushPending();
    this.#pump(true);
    this.#closed = true;
    const clients = [...this.#clients];
    this.#clients.clear();
    for (const connection of clients) connection.end();
    this.#release();
  }

  /** Whether every event after `seq` is still in the buffer (nothing after it: trivially). */
  #covers(seq: number): boolean {
    if (seq < this.#baseline || seq > this.#seq) return false;
    if (seq === this.#seq) return true;
    const oldest = this.#buffer.at(0);
    return oldest !== undefined && oldest.seq <= seq + 1;
  }

  #subscribe(): void {
    this.#subscribed = true;
    this.#baseline = ++this.#seq;
    this.#buffer.clear();
    // counts$ and state$ emit their current value synchronously: keep it, do not broadcast it.
    this.#subscribing = true;
    try {
      this.#subscriptions.push(
        this.#manager.counts$.subscribe((counts) => this.#countsChanged(counts)),
        this.#manager.state$.subscribe((state) => this.#stateChanged(state)),
        this.#manager.events$.subscribe((event) => this.#record(`task.${event.type}`, event)),
      );
      const publisher = this.#options.publisher;
      if (publisher !== undefined) {
        this.#subscriptions.push(publisher.events$.subscribe((event) => this.#record('graph', event)));
      }
    } finally {
      this.#subscribing = false;
    }
  }

  #release(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    if (this.#flush !== undefined) clearImmediate(this.#flush);
    this.#flush = undefined;
    this.#pending = [];
    this.#countsDirty = false;
    if (this.#pumping !== undefined) clearImmediate(this.#pumping);
    this.#pumping = undefined;
    this.#drained.clear();
    this.#outbox = [];
    this.#targets = [];
    this.#cursor = 0;
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#subscriptions = [];
    this.#subscribed = false;
    this.#counts = undefined;
    this.#snapshot = undefined;
    this.#buffer.clear();
  }

  #record(eventName: string, payload: TaskEvent | EventModel): void {
    const seq = ++this.#seq;
    // Task and graph events carry user values: they leave redacted by the manager's rules, and bounded in size.
    const frame = recordFrame(eventName, payload, this.#manager.redactor, this.#options.maxFieldBytes, sseId(this.epoch, seq));
    this.#buffer.push({ seq, frame });
    this.#enqueue(seq, frame);
  }

  #countsChanged(counts: TaskCounts): void {
    this.#counts = counts;
    this.#countsVersion++;
    if (this.#subscribing) return;
    this.#countsDirty = true;
    this.#flush ??= setImmediate(this.#flushPending);
  }

  #enqueue(seq: number | undefined, frame: Buffer): void {
    this.#pending.push({ seq, frame });
    this.#flush ??= setImmediate(this.#flushPending);
  }

  /**
   * Ends the turn's batch: its frames (events, then state changes in order, then the latest counts) in one
   * `Buffer`, the same for every client that is up to date, so that a burst of events costs each client one
   * write. The batch joins the outbox, which {@link #pump} writes.
   */
  readonly #flushPending = (): void => {
    if (this.#flush !== undefined) clearImmediate(this.#flush);
    this.#flush = undefined;
    const frames = this.#pending;
    this.#pending = [];
    if (this.#countsDirty) {
      this.#countsDirty = false;
      frames.push({ seq: undefined, frame: this.#countsFrame() });
    }
    if (frames.length === 0 || this.#clients.size === 0) return;
    let firstSeq: number | undefined;
    let lastSeq: number | undefined;
    for (const entry of frames) {
      if (entry.seq === undefined) continue;
      firstSeq ??= entry.seq;
      lastSeq = entry.seq;
    }
    const whole = frames.length === 1 ? (frames[0] as PendingFrame).frame : Buffer.concat(frames.map((entry) => entry.frame));
    this.#outbox.push({ frames, whole, firstSeq, lastSeq });
    if (this.#pumping === undefined) this.#pump();
  };

  /**
   * Writes the outbox's batches to the clients, oldest first, for at most {@link FAN_OUT_SLICE_MS} per turn of
   * the event loop (all at once when `all`): the rest goes on in the next turn. A client gets each batch once,
   * in order; one that received part of it already (its snapshot or catch-up came meanwhile) gets the rest in
   * one write; a stalled client gets nothing (it catches up on `'drain'`, in the pump's slice, first).
   */
  readonly #pump = (all = false): void => {
    this.#pumping = undefined;
    const deadline = performance.now() + FAN_OUT_SLICE_MS;
    for (const connection of this.#drained) {
      this.#drained.delete(connection);
      if (connection.open && !connection.stalled) this.catchUp(connection);
      if (!all && this.#drained.size > 0 && performance.now() >= deadline) {
        this.#pumping = setImmediate(this.#pump);
        return;
      }
    }
    while (this.#outbox.length > 0) {
      const batch = this.#outbox[0] as Batch;
      if (this.#cursor === 0) this.#targets = [...this.#clients];
      while (this.#cursor < this.#targets.length) {
        const connection = this.#targets[this.#cursor++] as SseConnection;
        if (connection.open) this.#deliver(connection, batch);
        if (!all && this.#cursor < this.#targets.length && performance.now() >= deadline) {
          this.#pumping = setImmediate(this.#pump);
          return;
        }
      }
      this.#outbox.shift();
      this.#targets = [];
      this.#cursor = 0;
      if (!all && this.#outbox.length > 0 && performance.now() >= deadline) {
        this.#pumping = setImmediate(this.#pump);
        return;
      }
    }
  };

  #deliver(connection: SseConnection, batch: Batch): void {
    const last = connection.lastSentSeq;
    if (batch.firstSeq === undefined) connection.write(batch.whole);
    else if (last === batch.firstSeq - 1) connection.writeEvent(batch.lastSeq as number, batch.whole);
    else if (last !== undefined && last > batch.firstSeq - 1) this.#writeAfter(connection, batch.frames, last);
    // else: behind (stalled, or a gap): it catches up from the replay buffer on 'drain'.
  }

  /** The frames of `pending` after sequence number `last` (and the counts and state among them), in one write. */
  #writeAfter(connection: SseConnection, pending: readonly PendingFrame[], last: number): void {
    const rest: Buffer[] = [];
    let restLastSeq = last;
    for (const entry of pending) {
      if (entry.seq !== undefined && entry.seq <= last) continue;
      rest.push(entry.frame);
      if (entry.seq !== undefined) restLastSeq = entry.seq;
    }
    if (rest.length > 0) connection.writeEvent(restLastSeq, rest.length === 1 ? (rest[0] as Buffer) : Buffer.concat(rest));
  }

  #countsFrame(): Buffer {
    return sseFrame('counts', JSON.stringify(this.#currentCounts()));
  }

  #stateChanged(state: ManagerState): void {
    if (state === this.#state && !this.#subscribing) return;
    this.#state = state;
    if (this.#subscribing) return;
    this.#enqueue(undefined, sseFrame('state', JSON.stringify({ state })));
  }

  #currentCounts(): TaskCounts {
    return this.#counts ?? taskCountsSnapshot(this.#manager);
  }

  /**
   * The snapshot frame, built once and shared by every client that needs one until an event, a count or the
   * state changes (or it is {@link SNAPSHOT_MAX_AGE_MS} old): a reconnection storm costs one build, and the
   * clients hold one `Buffer` between them.
   */
  #snapshotFrame(): Buffer {
    const cached = this.#snapshot;
    const now = Date.now();
    if (
      cached !== undefined &&
      cached.seq === this.#seq &&
      cached.countsVersion === this.#countsVersion &&
      cached.state === this.#state &&
      now - cached.builtAt < SNAPSHOT_MAX_AGE_MS
    ) {
      return cached.frame;
    }
    const redactor = this.#manager.redactor;
    const maxFieldBytes = this.#options.maxFieldBytes;
    // Each task is a record of its own: one large context is truncated, the others stay whole.
    const tasks = this.#manager.getTaskInfo().map((task) => boundedJson(redactor.redact(task, { maxStringLength: maxFieldBytes }), maxFieldBytes));
    const lastEventId = sseId(this.epoch, this.#seq);
    const rest = JSON.stringify({ counts: this.#currentCounts(), state: this.#state, epoch: this.epoch, lastEventId });
    const data = `{"tasks":[${tasks.join(',')}],${rest.slice(1)}`;
    const frame = sseFrame('snapshot', data, lastEventId);
    this.#snapshot = { seq: this.#seq, countsVersion: this.#countsVersion, state: this.#state, builtAt: now, frame };
    this.#snapshotsBuilt++;
    return frame;
  }
}
