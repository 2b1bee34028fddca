import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { checkPlainObject, checkTimeout, readOptions } from '../util/validate';
import type { EventModel } from './event-model';

/**
 * Options every publisher accepts.
 *
 * @example
 * ```ts
 * class WebhookPublisher extends BasePublisher {
 *   constructor(private readonly url: string) {
 *     super({ publishTimeoutMs: 5_000 });
 *   }
 *   // ...
 * }
 * ```
 */
export interface BasePublisherOptions {
  /**
   * How long one `publish()` may run, in milliseconds, before its background task times out and the signal
   * given to `publish()` aborts. Default: no timeout.
   */
  readonly publishTimeoutMs?: number;
}

/**
 * Where a graph's events go: a console, a UI stream, a message queue, a webhook. Extend it and implement
 * {@link BasePublisher.publish}.
 *
 * It is also the TypeDI token a graph binds its publisher under, so `inject(BasePublisher, { optional: true })`
 * finds the publisher of the running graph. `publishEvent()` calls `publish()` in a background task: a slow,
 * failing or hanging publisher never blocks or breaks a run.
 *
 * @example
 * ```ts
 * class QueuePublisher extends BasePublisher {
 *   constructor(private readonly queue: Queue) {
 *     super({ publishTimeoutMs: 5_000 });
 *   }
 *   async publish(event: EventModel, signal?: AbortSignal): Promise<void> {
 *     await this.queue.send(JSON.stringify(event), { signal });
 *   }
 *   override async close(): Promise<void> {
 *     await this.queue.disconnect();
 *   }
 * }
 * const graph = new StateGraph<State>({ publisher: new QueuePublisher(queue) });
 * ```
 */
export abstract class BasePublisher {
  /** How long one `publish()` may run before its task times out; `undefined`: no timeout. */
  readonly publishTimeoutMs: number | undefined;

  /**
   * @param options - see {@link BasePublisherOptions}.
   * @throws {@link InvalidArgumentError} when an option is out of range.
   */
  constructor(options: BasePublisherOptions = {}) {
    checkPlainObject('options', options);
    // Its own property only (a subclass may pass its whole options object, so other keys are its business).
    let publishTimeoutMs: unknown;
    try {
      publishTimeoutMs = Object.hasOwn(options, 'publishTimeoutMs') ? options.publishTimeoutMs : undefined;
    } catch {
      throw new InvalidArgumentError('options', 'an object whose properties can be read', options);
    }
    checkTimeout('publishTimeoutMs', publishTimeoutMs);
    this.publishTimeoutMs = publishTimeoutMs as number | undefined;
  }

  /**
   * Delivers one event. It runs in a background task; a rejection is logged at ERROR, never thrown at the run.
   *
   * @param event - the event.
   * @param signal - aborted when the task times out (`publishTimeoutMs`) or the graph is closed; honour it to stop.
   * @returns a promise that settles once the event is delivered.
   * @example
   * ```ts
   * await publisher.publish(createGraphExecutionEvent('start', { runId: 'run-1' }));
   * ```
   */
  abstract publish(event: EventModel, signal?: AbortSignal): Promise<void>;

  /**
   * Releases what the publisher holds (connections, streams). A compiled graph calls it from `close()`, after
   * its background tasks are done. This default does nothing; it should be safe to call more than once.
   *
   * @returns a promise that settles once the publisher is closed.
   * @example
   * ```ts
   * await publisher.close();
   * ```
   */
  async close(): Promise<void> {
    // nothing to release by default
  }
}

/**
 * The options of a publisher that takes nothing but {@link BasePublisherOptions} (`ObservablePublisher`,
 * `CompositePublisher`), checked: an unknown key (a typo) is refused, inherited keys are not read.
 *
 * @throws {@link InvalidArgumentError} naming the option and the value.
 */
export function basePublisherOptions(options: BasePublisherOptions = {}): BasePublisherOptions {
  checkPlainObject('options', options);
  return readOptions('options', options, ['publishTimeoutMs']);
}
