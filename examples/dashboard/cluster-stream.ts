/**
 * The dashboard's cluster mode (`npm start -- --cluster`): it mirrors its own manager to a Redis stream and reads
 * that stream back with a consumer group of its own, so that the page can show every worker's tasks.
 *
 * - its manager's task events go to the stream through {@link mirrorTaskEvents} and a {@link RedisStreamsPublisher}
 *   (`workerId` `'dashboard:<pid>'` unless given another);
 * - a {@link RedisStreamsSubscriber} reads the stream in a group named `dashboard-<pid>-<random>`: a group per
 *   dashboard, since the consumers of one group share the entries and each dashboard must see all of them. It reads
 *   for as long as the dashboard runs (not only while a page is open), and its group is destroyed on `close()`;
 * - `GET /cluster/events` streams its view as server-sent events: `event: cluster-counts` (`clusterCounts$`: per
 *   worker and in total), `event: cluster-tasks` (`clusterTasks$`, each worker's list cut to its oldest
 *   {@link MAX_LISTED_TASKS} tasks, plus `inFlight`: each worker's full count) and `event: cluster-workers`
 *   (`clusterWorkers$`: each worker's status, `alive`, `lost` or `stopped`, the time of its last entry, and
 *   whether it obeys cancel commands: its mirror runs with `control: true`, as this dashboard's own does).
 * - `POST /cluster/workers/:workerId/tasks/:id/cancel` cancels a task of any worker that obeys commands
 *   (`subscriber.cancelTask()`): 202 once the command is in Redis, 409 when the worker cannot obey, 503 when Redis
 *   did not take it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import {
  Redactor,
  RedisStreamsPublisher,
  RedisStreamsSubscriber,
  mirrorTaskEvents,
  type BackgroundTaskManager,
  type ClusterCounts,
  type ClusterTasks,
  type ClusterWorkers,
  type TaskEventMirror,
} from '../../lib';
import type { ResolvedClusterOptions } from './dashboard-options';

/** The most tasks per worker a `cluster-tasks` frame lists (the oldest); `inFlight` still counts them all. */
export const MAX_LISTED_TASKS = 50;

/** How often an idle cluster stream gets a comment line, so that proxies and browsers keep it open. */
const HEARTBEAT_MS = 15_000;

/** What a `cluster-tasks` frame carries: {@link ClusterTasks} with short lists, and every worker's count. */
export interface ClusterTasksFrame extends ClusterTasks {
  /** Each worker's tasks in flight, by `workerId` (its list in `workers` may be cut). */
  readonly inFlight: Readonly<Record<string, number>>;
}

/** The server-sent-events handler of `GET /cluster/events`. */
export interface ClusterEventsHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** How many pages are connected. */
  readonly connections: number;
  /** Ends every stream and releases its subscriptions; later requests get 503. */
  close(): void;
}

/** The running cluster mode, as {@link startClusterMode} returns it. */
export interface ClusterMode {
  readonly stream: string;
  readonly workerId: string;
  readonly group: string;
  readonly publisher: RedisStreamsPublisher;
  readonly mirror: TaskEventMirror;
  readonly subscriber: RedisStreamsSubscriber;
  readonly events: ClusterEventsHandler;
  /** What `GET /info` says about it (the Redis URL without credentials). */
  info(): Record<string, unknown>;
  /**
   * Ends the streams, stops the mirror (after its last batch) and closes the publisher, closes the subscriber and
   * destroys its consumer group. Call it after the manager shut down, so that its last events are mirrored. Calling
   * it again returns the same promise; it never rejects.
   */
  close(): Promise<void>;
}

/**
 * Starts mirroring `manager` to the stream and reading the stream back.
 *
 * @throws {@link MissingPeerDependencyError} when the optional `redis` package is not installed.
 */
export function startClusterMode(manager: BackgroundTaskManager, options: ResolvedClusterOptions): ClusterMode {
  const { redisUrl, stream, workerId } = options;
  const group = `dashboard-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const subscriber = new RedisStreamsSubscriber({ url: redisUrl, stream, group, consumer: 'dashboard', blockMs: 1_000 });
  const publisher = new RedisStreamsPublisher({ url: redisUrl, stream, workerId });
  // control: viewers (this dashboard and others on the stream) may cancel this manager's tasks
  const mirror = mirrorTaskEvents(manager, publisher, { workerId, control: true });
  // Read for as long as the dashboard runs, so that its view is whole however often pages come and go.
  const reading = subscriber.clusterCounts$.subscribe();
  const events = clusterEventsHandler(subscriber);
  const where = new URL(redisUrl);

  let closing: Promise<void> | undefined;
  return {
    stream,
    workerId,
    group,
    publisher,
    mirror,
    subscriber,
    events,
    info: () => ({ stream, workerId, group, redis: `${where.protocol}//${where.host}` }),
    close() {
      closing ??= (async () => {
        events.close();
        await mirror.stop();
        await publisher.close();
        reading.unsubscribe();
        await subscriber.close();
        await destroyGroup(redisUrl, stream, group);
      })();
      return closing;
    },
  };
}

/**
 * A small server-sent-events writer for the subscriber's view. Backpressure: when `res.write()` returns false, the
 * next frames are not written but kept, the latest of each kind only, and written on `'drain'`.
 */
export function clusterEventsHandler(subscriber: RedisStreamsSubscriber): ClusterEventsHandler {
  const open = new Map<ServerResponse, () => void>();
  let closed = false;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (closed) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('the dashboard is closing');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 2000\n\n');

    const pending = new Map<string, () => unknown>();
    let blocked = false;
    const onDrain = (): void => {
      blocked = false;
      flush();
    };
    const flush = (): void => {
      if (blocked || res.writableEnded || res.destroyed) return;
      for (const [name, data] of pending) {
        pending.delete(name);
        if (!res.write(`event: ${name}\ndata: ${Redactor.DEFAULT.stringify(data())}\n\n`)) {
          blocked = true;
          res.once('drain', onDrain);
          return;
        }
      }
    };
    const send = (name: string, data: () => unknown): void => {
      pending.set(name, data);
      flush();
    };

    const subscriptions: Subscription[] = [];
    const release = (): void => {
      if (!open.delete(res)) return;
      for (const subscription of subscriptions) subscription.unsubscribe();
      clearInterval(heartbeat);
      res.off('drain', onDrain);
      if (!res.writableEnded) res.end();
    };
    open.set(res, release);
    res.once('close', release);
    const heartbeat = setInterval(() => {
      if (!blocked && !res.writableEnded) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();

    subscriptions.push(
      subscriber.clusterCounts$.subscribe({
        next: (counts: ClusterCounts) => send('cluster-counts', () => counts),
        complete: release,
        error: release,
      }),
      subscriber.clusterTasks$.subscribe({
        next: (tasks: ClusterTasks) => send('cluster-tasks', () => tasksFrame(tasks)),
        complete: release,
        error: release,
      }),
      subscriber.clusterWorkers$.subscribe({
        next: (workers: ClusterWorkers) => send('cluster-workers', () => workersFrame(workers)),
        complete: release,
        error: release,
      }),
    );
  };

  // defineProperties, not Object.assign: assign would read the getter once instead of copying it.
  return Object.defineProperties(handler, {
    connections: { get: (): number => open.size, enumerable: true },
    close: {
      value: (): void => {
        closed = true;
        for (const release of [...open.values()]) release();
      },
      enumerable: true,
    },
  }) as ClusterEventsHandler;
}

/**
 * What a `cluster-workers` frame carries: each worker's status, the time of its last entry and whether it obeys
 * cancel commands (its counts go in `cluster-counts`).
 */
export type ClusterWorkersFrame = Readonly<
  Record<string, { readonly status: string; readonly lastSeenAt: number; readonly control: boolean }>
>;

function workersFrame(workers: ClusterWorkers): ClusterWorkersFrame {
  return Object.fromEntries(
    Object.entries(workers).map(([workerId, worker]) => [workerId, { status: worker.status, lastSeenAt: worker.lastSeenAt, control: worker.control }]),
  );
}

function tasksFrame(tasks: ClusterTasks): ClusterTasksFrame {
  // Object.fromEntries, not assignments to {}: a worker named '__proto__' is a key like any other
  const entries = Object.entries(tasks.workers);
  const workers = Object.fromEntries(entries.map(([workerId, list]) => [workerId, list.length > MAX_LISTED_TASKS ? list.slice(0, MAX_LISTED_TASKS) : list]));
  const inFlight = Object.fromEntries(entries.map(([workerId, list]) => [workerId, list.length]));
  return { total: tasks.total, untracked: tasks.untracked, workers, inFlight };
}

/** Removes the dashboard's consumer group from the stream (best effort: Redis may be down). */
async function destroyGroup(url: string, stream: string, group: string): Promise<void> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.sendCommand(['XGROUP', 'DESTROY', stream, group]);
  } catch {
    // no Redis, or no stream: nothing to remove
  } finally {
    if (client.isOpen) client.destroy();
  }
}
