import type { Observable } from 'rxjs';
import { defaultLog } from '../logging/guarded-logger';
import { StreamSource } from '../util/stream-source';
import { BasePublisher, basePublisherOptions, type BasePublisherOptions } from './base-publisher';
import type { EventModel } from './event-model';

/**
 * A publisher that emits every published event on {@link ObservablePublisher.events$}, for UIs, tests and any
 * RxJS pipeline.
 *
 * `events$` is hot: a subscriber sees the events published after it subscribed. It completes when the
 * publisher is closed (a later subscriber completes at once); events published after that are ignored.
 * A subscriber that throws is logged at ERROR and breaks nothing.
 *
 * @example
 * ```ts
 * const publisher = new ObservablePublisher();
 * publisher.events$
 *   .pipe(filter((event) => event.event === 'node_execution'))
 *   .subscribe((event) => console.log(event.nodeName, event.eventType));
 * const graph = new StateGraph<State>({ publisher }).addNode('a', a).setEntryPoint('a').compile();
 * ```
 */
export class ObservablePublisher extends BasePublisher {
  readonly #source = new StreamSource<EventModel>();
  #closed = false;

  /** Every event published from now on; completes on `close()`. */
  readonly events$: Observable<EventModel>;

  /**
   * @param options - see {@link BasePublisherOptions}.
   * @throws {@link InvalidArgumentError} when an option is out of range.
   */
  constructor(options: BasePublisherOptions = {}) {
    super(basePublisherOptions(options));
    this.events$ = this.#source.asObservable((error) =>
      defaultLog().error(`A subscriber of ObservablePublisher.events$ threw: ${defaultLog().describe(error)}`, error),
    );
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Emits the event on `events$` (nothing after `close()`).
   *
   * @param event - the event.
   * @returns a promise resolved once every subscriber has received it.
   * @example
   * ```ts
   * await publisher.publish(createGraphExecutionEvent('start', { runId: 'run-1' }));
   * ```
   */
  async publish(event: EventModel): Promise<void> {
    if (this.#closed) return;
    this.#source.next(event);
  }

  /**
   * Completes `events$`. Calling it again does nothing.
   *
   * @returns a resolved promise.
   * @example
   * ```ts
   * publisher.events$.subscribe({ complete: () => console.log('no more events') });
   * await publisher.close();
   * ```
   */
  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#source.complete();
  }
}
