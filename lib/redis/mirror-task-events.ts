import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { PUBLISH_EVENT_TASK_NAME } from '../publisher/publish-event';
import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import { checkManager } from '../tasks/check-manager';
import { streamWriterOf } from './internal/stream-writers';
import { TaskEventMirrorRun } from './internal/task-event-mirror-run';
import { resolveMirrorOptions, type MirrorTaskEventsOptions } from './mirror-task-events-options';
import type { RedisStreamsPublisher } from './redis-streams-publisher';
import type { TaskEventMirror } from './task-event-mirror';

const NO_NAMES: ReadonlySet<string> = new Set();
const PUBLISH_TASK_NAMES: ReadonlySet<string> = new Set([PUBLISH_EVENT_TASK_NAME]);

/**
 * Forwards a manager's task lifecycle events (`events$`) to the publisher's Redis stream, tagged with a
 * `workerId`, so that a {@link RedisStreamsSubscriber} anywhere can show every worker's tasks
 * (`clusterCounts$`, `clusterTasks$`).
 *
 * It never slows the manager down and never grows without limit: each event waits in a queue of at most
 * `maxQueued` events (beyond that it is dropped and counted), and the queue is encoded and handed to the publisher
 * in pipelined batches of up to `maxBatch`, at most `batchMs` after the first event of a batch, one batch at a
 * time. `stop()` gives what is left one `publishTimeoutMs` in all; what Redis has not taken by then is dropped and
 * counted. An event an `events$` subscriber changed so that it cannot be encoded (a throwing getter) is dropped and
 * counted too. The publisher's own bound applies after that: while Redis is down it holds at most `maxBuffered`
 * entries. It does not go through `publishEvent()`: its appends create no tasks, so they do not feed
 * themselves back into `events$`. The tasks `publishEvent()` creates are left out unless `includePublishTasks`.
 *
 * The entries have `kind: 'task'`, `type` (the event's `type`), `workerId`, `runId`/`threadId` when the task's
 * context has them as strings, and `json` (the event, `Error`s as `{ name, message, code? }`).
 *
 * @param manager - the manager whose events to forward.
 * @param publisher - the publisher whose stream and connection to use.
 * @param options - see {@link MirrorTaskEventsOptions}.
 * @returns the running mirror: `stop()` it (or `await using` it) before closing the publisher.
 * @throws {@link InvalidArgumentError} when `manager` is not a manager, `publisher` is not a
 * {@link RedisStreamsPublisher}, or an option is not acceptable.
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager();
 * const publisher = new RedisStreamsPublisher({ url: process.env.REDIS_URL });
 * const mirror = mirrorTaskEvents(manager, publisher, { workerId: `worker-${process.env.WORKER_INDEX}` });
 * // ... on the way out:
 * await manager.shutdown();
 * await mirror.stop();
 * await publisher.close();
 * ```
 */
export function mirrorTaskEvents(
  manager: BackgroundTaskManager,
  publisher: RedisStreamsPublisher,
  options: MirrorTaskEventsOptions = {},
): TaskEventMirror {
  checkManager(manager);
  const writer = streamWriterOf(publisher);
  if (writer === undefined) throw new InvalidArgumentError('publisher', 'a RedisStreamsPublisher', publisher);
  const resolved = resolveMirrorOptions(options, publisher.workerId);
  const key = `${writer.stream}\u0000${resolved.workerId}`;
  const running = (mirrorsRunning.get(key) ?? 0) + 1;
  mirrorsRunning.set(key, running);
  if (running > 1) {
    writer.logger.warn(
      `mirrorTaskEvents: ${running} mirrors in this process write to stream '${writer.stream}' as workerId '${resolved.workerId}': ` +
        'viewers cannot tell their tasks apart; give each manager its own workerId',
    );
  }
  return new TaskEventMirrorRun(manager, writer, {
    ...resolved,
    skipNames: resolved.includePublishTasks ? NO_NAMES : PUBLISH_TASK_NAMES,
    logger: writer.logger,
    stopped: () => {
      const left = (mirrorsRunning.get(key) ?? 1) - 1;
      if (left === 0) mirrorsRunning.delete(key);
      else mirrorsRunning.set(key, left);
    },
  });
}

/** How many mirrors of this process run per stream and workerId: two under one id is a mistake worth a warning. */
const mirrorsRunning = new Map<string, number>();
