import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { BasePublisher, basePublisherOptions, type BasePublisherOptions } from './base-publisher';
import type { EventModel } from './event-model';
import { isPublisher } from './is-publisher';

/**
 * A publisher that hands every event to several publishers at once.
 *
 * Each publisher gets every event, whatever the others do: one that throws or rejects does not stop the
 * others. `publish()` settles when all of them have settled, and rejects with an `AggregateError` of the
 * failures if any failed (which `publishEvent()` logs at ERROR). `new StateGraph({ publisher: [a, b] })`
 * builds one for you.
 *
 * @example
 * ```ts
 * const publisher = new CompositePublisher([new ConsolePublisher(), uiPublisher, new QueuePublisher(queue)]);
 * const graph = new StateGraph<State>({ publisher });
 * ```
 */
export class CompositePublisher extends BasePublisher {
  readonly #publishers: readonly BasePublisher[];

  /**
   * @param publishers - the publishers to fan out to.
   * @param options - see {@link BasePublisherOptions}.
   * @throws {@link InvalidArgumentError} when `publishers` is not an array of publishers, or an option is out of range.
   */
  constructor(publishers: readonly BasePublisher[], options: BasePublisherOptions = {}) {
    super(basePublisherOptions(options));
    if (!Array.isArray(publishers)) throw new InvalidArgumentError('publishers', 'an array of publishers', publishers);
    publishers.forEach((publisher: unknown, index) => {
      if (!isPublisher(publisher)) {
        throw new InvalidArgumentError(`publishers[${index}]`, 'a BasePublisher (with publish() and close())', publisher);
      }
    });
    this.#publishers = Object.freeze([...publishers]);
  }

  /** The publishers it fans out to. */
  get publishers(): readonly BasePublisher[] {
    return this.#publishers;
  }

  /**
   * Publishes the event through every publisher, concurrently.
   *
   * @param event - the event.
   * @param signal - passed on to each publisher.
   * @returns a promise that settles once every publisher has settled.
   * @throws `AggregateError` (as a rejection) with each failure, when at least one publisher failed.
   * @example
   * ```ts
   * await composite.publish(createGraphExecutionEvent('start', { runId: 'run-1' }));
   * ```
   */
  async publish(event: EventModel, signal?: AbortSignal): Promise<void> {
    await settleAll(
      this.#publishers.map((publisher) => () => publisher.publish(event, signal)),
      `${event.event}.${event.eventType}`,
      'publish',
    );
  }

  /**
   * Closes every publisher, concurrently; one that fails does not stop the others.
   *
   * @returns a promise that settles once every publisher is closed.
   * @throws `AggregateError` (as a rejection) with each failure, when at least one close failed.
   * @example
   * ```ts
   * await composite.close();
   * ```
   */
  override async close(): Promise<void> {
    await settleAll(
      this.#publishers.map((publisher) => () => publisher.close()),
      'close',
      'close',
    );
  }
}

/** Runs every call (a synchronous throw counts as a failure), waits for all, and rejects with every failure. */
async function settleAll(calls: readonly (() => Promise<void>)[], what: string, verb: string): Promise<void> {
  const results = await Promise.allSettled(calls.map((call) => new Promise<void>((resolve) => resolve(call()))));
  const errors: unknown[] = [];
  for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
  if (errors.length === 0) return;
  throw new AggregateError(errors, `${errors.length} of ${calls.length} publishers failed to ${verb} (${what})`);
}
