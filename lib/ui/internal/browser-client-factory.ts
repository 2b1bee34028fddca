/*
 * The browser client, written as one self-contained function so that TypeScript checks it and its compiled
 * text (`browserClientFactory.toString()`) is the module `browserClientScript()` serves. Nothing inside may
 * refer to anything outside the function: no imports, no module-level helpers. Types are fine (erased).
 */

/** What the client reads from an `EventSource`'s message events. */
interface SseMessage {
  readonly type: string;
  readonly data: string;
}

/** The part of the browser's `EventSource` the client uses. */
interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (message: SseMessage) => void): void;
  close(): void;
}

/** A constructor like the browser's `EventSource`. */
type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

/** An observer as RxJS, Angular and Svelte pass it. */
interface PartialObserver<T> {
  next?: (value: T) => void;
  error?: (error: unknown) => void;
  complete?: () => void;
}

/** What a subscribe function receives (RxJS's `Subscriber` has the same shape). */
interface SubscriberLike<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
  readonly closed: boolean;
}

type Teardown = (() => void) | { unsubscribe(): void } | void | undefined;

/** A constructor like RxJS's `Observable`, which the page may pass in to get real RxJS Observables. */
type ObservableConstructor = new <T>(subscribe: (subscriber: SubscriberLike<T>) => Teardown) => object;

interface ConnectOptions {
  readonly EventSource?: EventSourceConstructor;
  readonly Observable?: ObservableConstructor;
  readonly withCredentials?: boolean;
}

/** A task in the browser's list (a `TaskInfo` without `ageMs`: compute it from `createdAt`). */
interface TaskRow {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly createdAt: number;
  readonly timeoutMs: number | undefined;
  readonly context: unknown;
  readonly runId: string | undefined;
  readonly threadId: string | undefined;
  readonly nodeName: string | undefined;
  readonly done: boolean;
  readonly cancelled: boolean;
}

interface TaskEventData {
  readonly type: string;
  readonly id: number;
  readonly name: string;
  readonly timestamp: number;
  readonly timeoutMs?: number;
  readonly context?: unknown;
  readonly runId?: unknown;
  readonly threadId?: unknown;
  readonly nodeName?: unknown;
}

interface SnapshotData {
  readonly tasks?: readonly (TaskRow & { readonly ageMs?: number })[];
  readonly counts?: unknown;
  readonly state?: unknown;
}

/** Builds the browser client's API; runs in the browser, from the served module's text. */
export function browserClientFactory() {
  const FINAL_STATUSES = ['completed', 'failed', 'cancelled', 'timed_out', 'dropped'];
  const TASK_EVENT_TYPES = ['created', 'started', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped'];
  const EVENT_SOURCE_CLOSED = 2;

  /** Reports an error without breaking the caller: the browser's `reportError`, else the console. */
  function report(error: unknown): void {
    const host = globalThis as { reportError?: (error: unknown) => void };
    if (typeof host.reportError === 'function') host.reportError(error);
    else console.error(error);
  }

  function callObserver<T>(observer: PartialObserver<T>, method: keyof PartialObserver<T>, value?: unknown): void {
    const callback = observer[method] as ((value?: unknown) => void) | undefined;
    if (typeof callback !== 'function') return;
    try {
      callback.call(observer, value);
    } catch (error) {
      report(error);
    }
  }

  function runTeardown(teardown: Teardown): void {
    try {
      if (typeof teardown === 'function') teardown();
      else if (teardown && typeof teardown.unsubscribe === 'function') teardown.unsubscribe();
    } catch (error) {
      report(error);
    }
  }

  /**
   * A minimal Observable: `subscribe(observer | next)` returns `{ unsubscribe(), closed }`. RxJS's `from()`
   * accepts it (`Symbol.observable` / `'@@observable'`), Angular's `async` pipe and Svelte's `$store` too.
   * A throwing observer is reported (`reportError`), never breaks the stream.
   */
  class Observable<T> {
    readonly #subscribe: (subscriber: SubscriberLike<T>) => Teardown;

    constructor(subscribe: (subscriber: SubscriberLike<T>) => Teardown) {
      if (typeof subscribe !== 'function') {
        throw new TypeError('new Observable(subscribe): subscribe must be a function');
      }
      this.#subscribe = subscribe;
    }

    subscribe(
      observerOrNext?: PartialObserver<T> | ((value: T) => void) | null,
      error?: (error: unknown) => void,
      complete?: () => void,
    ): { unsubscribe(): void; readonly closed: boolean } {
      const observer: PartialObserver<T> =
        typeof observerOrNext === 'function' ? { next: observerOrNext, error, complete } : (observerOrNext ?? {});
      let closed = false;
      let teardown: Teardown;
      // A subscribe function may complete synchronously and still return its teardown: run it once returned.
      let started = false;
      let tornDown = false;
      const finalize = (): void => {
        if (!started || tornDown) return;
        tornDown = true;
        runTeardown(teardown);
      };
      const subscriber: SubscriberLike<T> = {
        next: (value) => {
          if (!closed) callObserver(observer, 'next', value);
        },
        error: (streamError) => {
          if (closed) return;
          closed = true;
          if (typeof observer.error === 'function') callObserver(observer, 'error', streamError);
          else report(streamError);
          finalize();
        },
        complete: () => {
          if (closed) return;
          closed = true;
          callObserver(observer, 'complete');
          finalize();
        },
        get closed() {
          return closed;
        },
      };
      try {
        teardown = this.#subscribe(subscriber);
      } catch (thrown) {
        subscriber.error(thrown);
      }
      started = true;
      if (closed) finalize();
      return {
        unsubscribe: () => {
          closed = true;
          finalize();
        },
        get closed() {
          return closed;
        },
      };
    }

    /** Interop: RxJS's `from()` and other libraries look for this method. */
    ['@@observable'](): this {
      return this;
    }
  }
  const symbolObservable = (Symbol as { observable?: symbol }).observable;
  if (typeof symbolObservable === 'symbol') {
    Object.defineProperty(Observable.prototype, symbolObservable, {
      value: function observable(this: unknown) {
        return this;
      },
    });
  }

  /** A hot stream: `replay` streams give a new subscriber their latest value at once (like a BehaviorSubject). */
  function createStream<T>(Ctor: ObservableConstructor, replay: boolean) {
    const subscribers = new Set<SubscriberLike<T>>();
    let hasValue = false;
    let latest: T | undefined;
    let completed = false;
    const observable = new Ctor<T>((subscriber) => {
      if (completed) {
        subscriber.complete();
        return undefined;
      }
      subscribers.add(subscriber);
      if (replay && hasValue) subscriber.next(latest as T);
      return () => {
        subscribers.delete(subscriber);
      };
    });
    return {
      observable,
      next(value: T): void {
        if (completed) return;
        if (replay) {
          hasValue = true;
          latest = value;
        }
        for (const subscriber of [...subscribers]) subscriber.next(value);
      },
      complete(): void {
        if (completed) return;
        completed = true;
        for (const subscriber of [...subscribers]) subscriber.complete();
        subscribers.clear();
      },
    };
  }

  function stringOrUndefined(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
  }

  function rowOf(task: TaskRow): TaskRow {
    return {
      id: task.id,
      name: task.name,
      status: task.status,
      createdAt: task.createdAt,
      timeoutMs: task.timeoutMs,
      context: task.context,
      runId: stringOrUndefined(task.runId),
      threadId: stringOrUndefined(task.threadId),
      nodeName: stringOrUndefined(task.nodeName),
      done: task.done,
      cancelled: task.cancelled,
    };
  }

  /** Applies one task event to the list of tasks in flight; returns whether the list changed. */
  function applyTaskEvent(tasks: Map<number, TaskRow>, event: TaskEventData): boolean {
    if (event.type === 'created') {
      tasks.set(event.id, {
        id: event.id,
        name: event.name,
        status: 'pending',
        createdAt: event.timestamp,
        timeoutMs: event.timeoutMs,
        context: event.context ?? {},
        runId: stringOrUndefined(event.runId),
        threadId: stringOrUndefined(event.threadId),
        nodeName: stringOrUndefined(event.nodeName),
        done: false,
        cancelled: false,
      });
      return true;
    }
    if (event.type === 'started') {
      const row = tasks.get(event.id);
      if (row === undefined) return false;
      tasks.set(event.id, { ...row, status: 'running' });
      return true;
    }
    return tasks.delete(event.id);
  }

  /**
   * The connections of this page, shared by every `connect()` to the same URL (and credentials and EventSource),
   * kept on `globalThis` so that a module re-run by hot-module replacement finds the connection the previous run
   * opened instead of opening one more.
   */
  const REGISTRY_KEY = Symbol.for('agentflow-rx.client.connections');
  const registryHost = globalThis as { [REGISTRY_KEY]?: Map<unknown, Map<string, SharedConnection>> };
  const registry = (registryHost[REGISTRY_KEY] ??= new Map<unknown, Map<string, SharedConnection>>());

  /** One EventSource and the hot streams it feeds, shared by the handles of every `connect()` to it. */
  interface SharedConnection {
    readonly events: ReturnType<typeof createStream<TaskEventData>>;
    readonly graph: ReturnType<typeof createStream<unknown>>;
    readonly counts: ReturnType<typeof createStream<unknown>>;
    readonly tasks: ReturnType<typeof createStream<readonly TaskRow[]>>;
    readonly state: ReturnType<typeof createStream<unknown>>;
    readonly connection: ReturnType<typeof createStream<string>>;
    /** Opens the EventSource, once, where there is one. */
    open(): void;
    /** How many handles use it: the last one to close closes it. */
    handles: number;
  }

  function openShared(url: string, options: ConnectOptions, onLastClose: () => void): SharedConnection {
    const Ctor = Observable as unknown as ObservableConstructor;
    const events = createStream<TaskEventData>(Ctor, false);
    const graph = createStream<unknown>(Ctor, false);
    const counts = createStream<unknown>(Ctor, true);
    const tasks = createStream<readonly TaskRow[]>(Ctor, true);
    const state = createStream<unknown>(Ctor, true);
    const connection = createStream<string>(Ctor, true);
    let source: EventSourceLike | undefined;
    let unavailable = false;
    let closed = false;
    let taskMap = new Map<number, TaskRow>();
    connection.next('idle');

    const shared: SharedConnection = {
      events,
      graph,
      counts,
      tasks,
      state,
      connection,
      handles: 0,
      open(): void {
        if (source !== undefined || closed || unavailable) return;
        const EventSourceImpl = options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
        if (typeof EventSourceImpl !== 'function') {
          // Server-side rendering, or an old runtime: nothing to connect with, and nothing to throw about.
          unavailable = true;
          connection.next('unavailable');
          return;
        }
        const opened = new EventSourceImpl(url, options.withCredentials === true ? { withCredentials: true } : undefined);
        source = opened;
        connection.next('connecting');
        const parse = (message: SseMessage): unknown => {
          try {
            return JSON.parse(message.data);
          } catch (error) {
            report(new Error(`agentflow: could not read a '${message.type}' event: ${(error as Error).message}`));
            return undefined;
          }
        };
        const on = (type: string, handle: (data: never) => void): void => {
          opened.addEventListener(type, (message) => {
            if (closed) return;
            const data = parse(message);
            if (data !== undefined && data !== null) handle(data as never);
          });
        };
        opened.addEventListener('open', () => {
          if (!closed) connection.next('open');
        });
        opened.addEventListener('error', () => {
          if (!closed) connection.next(opened.readyState === EVENT_SOURCE_CLOSED ? 'closed' : 'connecting');
        });
        on('snapshot', (snapshot: SnapshotData) => {
          taskMap = new Map();
          for (const task of snapshot.tasks ?? []) {
            if (!FINAL_STATUSES.includes(task.status)) taskMap.set(task.id, rowOf(task));
          }
          tasks.next([...taskMap.values()]);
          if (snapshot.counts !== undefined) counts.next(snapshot.counts);
          if (snapshot.state !== undefined) state.next(snapshot.state);
        });
        for (const type of TASK_EVENT_TYPES) {
          on(`task.${type}`, (event: TaskEventData) => {
            if (applyTaskEvent(taskMap, event)) tasks.next([...taskMap.values()]);
            events.next(event);
          });
        }
        on('counts', (value: unknown) => counts.next(value));
        on('state', (value: { state?: unknown }) => state.next(value.state));
        on('graph', (value: unknown) => graph.next(value));
      },
    };
    const close = (): void => {
      if (closed) return;
      source?.close();
      connection.next('closed');
      closed = true;
      for (const stream of [events, graph, counts, tasks, state, connection]) stream.complete();
      onLastClose();
    };
    return Object.assign(shared, { close });
  }

  /**
   * Connects to a `toServerSentEvents()` endpoint and returns its streams:
   * - `events$`: every task event (`{ type, seq, id, name, context, ... }`), hot;
   * - `counts$`: the latest `TaskCounts` (a new subscriber gets the latest at once);
   * - `tasks$`: the tasks in flight, oldest first (replayed likewise; detached work is not listed);
   * - `graph$`: every graph event, hot; `state$`: the manager's state; `connection$`: `'idle'` (nobody has
   *   subscribed yet), `'connecting'`, `'open'`, `'closed'`, or `'unavailable'` (no `EventSource` here: server-side
   *   rendering).
   *
   * Nothing connects before the first subscription, and only where an `EventSource` exists, so importing and
   * calling it during server-side rendering is safe. Every `connect()` to the same URL shares one connection,
   * kept across hot-module reloads; `close()` completes this client's streams and releases its share: the last
   * one to close closes the connection. The browser's `EventSource` reconnects by itself with `Last-Event-ID`;
   * each `snapshot` replaces the list.
   */
  function connect(url = '/events', given: ConnectOptions = {}) {
    // The caller's own options only: one inherited from a polluted Object.prototype (an EventSource of an attacker's,
    // credentials) is not one the caller gave.
    const own = <K extends keyof ConnectOptions>(key: K): ConnectOptions[K] =>
      typeof given === 'object' && given !== null && Object.prototype.hasOwnProperty.call(given, key) ? given[key] : undefined;
    const options: ConnectOptions = { EventSource: own('EventSource'), Observable: own('Observable'), withCredentials: own('withCredentials') };
    const EventSourceKey: unknown = options.EventSource ?? 'global';
    const key = `${options.withCredentials === true ? 'credentials' : 'anonymous'} ${url}`;
    let byUrl = registry.get(EventSourceKey);
    if (byUrl === undefined) {
      byUrl = new Map();
      registry.set(EventSourceKey, byUrl);
    }
    const urls = byUrl;
    let shared = urls.get(key) as (SharedConnection & { close(): void }) | undefined;
    if (shared === undefined) {
      shared = openShared(url, options, () => urls.delete(key)) as SharedConnection & { close(): void };
      urls.set(key, shared);
    }
    const connection = shared;
    connection.handles++;
    const Ctor = options.Observable ?? (Observable as unknown as ObservableConstructor);
    const subscribers = new Set<SubscriberLike<unknown>>();
    let closed = false;

    /** This client's view of a shared stream: subscribing opens the connection; `close()` completes it. */
    const view = <T>(stream: { readonly observable: object }): object =>
      new Ctor<T>((subscriber) => {
        if (closed) {
          subscriber.complete();
          return undefined;
        }
        subscribers.add(subscriber as SubscriberLike<unknown>);
        connection.open();
        const inner = (stream.observable as { subscribe(observer: PartialObserver<T>): { unsubscribe(): void } }).subscribe({
          next: (value) => subscriber.next(value),
          error: (error) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
        return () => {
          subscribers.delete(subscriber as SubscriberLike<unknown>);
          inner.unsubscribe();
        };
      });

    return {
      events$: view(connection.events),
      counts$: view(connection.counts),
      tasks$: view(connection.tasks),
      graph$: view(connection.graph),
      state$: view(connection.state),
      connection$: view(connection.connection),
      close(): void {
        if (closed) return;
        closed = true;
        for (const subscriber of [...subscribers]) subscriber.complete();
        subscribers.clear();
        connection.handles--;
        if (connection.handles === 0) connection.close();
      },
    };
  }

  /**
   * The same contract as the library's `toExternalStore()`: `{ subscribe, getSnapshot, getServerSnapshot }`
   * for React's `useSyncExternalStore` and Svelte's `$store`, subscribing to `source` only while it has listeners.
   */
  function toExternalStore<T>(
    source: { subscribe(observer: PartialObserver<T>): { unsubscribe(): void } },
    initial: T,
  ) {
    const listeners = new Set<{ readonly listener: (value: T) => void }>();
    let value = initial;
    let subscription: { unsubscribe(): void } | undefined;
    const call = (listener: (value: T) => void, current: T): void => {
      try {
        listener(current);
      } catch (error) {
        report(error);
      }
    };
    return {
      subscribe(listener: (value: T) => void): () => void {
        if (listeners.size === 0) {
          subscription = source.subscribe({
            next: (next) => {
              if (Object.is(value, next)) return;
              value = next;
              for (const entry of [...listeners]) if (listeners.has(entry)) call(entry.listener, next);
            },
            error: report,
          });
        }
        const entry = { listener };
        listeners.add(entry);
        call(listener, value);
        let subscribed = true;
        return () => {
          if (!subscribed) return;
          subscribed = false;
          listeners.delete(entry);
          if (listeners.size > 0) return;
          subscription?.unsubscribe();
          subscription = undefined;
        };
      },
      getSnapshot: (): T => value,
      getServerSnapshot: (): T => initial,
    };
  }

  return { connect, toExternalStore, Observable };
}
