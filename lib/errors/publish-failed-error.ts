import { AgentflowError } from './agentflow-error';

/**
 * What became of an event that did not reach its stream: `'dropped'` (never sent: evicted from a full buffer,
 * still waiting for a connection when `publishTimeoutMs` or `close()` ran out, cancelled before it was sent, or
 * handed over after `close()`), or `'failed'` (sent, but not acknowledged: Redis refused it, or no reply came in
 * time; such an event may or may not be in the stream).
 */
export type PublishOutcome = 'dropped' | 'failed';

/**
 * The rejection of `RedisStreamsPublisher.publish()` for an event that was not acknowledged by Redis. Its
 * `outcome` is the count of `publisher.stats` the event went to (`'dropped'` or `'failed'`); the publisher has
 * already counted it and logged it at WARN (at most every ten seconds), so `publishEvent()` logs it only at DEBUG.
 *
 * @example
 * ```ts
 * try {
 *   await publisher.publish(event);
 * } catch (error) {
 *   if (error instanceof PublishFailedError && error.outcome === 'dropped') console.log('never sent:', error.message);
 * }
 * ```
 */
export class PublishFailedError extends AgentflowError {
  /** Which count of the publisher's stats the event went to. */
  readonly outcome: PublishOutcome;

  /**
   * @param outcome - `'dropped'` or `'failed'`.
   * @param why - what happened, in words (e.g. `'no reply within publishTimeoutMs (5000 ms)'`).
   * @param options - `cause`: the error of the last attempt, when there was one.
   */
  constructor(outcome: PublishOutcome, why: string, options?: { cause?: unknown }) {
    super('PUBLISH_FAILED', `The event was ${outcome === 'dropped' ? 'not sent' : 'not acknowledged'}: ${why}`, options);
    this.name = 'PublishFailedError';
    this.outcome = outcome;
  }
}
