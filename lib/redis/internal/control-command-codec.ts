import { describeValue } from '../../util/describe-value';
import { ownFields } from '../../util/own-fields';
import type { RawStreamEntry } from './redis-stream-replies';
import type { Decoded } from './stream-read-loop';
import { MAX_WORKER_ID_LENGTH } from './stream-entry-codec';

/** The control stream of an event stream: where viewers append commands and mirrors read them. */
export function controlStreamOf(stream: string): string {
  return `${stream}:control`;
}

/** What the name of every worker's control group starts with. */
export const CONTROL_GROUP_PREFIX = 'agentflow:worker:';

/** The consumer group through which the mirror of `workerId` reads the control stream (one per worker). */
export function controlGroupOf(workerId: string): string {
  return `${CONTROL_GROUP_PREFIX}${workerId}`;
}

/** The `target` of a command for every worker. */
export const EVERY_WORKER = '*';

/** The longest `reason` a command carries, in characters (a longer one is cut, on both sides). */
export const MAX_REASON_LENGTH = 1_000;

/** The longest command id (a UUID is 36 characters) and mirror instance accepted. */
const MAX_ID_LENGTH = 128;

/** The only fields a command's JSON may have: anything else (a typo, a newer layout, `__proto__`) refuses it. */
const COMMAND_KEYS: ReadonlySet<string> = new Set(['id', 'instance', 'taskId', 'name', 'runId', 'threadId', 'reason', 'issuedAt', 'expiresAt']);

/** A cancel command, as appended to the control stream and read back. */
export interface CancelCommand {
  /** A random id: a command delivered again is applied once. */
  readonly id: string;
  /** The worker it is for, or {@link EVERY_WORKER}. */
  readonly target: string;
  /**
   * The mirror instance the viewer saw last for that worker (from its heartbeats), when it knew one: another
   * instance (the worker restarted since) ignores the command, since its task ids mean other tasks.
   */
  readonly instance?: string;
  /** One task, by its id on that worker; otherwise the tasks matching `name`, `runId` and `threadId`. */
  readonly taskId?: number;
  readonly name?: string;
  readonly runId?: string;
  readonly threadId?: string;
  /** The cancel reason the tasks get. */
  readonly reason?: string;
  /** When the viewer sent it and until when it applies, in milliseconds since the epoch (the viewer's clock). */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The fields of the `XADD` that appends `command`. */
export function encodeCancelCommand(command: CancelCommand): string[] {
  const { target, ...rest } = command;
  return ['v', '1', 'kind', 'cancel', 'target', target, 'json', JSON.stringify(rest)];
}

/** Reads a command back; anything else (or damaged) is a problem, never an exception. */
export function decodeControlEntry(raw: RawStreamEntry): Decoded<CancelCommand> {
  const fields = raw.fields as ReadonlyMap<string, unknown>;
  if (fields.get('v') !== '1') return { problem: `control entry ${raw.id} has a layout version other than 1: ${describeValue(fields.get('v'))}` };
  const kind = fields.get('kind');
  const target = fields.get('target');
  const json = fields.get('json');
  if (kind !== 'cancel') return { problem: `control entry ${raw.id} has an unknown 'kind': ${describeValue(kind)}` };
  if (typeof target !== 'string' || target === '' || target.length > MAX_WORKER_ID_LENGTH) {
    return { problem: `control entry ${raw.id} has no valid 'target'` };
  }
  let parsed: unknown;
  try {
    parsed = typeof json === 'string' ? JSON.parse(json) : undefined;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `control entry ${raw.id} has no JSON object in 'json'` };
  }
  const unknown = Object.keys(parsed).filter((key) => !COMMAND_KEYS.has(key));
  if (unknown.length > 0) return { problem: `control entry ${raw.id} has fields a command does not have: ${describeValue(unknown.slice(0, 5))}` };
  // own fields only: a field the command lacks is undefined, even under a polluted Object.prototype
  const own = ownFields(parsed);
  const { id, instance, taskId, name, runId, threadId, issuedAt, expiresAt } = own;
  let { reason } = own;
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH || !Number.isFinite(issuedAt) || !Number.isFinite(expiresAt)) {
    return { problem: `control entry ${raw.id} lacks an id (at most ${MAX_ID_LENGTH} characters), issuedAt or expiresAt` };
  }
  if (instance !== undefined && (typeof instance !== 'string' || instance.length > MAX_ID_LENGTH)) {
    return { problem: `control entry ${raw.id} has an instance that is not a short string` };
  }
  if (typeof reason === 'string' && reason.length > MAX_REASON_LENGTH) reason = reason.slice(0, MAX_REASON_LENGTH);
  if (taskId !== undefined && !(Number.isSafeInteger(taskId) && (taskId as number) >= 0)) {
    return { problem: `control entry ${raw.id} has a taskId that is not a task id: ${describeValue(taskId)}` };
  }
  for (const [key, value] of Object.entries({ name, runId, threadId, reason })) {
    if (value !== undefined && typeof value !== 'string') return { problem: `control entry ${raw.id} has a '${key}' that is not a string` };
  }
  if (taskId === undefined && name === undefined && runId === undefined && threadId === undefined && target === EVERY_WORKER) {
    return { problem: `control entry ${raw.id} would cancel every task of every worker: refused` };
  }
  const command: Record<string, unknown> = { id, target, issuedAt, expiresAt };
  for (const [key, value] of Object.entries({ instance, taskId, name, runId, threadId, reason })) if (value !== undefined) command[key] = value;
  return { entry: Object.freeze(command) as unknown as CancelCommand };
}
