/**
 * Parsing of the raw RESP2 replies of the stream commands this library sends with `sendCommand()`: arrays of
 * strings (or Buffers, under a type mapping), read defensively because a reply is data from the network.
 */

/** One stream entry as Redis returns it: its id and its field/value pairs. */
export interface RawStreamEntry {
  readonly id: string;
  readonly fields: ReadonlyMap<string, string>;
}

/** What one `XAUTOCLAIM` returned. */
export interface AutoClaimReply {
  /** The cursor of the next call; `'0-0'` when the whole pending list was scanned. */
  readonly nextCursor: string;
  /** The entries now owned by the claiming consumer. */
  readonly entries: readonly RawStreamEntry[];
}

/** The entries of an `XREADGROUP` reply for one stream (`[[key, [[id, [field, value, ...]], ...]]]` or null). */
export function parseReadGroupReply(reply: unknown): RawStreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: RawStreamEntry[] = [];
  for (const stream of reply) {
    if (!Array.isArray(stream) || !Array.isArray(stream[1])) continue;
    for (const raw of stream[1]) {
      const entry = parseEntry(raw);
      if (entry !== undefined) entries.push(entry);
    }
  }
  return entries;
}

/** An `XAUTOCLAIM` reply (`[cursor, [[id, fields] | null, ...], [deleted ids]]`). */
export function parseAutoClaimReply(reply: unknown): AutoClaimReply {
  if (!Array.isArray(reply)) return { nextCursor: '0-0', entries: [] };
  const entries: RawStreamEntry[] = [];
  if (Array.isArray(reply[1])) {
    for (const raw of reply[1]) {
      const entry = parseEntry(raw);
      if (entry !== undefined) entries.push(entry);
    }
  }
  return { nextCursor: reply[0] === undefined || reply[0] === null ? '0-0' : String(reply[0]), entries };
}

/** One `[id, [field, value, ...]]`; `undefined` for a deleted entry (null) or anything malformed. */
function parseEntry(raw: unknown): RawStreamEntry | undefined {
  if (!Array.isArray(raw) || raw[0] === undefined || raw[0] === null) return undefined;
  const fields = new Map<string, string>();
  const list: unknown = raw[1];
  if (Array.isArray(list)) {
    for (let i = 0; i + 1 < list.length; i += 2) fields.set(String(list[i]), String(list[i + 1]));
  }
  return { id: String(raw[0]), fields };
}

/** Whether a Redis error says the consumer group (or its stream) does not exist, as after a restart without persistence. */
export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

/** Whether a Redis error says the consumer group already exists. */
export function isBusyGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('BUSYGROUP');
}
