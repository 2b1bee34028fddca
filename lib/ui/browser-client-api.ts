import type { EventModel } from '../publisher/event-model';
import type { ManagerState } from '../tasks/shutdown-stats';
import type { TaskCounts } from '../tasks/task-counts';
import type {
  TaskCancelledEvent,
  TaskCompletedEvent,
  TaskCreatedEvent,
  TaskDroppedEvent,
  TaskFailedEvent,
  TaskStartedEvent,
  TaskTimedOutEvent,
} from '../tasks/task-event';
import type { TaskInfo } from '../tasks/task-info';
import type { ExternalStore } from './external-store';

/**
 * An error as the server-sent-events stream carries it: never the `Error` object, whose fields JSON would drop.
 *
 * @example
 * ```ts
 * client.events$.subscribe((event) => { if (event.type === 'failed') console.log(event.error.message); });
 * ```
 */
export interface ClientError {
  /** The error's `name` (`'TaskTimeoutError'`, `'Error'`...). */
  readonly name: string;
  /** The error's message (redacted on the server when it carried a secret). */
  readonly message: string;
  /** The error's `code`, when it had one (every error of the library does). */
  readonly code?: string | number;
}

/**
 * The `error` of a `'failed'` or `'timedOut'` event in the browser.
 *
 * @example
 * ```ts
 * const failure: ClientFailure = { error: { name: 'Error', message: 'boom' } };
 * ```
 */
export interface ClientFailure {
  /** A {@link ClientError} when the task failed with an `Error`, else the value as JSON carried it. */
  readonly error: ClientError | unknown;
}

/**
 * The `reason` of a `'cancelled'` or `'dropped'` event in the browser.
 *
 * @example
 * ```ts
 * const cancellation: ClientCancellation = { reason: 'user left' };
 * ```
 */
export interface ClientCancellation {
  /** A {@link ClientError} when the reason was an `Error`, else the value as JSON carried it. */
  readonly reason: ClientError | unknown;
}

/**
 * A task event as the browser receives it: a `TaskEvent` of the server whose `error` or `reason` is a {@link ClientError}
 * (or whatever JSON made of a value that was not an `Error`).
 *
 * @example
 * ```ts
 * client.events$.subscribe((event: ClientTaskEvent) => console.log(event.seq, event.type, event.name));
 * ```
 */
export type ClientTaskEvent =
  | TaskCreatedEvent
  | TaskStartedEvent
  | TaskCompletedEvent
  | (Omit<TaskFailedEvent, 'error'> & ClientFailure)
  | (Omit<TaskCancelledEvent, 'reason'> & ClientCancellation)
  | (Omit<TaskTimedOutEvent, 'reason'> & ClientCancellation)
  | (Omit<TaskDroppedEvent, 'reason'> & ClientCancellation);

/**
 * A task in the browser's list: a {@link TaskInfo} without `ageMs` (compute it from `createdAt`).
 *
 * @example
 * ```ts
 * client.tasks$.subscribe((tasks) => tasks.forEach((task: ClientTask) => console.log(task.name, task.status)));
 * ```
 */
export type ClientTask = Omit<TaskInfo, 'ageMs'>;

/**
 * Where the client's connection is: `'idle'` (nobody subscribed yet), `'connecting'`, `'open'`, `'closed'`, or
 * `'unavailable'` (no `EventSource` here, as during server-side rendering).
 *
 * @example
 * ```ts
 * client.connection$.subscribe((state: ClientConnectionState) => (banner.hidden = state === 'open'));
 * ```
 */
export type ClientConnectionState = 'idle' | 'connecting' | 'open' | 'closed' | 'unavailable';

/**
 * What `subscribe()` returns.
 *
 * @example
 * ```ts
 * const subscription: ClientSubscription = client.counts$.subscribe(render);
 * subscription.unsubscribe();
 * ```
 */
export interface ClientSubscription {
  /** Stops the deliveries (and, for the last subscriber of a client, lets its connection go). */
  unsubscribe(): void;
  /** Whether it was unsubscribed, or its stream completed or failed. */
  readonly closed: boolean;
}

/**
 * An observer, as RxJS, Angular and Svelte pass one.
 *
 * @example
 * ```ts
 * const observer: ClientObserver<TaskCounts> = { next: render, error: console.error };
 * ```
 */
export interface ClientObserver<T> {
  /** Each value. */
  next?(value: T): void;
  /** The stream failed (the connection was closed by `close()` never fails it: it completes). */
  error?(error: unknown): void;
  /** The stream ended (after `close()`). */
  complete?(): void;
}

/**
 * What the function given to an Observable constructor receives: where to push values.
 *
 * @typeParam T - what it emits.
 * @example
 * ```ts
 * const ticks = new Observable<number>((subscriber: ClientSubscriber<number>) => subscriber.next(1));
 * ```
 */
export interface ClientSubscriber<T> {
  /** Delivers a value. */
  next(value: T): void;
  /** Fails the stream. */
  error(error: unknown): void;
  /** Ends the stream. */
  complete(): void;
  /** Whether the subscriber unsubscribed (or the stream ended). */
  readonly closed: boolean;
}

/**
 * How an Observable is made from a subscribe function: RxJS's `Observable` constructor, or the client's own.
 * The function returns what tears the subscription down (a function, a subscription, or nothing).
 *
 * @example
 * ```ts
 * import { Observable } from 'rxjs';
 * const client = connect('/events', { Observable });
 * ```
 */
export type ClientObservableConstructor = new <T>(
  subscribe: (subscriber: ClientSubscriber<T>) => (() => void) | { unsubscribe(): void } | void,
) => object;

/**
 * An `EventSource` instance, as far as the client uses one.
 *
 * @example
 * ```ts
 * const source: ClientEventSource = new EventSource('/events');
 * ```
 */
export interface ClientEventSource {
  /** `0` connecting, `1` open, `2` closed. */
  readonly readyState: number;
  /** Listens for the stream's named events (`'snapshot'`, `'task'`, `'graph'`...) and `'open'` / `'error'`. */
  addEventListener(type: string, listener: (message: { readonly type: string; readonly data: string }) => void): void;
  /** Closes the connection for good. */
  close(): void;
}

/**
 * An `EventSource` constructor: the browser's, or a polyfill's.
 *
 * @example
 * ```ts
 * const client = connect('/events', { EventSource: globalThis.EventSource });
 * ```
 */
export type ClientEventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => ClientEventSource;

/**
 * The client's Observables: `subscribe()` and `unsubscribe()`, accepted by RxJS's `from()`, Angular's `async`
 * pipe and Svelte's `$store`. With `connect(url, { Observable })` (RxJS's constructor) they are RxJS Observables.
 *
 * @typeParam T - what it emits.
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * from(client.counts$).pipe(map((counts) => counts.failed)).subscribe(renderFailures);
 * ```
 */
export interface ClientObservable<T> {
  /** Starts receiving: with an observer, a `next` function, or nothing. */
  subscribe(observer?: ClientObserver<T> | ((value: T) => void) | null): ClientSubscription;
  /**
   * The interop method of `Symbol.observable` (and `'@@observable'`): it returns the Observable itself. Typed, so
   * that RxJS's `from(client.counts$)` infers `Observable<TaskCounts>`.
   */
  [Symbol.observable](): ClientObservable<T>;
}

declare global {
  /** `Symbol.observable`, as RxJS declares it: the interop symbol of Observables (undefined where no library sets it). */
  interface SymbolConstructor {
    readonly observable: symbol;
  }
}

/**
 * A client connected to a `toServerSentEvents()` endpoint (see `connect()` of `agentflow-rx/client`).
 *
 * @example
 * ```ts
 * const client: AgentflowClient = connect('/events');
 * client.counts$.subscribe(({ active }) => console.log(active));
 * ```
 */
export interface AgentflowClient {
  /** Every task event after subscribing (hot). */
  readonly events$: ClientObservable<ClientTaskEvent>;
  /** The latest task counts: a new subscriber gets the latest at once. */
  readonly counts$: ClientObservable<TaskCounts>;
  /** The tasks in flight, oldest first (detached work is not listed); replayed like `counts$`. */
  readonly tasks$: ClientObservable<readonly ClientTask[]>;
  /** Every graph event after subscribing (hot), from the handler's `publisher`. */
  readonly graph$: ClientObservable<EventModel>;
  /** The manager's state; replayed like `counts$`. */
  readonly state$: ClientObservable<ManagerState>;
  /** Where the connection is; replayed like `counts$`. */
  readonly connection$: ClientObservable<ClientConnectionState>;
  /** Completes this client's streams and releases its share of the connection (the last one closes it). */
  close(): void;
}

/**
 * Options of `connect()`.
 *
 * @example
 * ```ts
 * import { Observable } from 'rxjs';
 * const client = connect('/events', { Observable, withCredentials: true });
 * ```
 */
export interface ClientConnectOptions {
  /** An `EventSource` constructor (a polyfill); default the environment's. */
  readonly EventSource?: ClientEventSourceConstructor;
  /** An Observable constructor (RxJS's) for the streams; default the client's own minimal one. */
  readonly Observable?: ClientObservableConstructor;
  /** Send cookies to another origin (`EventSource`'s `withCredentials`). Default `false`. */
  readonly withCredentials?: boolean;
}

/**
 * The browser client's API: `connect()`, `toExternalStore()` (React's `useSyncExternalStore`, Svelte's `$store`)
 * and its minimal `Observable`.
 *
 * @example
 * ```ts
 * import { connect, toExternalStore } from 'agentflow-rx/client';
 * ```
 */
export interface BrowserClientApi {
  /** Connects to an endpoint, lazily (see `connect()` of `agentflow-rx/client`). */
  connect(url?: string, options?: ClientConnectOptions): AgentflowClient;
  /** Wraps an Observable as an external store (see `toExternalStore()` of `agentflow-rx/client`). */
  toExternalStore<T>(source: ClientObservable<T>, initial: T): ExternalStore<T>;
  /** The client's minimal Observable constructor. */
  readonly Observable: ClientObservableClass;
}

/**
 * The client's own Observable constructor: makes a {@link ClientObservable} from a subscribe function.
 *
 * @example
 * ```ts
 * const one = new Observable<number>((subscriber) => { subscriber.next(1); subscriber.complete(); });
 * ```
 */
export interface ClientObservableClass {
  /** An Observable that calls `subscribe` for each subscriber; what it returns tears that subscription down. */
  new <T>(subscribe: (subscriber: ClientSubscriber<T>) => (() => void) | { unsubscribe(): void } | void): ClientObservable<T>;
}
