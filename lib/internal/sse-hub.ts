import type { Observable, Subscription } from 'rxjs';
import type { EventModel } from '../publisher/event-model';
import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import type { ManagerState } from '../tasks/shutdown-stats';
import type { TaskCounts } from '../tasks/task-counts';
import type { TaskEvent } from '../tasks/task-event';
import { taskCountsSnapshot } from '../ui/task-snapshots';
import { RingBuffer } from './ring-buffer';
import type { SseConnection } from './sse-connection';
import { sseEvent } from './sse-frame';
import { redactEvent } from './redact-event';

/** One replayable event: its id and its frame, serialised once for every client. */
interface BufferedEvent {
  readonly id: number;
  readonly frame: string;
}

/** What the hub needs beyond the manager; validated and defaulted by `toServerSentEvents()`. */
export interface SseHubOptions {
  readonly bufferSize: number;
  readonly lingerMs: number;
  readonly publisher: { readonly events$: Observable<EventModel> } | undefined;
}

/**
 * The shared side of one server-sent-events handler: one set of subscriptions to the manager (and the
 * publisher) for all its clients, the event ids, and the ring buffer of recent events.
 *
 * **Ids.** Task and graph events get consecutive ids (`id: <seq>`) and go into the ring buffer; counts and
 * state are *state*, not events: they carry no id, are not buffered, and a client catching up gets their
 * current value instead. Counts are coalesced to one `counts` event per turn of the event loop.
 *
 * **Subscriptions.** The hub subscribes when its first client connects and unsubscribes `lingerMs` after the
 * last one leaves (at once with 0), so that a browser reconnecting within that time can be replayed what it
 * missed. Events while unsubscribed are not seen: each new subscription reserves one id that no event gets,
 * so an id from before the gap is never taken as covered, and its client gets a fresh snapshot.
 */
export class SseHub {
  readonly #manager: BackgroundTaskManager;
  readonly #options: SseHubOptions;
  readonly #clients = new Set<SseConnection>();
  readonly #buffer: RingBuffer<BufferedEvent>;
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
  #countsFlush: NodeJS.Immediate | undefined;
  #linger: NodeJS.Timeout | undefined;

  constructor(manager: BackgroundTaskManager, options: SseHubOptions) {
    this.#manager = manager;
    this.#options = options;
    this.#buffer = new RingBuffer(options.bufferSize);
    this.#state = manager.state;
  }

  /** Clients connected now. */
  get connectionCount(): number {
    return this.#clients.size;
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
    const lastId = connection.lastSentId;
    if (lastId === undefined || !this.#covers(lastId)) {
      connection.writeEvent(this.#seq, this.#snapshotFrame());
      return;
    }
    const oldest = this.#buffer.at(0);
    const start = oldest === undefined ? this.#buffer.size : lastId + 1 - oldest.id;
    for (let index = start; index < this.#buffer.size; index++) {
      const entry = this.#buffer.at(index) as BufferedEvent;
      if (!connection.writeEvent(entry.id, entry.frame)) return;
    }
    connection.write(sseEvent('counts', this.#currentCounts()));
    connection.write(sseEvent('state', { state: this.#state }));
  }

  /** Ends every connection and releases every subscription and timer; later requests are refused. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const clients = [...this.#clients];
    this.#clients.clear();
    for (const connection of clients) connection.end();
    this.#release();
  }

  /** Whether every event after `id` is still in the buffer (nothing after it: trivially). */
  #covers(id: number): boolean {
    if (id < this.#baseline || id > this.#seq) return false;
    if (id === this.#seq) return true;
    const oldest = this.#buffer.at(0);
    return oldest !== undefined && oldest.id <= id + 1;
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
        this.#manager.events$.subscribe((event) => this.#record(`task.${event.type}`, redactEvent(this.#manager, event))),
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
    if (this.#countsFlush !== undefined) clearImmediate(this.#countsFlush);
    this.#countsFlush = undefined;
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#subscriptions = [];
    this.#subscribed = false;
    this.#counts = undefined;
    this.#buffer.clear();
  }

  #record(eventName: string, payload: TaskEvent | EventModel): void {
    const id = ++this.#seq;
    const frame = sseEvent(eventName, payload, id);
    this.#buffer.push({ id, frame });
    for (const connection of this.#clients) connection.writeEvent(id, frame);
  }

  #countsChanged(counts: TaskCounts): void {
    this.#counts = counts;
    if (this.#subscribing || this.#countsFlush !== undefined) return;
    this.#countsFlush = setImmediate(this.#flushCounts);
  }

  readonly #flushCounts = (): void => {
    this.#countsFlush = undefined;
    const frame = sseEvent('counts', this.#currentCounts());
    for (const connection of this.#clients) connection.write(frame);
  };

  #stateChanged(state: ManagerState): void {
    if (state === this.#state && !this.#subscribing) return;
    this.#state = state;
    if (this.#subscribing) return;
    const frame = sseEvent('state', { state });
    for (const connection of this.#clients) connection.write(frame);
  }

  #currentCounts(): TaskCounts {
    return this.#counts ?? taskCountsSnapshot(this.#manager);
  }

  #snapshotFrame(): string {
    const snapshot = {
      tasks: this.#manager.getTaskInfo({ redacted: true }),
      counts: this.#currentCounts(),
      state: this.#state,
      lastEventId: this.#seq,
    };
    return sseEvent('snapshot', snapshot, this.#seq);
  }
}
