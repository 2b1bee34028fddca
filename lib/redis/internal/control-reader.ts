import type { LogSink } from '../../logging/guarded-logger';
import type { BackgroundTaskManager } from '../../tasks/background-task-manager';
import { oneLine, quoteName } from '../../util/describe-value';
import type { RedisStreamsClient } from '../redis-streams-client';
import { CONTROL_GROUP_PREFIX, controlGroupOf, controlStreamOf, decodeControlEntry, EVERY_WORKER, type CancelCommand } from './control-command-codec';
import { parseInfoListReply } from './redis-stream-replies';
import { StreamReadLoop } from './stream-read-loop';

/** How many command ids a worker remembers, to apply a command delivered again once. */
const MAX_REMEMBERED_COMMANDS = 1_000;
/**
 * The most groups a worker looks at when it starts, from a random place in the list (the rest wait for the next
 * start, of this worker or another): each costs an `XINFO CONSUMERS`, and startup must stay short.
 */
const MAX_GROUPS_EXAMINED = 1_000;

/** What a {@link ControlReader} did so far. */
export interface ControlCounters {
  /** Commands for this worker that it applied. */
  applied: number;
  /** Commands for this worker it read after they expired, and ignored. */
  expired: number;
  /** Tasks it cancelled because of a command. */
  cancelledTasks: number;
  /** Commands for an earlier instance of its worker (sent before a restart), ignored. */
  otherInstance: number;
}

/** How a {@link ControlReader} reads. */
export interface ControlReaderSettings {
  readonly stream: string;
  readonly workerId: string;
  /** The mirror's random instance id, as its heartbeats carry it. */
  readonly instance: string;
  /** Task names the mirror leaves out: a viewer never saw them, and no command reaches them. */
  readonly skipNames: ReadonlySet<string>;
  readonly logger: LogSink;
  /** A new, unconnected client of the reader's own (a blocking read needs its own connection). */
  readonly client: RedisStreamsClient;
  readonly counters: ControlCounters;
  /** How long every consumer of another worker's group must have been idle for the group to be removed, in ms. */
  readonly staleGroupMs: number;
}

/**
 * The worker side of cluster-wide cancel: reads the control stream beside the event stream
 * (`<stream>:control`) through a consumer group of this worker's own (`agentflow:worker:<workerId>`, made anew at
 * the stream's end when the mirror starts: what was sent to an earlier process of the same worker is not this
 * one's business, its task ids meant other tasks), and applies each command addressed to its `workerId` or to every
 * worker, once (ids are remembered) and only until it expires; a command naming another mirror instance is
 * ignored. Each command is acknowledged after it was applied; one delivered again is not applied twice.
 *
 * **Groups do not pile up.** The mirror removes its worker's group when it stops ({@link removeGroupCommand}), and
 * when a reader starts it removes the groups of crashed workers: another worker's group whose every consumer has
 * been idle for `staleGroupMs` (a live reader renews its consumer every second). A group with no consumer yet is
 * left alone: its reader may be about to make its first read.
 */
export class ControlReader {
  readonly #manager: BackgroundTaskManager;
  readonly #settings: ControlReaderSettings;
  readonly #loop: StreamReadLoop<CancelCommand>;
  readonly #seen = new Set<string>();
  readonly #loopCounters = { undecodable: 0, unknownReplies: 0 };

  constructor(manager: BackgroundTaskManager, settings: ControlReaderSettings) {
    this.#manager = manager;
    this.#settings = settings;
    const stream = controlStreamOf(settings.stream);
    const group = controlGroupOf(settings.workerId);
    this.#loop = new StreamReadLoop<CancelCommand>({
      client: settings.client,
      label: `mirrorTaskEvents (control stream '${stream}', group '${group}')`,
      stream,
      group,
      consumer: 'mirror',
      startId: '$',
      count: 100,
      // Its consumer's idle time stays under about a second while it runs, so that staleGroupMs tells a live worker
      // from a crashed one: reads block for a second, and its pending list is read again (non-blocking) as often.
      blockMs: 1_000,
      rereadPendingMs: 1_000,
      minIdleMs: 30_000,
      claimIntervalMs: 60_000,
      logger: settings.logger,
      counters: this.#loopCounters,
      fresh: true,
      beforeFirstGroup: (client) => this.#removeStaleGroups(client),
      decode: decodeControlEntry,
      deliver: (command) => this.#apply(command),
      batchDelivered: () => undefined,
    });
  }

  /** Entries it could not read as commands, so far. */
  get refused(): number {
    return this.#loopCounters.undecodable;
  }

  /** The command that removes this worker's group, for the mirror to send when it stops. */
  removeGroupCommand(): string[] {
    return ['XGROUP', 'DESTROY', controlStreamOf(this.#settings.stream), controlGroupOf(this.#settings.workerId)];
  }

  /** Removes the control groups of workers gone without removing theirs (see the class documentation). Never throws. */
  async #removeStaleGroups(client: RedisStreamsClient): Promise<void> {
    const { logger, staleGroupMs } = this.#settings;
    const stream = controlStreamOf(this.#settings.stream);
    const own = controlGroupOf(this.#settings.workerId);
    const removed: string[] = [];
    try {
      const groups = parseInfoListReply(await client.sendCommand(['XINFO', 'GROUPS', stream])) ?? [];
      const first = Math.floor(Math.random() * groups.length);
      for (let index = 0; index < Math.min(groups.length, MAX_GROUPS_EXAMINED); index++) {
        const group = groups[(first + index) % groups.length] as ReadonlyMap<string, unknown>;
        const name = String(group.get('name'));
        if (!name.startsWith(CONTROL_GROUP_PREFIX) || name === own || !(Number(group.get('consumers')) > 0)) continue;
        const consumers = parseInfoListReply(await client.sendCommand(['XINFO', 'CONSUMERS', stream, name]));
        if (consumers === undefined || consumers.length === 0) continue;
        if (!consumers.every((consumer) => Number(consumer.get('idle')) >= staleGroupMs)) continue;
        await client.sendCommand(['XGROUP', 'DESTROY', stream, name]);
        removed.push(name);
      }
    } catch (error) {
      // no control stream yet, or Redis went away: housekeeping waits for the next start
      if (!/no such key/i.test(String((error as Error | undefined)?.message))) {
        logger.debug(`mirrorTaskEvents: could not look for stale control groups on '${stream}': ${logger.describe(error)}`);
      }
    }
    if (removed.length > 0) {
      const names = removed.slice(0, 10).map(quoteName).join(', ') + (removed.length > 10 ? ', …' : '');
      logger.info(`mirrorTaskEvents: removed ${removed.length} control group(s) of workers unseen for ${staleGroupMs} ms on '${oneLine(stream)}': ${names}`);
    }
  }

  /** Stops reading and releases its connection; never rejects. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  #apply(command: CancelCommand): void {
    const { workerId, counters, logger } = this.#settings;
    if (command.target !== workerId && command.target !== EVERY_WORKER) return;
    if (this.#seen.has(command.id)) return;
    this.#remember(command.id);
    if (command.instance !== undefined && command.instance !== this.#settings.instance) {
      counters.otherInstance++;
      logger.debug(`mirrorTaskEvents: ignored command ${oneLine(command.id)}: it was for an earlier instance of this worker`);
      return;
    }
    if (Date.now() > command.expiresAt) {
      counters.expired++;
      logger.debug(`mirrorTaskEvents: ignored command ${oneLine(command.id)}: it expired at ${new Date(command.expiresAt).toISOString()}`);
      return;
    }
    counters.applied++;
    const reason = command.reason ?? `cancelled by a cluster command (${command.id})`;
    let cancelled = 0;
    for (const id of this.#matching(command)) {
      const handle = this.#manager.getTask(id);
      if (handle === undefined) continue;
      handle.cancel(reason);
      cancelled++;
    }
    counters.cancelledTasks += cancelled;
    logger.info(
      `mirrorTaskEvents: command ${oneLine(command.id)} cancelled ${cancelled} task(s)` +
        `${command.taskId === undefined ? '' : ` (task ${command.taskId})`}` +
        `${command.name === undefined ? '' : ` named ${quoteName(command.name)}`}` +
        `${command.runId === undefined ? '' : ` of run ${oneLine(command.runId)}`}` +
        `${command.threadId === undefined ? '' : ` of thread ${oneLine(command.threadId)}`}: ${oneLine(reason)}`,
    );
  }

  /** The ids of the tasks in flight the command is about (those the mirror shows). */
  #matching(command: CancelCommand): number[] {
    const ids: number[] = [];
    // one task by id: looked up, not searched for among every task's info
    const tasks = command.taskId === undefined ? this.#manager.getTaskInfo() : [this.#manager.getTask(command.taskId)].filter((task) => task !== undefined);
    for (const task of tasks) {
      if (task.status !== 'pending' && task.status !== 'running') continue;
      if (this.#settings.skipNames.has(task.name)) continue;
      if (command.taskId !== undefined && task.id !== command.taskId) continue;
      if (command.name !== undefined && task.name !== command.name) continue;
      if (command.runId !== undefined && contextString(task.context, 'runId') !== command.runId) continue;
      if (command.threadId !== undefined && contextString(task.context, 'threadId') !== command.threadId) continue;
      ids.push(task.id);
    }
    return ids;
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > MAX_REMEMBERED_COMMANDS) this.#seen.delete(this.#seen.values().next().value as string);
  }
}

/** A context value that is a string, read without throwing (a getter may). */
function contextString(context: Readonly<Record<string, unknown>>, key: string): string | undefined {
  try {
    const value = context[key];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
