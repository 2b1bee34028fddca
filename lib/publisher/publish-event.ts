import { inject } from '../di/inject';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { PublishFailedError } from '../errors/publish-failed-error';
import { TaskRejectedError } from '../errors/task-rejected-error';
import { defaultLog } from '../logging/guarded-logger';
import { BackgroundTaskManager } from '../tasks/background-task-manager';
import { oneLine, quoteName } from '../util/describe-value';
import { isInstanceOf } from '../util/promises';
import { BasePublisher } from './base-publisher';
import type { EventModel } from './event-model';
import { isPublisher } from './is-publisher';

/** The name of every task `publishEvent()` creates. */
export const PUBLISH_EVENT_TASK_NAME = 'publish_event';

/**
 * Publishes an event in the background, without blocking: it returns at once.
 *
 * With no publisher (none bound, or `null` given) it does nothing and creates no task. Otherwise it creates a
 * background task named `'publish_event'`, with context `{ event: event.event, threadId: event.threadId }` and
 * the publisher's `publishTimeoutMs` as its timeout, that calls `publisher.publish(event, signal)`. A publish
 * that throws or rejects is logged at ERROR on the library's logger, never thrown; one that hangs holds a slot
 * of the manager's `maxPendingTasks` until it times out, and beyond that the manager sheds the excess and
 * counts it (a refusal under the `'reject'` policy is swallowed here: the manager already logged and counted it).
 *
 * The defaults resolve from the running graph's container (see {@link inject}); the manager is only looked up
 * when there is a publisher.
 *
 * @param event - the event to publish.
 * @param publisher - default `inject(BasePublisher, { optional: true })`; `null` means none.
 * @param taskManager - default `inject(BackgroundTaskManager)`.
 * @throws {@link DependencyNotFoundError} when there is a publisher but no manager is given or bound.
 * @throws {@link InvalidArgumentError} when `event` is not an object or `publisher` is not a publisher.
 * @example
 * ```ts
 * async function summarize(state: State, config: RunConfig): Promise<Partial<State>> {
 *   const summary = await llm.summarize(state.text);
 *   publishEvent(createNodeExecutionEvent('summarize', 'result', { content: summary, threadId: config.threadId }));
 *   return { summary };
 * }
 * ```
 */
export function publishEvent(
  event: EventModel,
  publisher: BasePublisher | null | undefined = inject(BasePublisher, { optional: true }),
  taskManager?: BackgroundTaskManager,
): void {
  if (typeof event !== 'object' || event === null) throw new InvalidArgumentError('event', 'an EventModel', event);
  if (publisher === null || publisher === undefined) return;
  if (!isPublisher(publisher)) throw new InvalidArgumentError('publisher', 'a BasePublisher', publisher);
  const manager = taskManager ?? inject(BackgroundTaskManager);
  const target = publisher;
  try {
    manager.createTask((signal) => publishOrLog(target, event, signal), {
      name: PUBLISH_EVENT_TASK_NAME,
      timeoutMs: target.publishTimeoutMs,
      context: { event: event.event, threadId: event.threadId },
    });
  } catch (error) {
    if (error instanceof TaskRejectedError) return;
    throw error;
  }
}

async function publishOrLog(publisher: BasePublisher, event: EventModel, signal: AbortSignal): Promise<void> {
  try {
    await publisher.publish(event, signal);
  } catch (error) {
    // A publisher that stops because its task timed out or was cancelled did what it was asked: the manager logs that.
    if (signal.aborted) return;
    const log = defaultLog();
    // Counted by its publisher and logged there at WARN, rate-limited: an outage must not log one ERROR per event.
    if (isInstanceOf(error, PublishFailedError)) {
      log.log('debug', `Event ${oneLine(`${event.event}.${event.eventType}`)} not published: ${log.describe(error)}`);
      return;
    }
    log.log(
      'error',
      `Failed to publish event ${oneLine(`${event.event}.${event.eventType}`)}` +
        `${event.nodeName === undefined ? '' : ` of node ${quoteName(event.nodeName)}`}` +
        ` (run ${oneLine(event.runId ?? '-')}, thread ${oneLine(event.threadId ?? '-')}): ${log.describe(error)}`,
      undefined,
      error,
      false, // a publisher that fails is an operational fault: its message, not a stack (as the Python original logs it)
    );
  }
}
