import { describeValue } from '../../util/describe-value';
import type { RawStreamEntry } from './redis-stream-replies';
import type { Decoded } from './stream-read-loop';
import { MAX_WORKER_ID_LENGTH } from './stream-entry-codec';

/** The control stream of an event stream: where viewers append commands and mirrors read them. */
export function controlStreamOf(stream: string): string {
  return `${stream}:control`;
}

/** The consumer group through which the mirror of `workerId` reads the control stream (one per worker). */
export function controlGroupOf(workerId: string): string {
  return `agentflow:worker:${workerId}`;
}

/** The `target` of a command for every worker. */
export const EVERY_WORKER = '*';

/** The longest `reason` a command carries, in characters. */
export const MAX_REASON_LENGTH = 1_000;

/** A cancel command, as appended to the control stream and read back. */
export interface CancelCommand {
  /** A random id: a command delivered again is applied once. */
  readonly id: string;
  /** The worker it is for, or {@link EVERY_WORKER}. */
  readonly target: string;
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
  const { id, taskId, name, runId, threadId, reason, issuedAt, expiresAt } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || id === '' || !Number.isFinite(issuedAt) || !Number.isFinite(expiresAt)) {
    return { problem: `control entry ${raw.id} lacks an id, issuedAt or expiresAt` };
  }
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
  for (const [key, value] of Object.entries({ taskId, name, runId, threadId, reason })) if (value !== undefined) command[key] = value;
  return { entry: Object.freeze(command) as unknown as CancelCommand };
}
