/**
 * `agentflow-rx/client`: the browser client as an ES module, for pages built with a bundler (Vite, webpack,
 * esbuild). It turns a `toServerSentEvents()` stream back into Observables of the manager's own types.
 *
 * It imports nothing from Node and touches nothing at import time: it is safe to import during server-side
 * rendering, connects only when something subscribes (and only where an `EventSource` exists), and shares one
 * connection per URL, kept across hot-module reloads.
 *
 * @example
 * ```ts
 * import { connect, toExternalStore } from 'agentflow-rx/client';
 *
 * const client = connect('/events');
 * client.counts$.subscribe(({ active, failed }) => render(active, failed));
 * // a hot-module reload that runs this module again reuses the open connection
 * ```
 *
 * @module agentflow-rx/client
 */
import type { BrowserClientApi } from './browser-client-api';
import { browserClientFactory } from './internal/browser-client-factory';

const api = browserClientFactory() as unknown as BrowserClientApi;

/**
 * Connects to a `toServerSentEvents()` endpoint (lazily: at the first subscription).
 *
 * @param url - the endpoint; default `'/events'`.
 * @param options - `EventSource`, `Observable`, `withCredentials`.
 * @returns the client: `events$`, `counts$`, `tasks$`, `graph$`, `state$`, `connection$` and `close()`.
 * @example
 * ```ts
 * const client = connect('/events');
 * client.tasks$.subscribe((tasks) => console.log(tasks.length));
 * ```
 */
export const connect: BrowserClientApi['connect'] = api.connect;

/**
 * Wraps one of the client's Observables as an external store for React's `useSyncExternalStore` and Svelte's
 * `$store`: `{ subscribe, getSnapshot, getServerSnapshot }`, subscribed only while it has listeners.
 *
 * @param source - the Observable.
 * @param initial - the value before the first emission (and on the server).
 * @returns the store.
 * @example
 * ```ts
 * const counts = toExternalStore(client.counts$, { active: 0, created: 0, completed: 0, failed: 0, cancelled: 0, timedOut: 0, dropped: 0 });
 * ```
 */
export const toExternalStore: BrowserClientApi['toExternalStore'] = api.toExternalStore;

/**
 * The client's minimal Observable constructor (subscribe / unsubscribe), as its streams are made.
 *
 * @example
 * ```ts
 * const ticks = new Observable<number>((subscriber) => { subscriber.next(1); subscriber.complete(); });
 * ```
 */
export const Observable: BrowserClientApi['Observable'] = api.Observable;

export type {
  AgentflowClient,
  BrowserClientApi,
  ClientCancellation,
  ClientConnectionState,
  ClientConnectOptions,
  ClientError,
  ClientEventSource,
  ClientEventSourceConstructor,
  ClientFailure,
  ClientObservable,
  ClientObservableClass,
  ClientObservableConstructor,
  ClientObserver,
  ClientSubscriber,
  ClientSubscription,
  ClientTask,
  ClientTaskEvent,
} from './browser-client-api';
export type { ExternalStore, ExternalStoreListener } from './external-store';
// The shapes the client delivers, so that browser code needs no import from the Node entry.
export type { TaskCounts } from '../tasks/task-counts';
export type { TaskStatus } from '../tasks/task-status';
export type { ManagerState } from '../tasks/shutdown-stats';
export type { EventModel } from '../publisher/event-model';
