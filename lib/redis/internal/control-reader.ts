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
  /**
   * Sends a housekeeping command on another connection (the mirror's writer's), within a bound; resolves to its
   * reply, or `undefined` when it failed. It never rejects.
   */
  readonly housekeeping: (args: readonly string[]) => Promise<{ readonly reply: unknown } | undefined>;
}

/**
 * The worker side of cluster-wide cancel: reads the control stream beside the event stream
 * (`<stream>:control`) through a consumer group of this worker's own (`agentflow:worker:<workerId>`, made anew at
 * the stream's end when the mirror starts: what was sent to an earlier process of the same worker is not this
 * one's business, its task ids meant other tasks), and applies each command addressed to its `workerId` or to every
 * worker, once (ids are remembered) and only until it expires; a command naming another mirror instance is
 * ignored. Each command is acknowledged after it was applied; one delivered again is not applied twice.
 *
 * **Groups do not pile up.** It removes its worker's group when it stops, and when it starts it removes, in the
 * background and on the mirror's other connection (its own group is made at once), the groups of crashed workers:
 * another worker's group whose every consumer has been idle for `staleGroupMs` (a live reader renews its consumer
 * every second). A group with no consumer is left alone: its reader is about to make its consumer. Another live
 * process reading under the same `workerId` (a misconfiguration: commands would reach one of the two) is warned about.
 * A group removed while its reader is away (a long pause of its process) is made again from the last command the
 * reader read, so that no command sent meanwhile is lost.
 */
export class ControlReader {
  readonly #manager: BackgroundTaskManager;
  readonly #settings: ControlReaderSettings;
  readonly #loop: StreamReadLoop<CancelCommand>;
  readonly #seen = new Set<string>();
  readonly #loopCounters = { undecodable: 0, unknownReplies: 0 };
  /** Its consumer's name in the group: one per mirror instance, so that another process under its workerId shows. */
  readonly #consumer: string;
  readonly #housekept: Promise<void>;
  #stopping = false;

  constructor(manager: BackgroundTaskManager, settings: ControlReaderSettings) {
    this.#manager = manager;
    this.#settings = settings;
    const stream = controlStreamOf(settings.stream);
    const group = controlGroupOf(settings.workerId);
    this.#consumer = `mirror-${settings.instance}`;
    this.#loop = new StreamReadLoop<CancelCommand>({
      client: settings.client,
      label: `mirrorTaskEvents (control stream '${stream}', group '${group}')`,
      stream,
      group,
      consumer: this.#consumer,
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
      groupInUse: () => this.#warnAboutTwin(),
      decode: decodeControlEntry,
      deliver: (command) => this.#apply(command),
      batchDelivered: () => undefined,
    });
    this.#housekept = this.#removeStaleGroups();
  }

  /** Entries it could not read as commands, so far. */
  get refused(): number {
    return this.#loopCounters.undecodable;
  }

  /**
   * Removes the control groups of workers gone without removing theirs, and warns about another live process under
   * this workerId (see the class documentation). Never throws.
   */
  async #removeStaleGroups(): Promise<void> {
    const { logger, staleGroupMs, housekeeping } = this.#settings;
    const stream = controlStreamOf(this.#settings.stream);
    const own = controlGroupOf(this.#settings.workerId);
    const groups = parseInfoListReply((await housekeeping(['XINFO', 'GROUPS', stream]))?.reply) ?? [];
    const removed: string[] = [];
    const first = Math.floor(Math.random() * groups.length);
    for (let index = 0; index < Math.min(groups.length, MAX_GROUPS_EXAMINED) && !this.#stopping; index++) {
      const group = groups[(first + index) % groups.length] as ReadonlyMap<string, unknown>;
      const name = String(group.get('name'));
      if (!name.startsWith(CONTROL_GROUP_PREFIX) || !(Number(group.get('consumers')) > 0)) continue;
      const consumers = parseInfoListReply((await housekeeping(['XINFO', 'CONSUMERS', stream, name]))?.reply);
      if (consumers === undefined || consumers.length === 0) continue;
      if (name === own) continue;
      if (!consumers.every((consumer) => Number(consumer.get('idle')) >= staleGroupMs)) continue;
      if ((await housekeeping(['XGROUP', 'DESTROY', stream, name])) !== undefined) removed.push(name);
    }
    if (removed.length > 0) {
      const names = removed.slice(0, 10).map(quoteName).join(', ') + (removed.length > 10 ? ', …' : '');
      logger.info(`mirrorTaskEvents: removed ${removed.length} control group(s) of workers unseen for ${staleGroupMs} ms on '${oneLine(stream)}': ${names}`);
    }
  }

  /** Another live process reads this worker's group: a misconfiguration worth a warning (see the class documentation). */
  #warnAboutTwin(): void {
    this.#settings.logger.warn(
      `mirrorTaskEvents: another process reads commands as workerId ${quoteName(this.#settings.workerId)} too: ` +
        'each command reaches one of them only. Give every process a workerId of its own.',
    );
  }

  /** Stops reading, releases its connection and removes its worker's group (within a bound); never rejects. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop.stop();
    await this.#housekept;
    await this.#settings.housekeeping(['XGROUP', 'DESTROY', controlStreamOf(this.#settings.stream), controlGroupOf(this.#settings.workerId)]);
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
    // (a run or thread is matched on the task's own tag, or on its context's field for a task made outside a run)
    for (const task of tasks) {
      if (task.status !== 'pending' && task.status !== 'running') continue;
      if (this.#settings.skipNames.has(task.name)) continue;
      if (command.taskId !== undefined && task.id !== command.taskId) continue;
      if (command.name !== undefined && task.name !== command.name) continue;
      if (command.runId !== undefined && (task.runId ?? contextString(task.context, 'runId')) !== command.runId) continue;
      if (command.threadId !== undefined && (task.threadId ?? contextString(task.context, 'threadId')) !== command.threadId) continue;
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
