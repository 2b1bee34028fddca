/**
 * Parsing of the raw replies of the stream commands this library sends with `sendCommand()`, in RESP2 (arrays of
 * strings, or Buffers under a type mapping) and RESP3 (an `XREADGROUP` reply is a map of stream keys: a plain
 * object, or a `Map` under a type mapping), read defensively because a reply is data from the network. A reply
 * of a shape neither protocol gives is reported as `undefined`, never read as "no entries".
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

/**
 * The entries of an `XREADGROUP` reply: RESP2 `[[key, [[id, [field, value, ...]], ...]]]`, RESP3
 * `{ key: [[id, [field, value, ...]], ...] }` (or a `Map`), or null when nothing came.
 *
 * @returns the entries, or `undefined` for a reply of another shape.
 */
export function parseReadGroupReply(reply: unknown): RawStreamEntry[] | undefined {
  if (reply === null || reply === undefined) return [];
  let perStream: unknown[];
  if (Array.isArray(reply)) {
    perStream = reply.map((stream: unknown) => (Array.isArray(stream) ? stream[1] : undefined));
  } else if (reply instanceof Map) {
    perStream = [...reply.values()];
  } else if (typeof reply === 'object' && !Buffer.isBuffer(reply)) {
    perStream = Object.values(reply);
  } else {
    return undefined;
  }
  const entries: RawStreamEntry[] = [];
  for (const list of perStream) {
    if (!Array.isArray(list)) continue; // a malformed stream of a known shape: the others are read
    for (const raw of list) {
      const entry = parseEntry(raw);
      if (entry !== undefined) entries.push(entry);
    }
  }
  return entries;
}

/**
 * An `XAUTOCLAIM` reply (`[cursor, [[id, fields] | null, ...], [deleted ids]]`, the same in RESP2 and RESP3).
 *
 * @returns the reply, or `undefined` for a reply of another shape.
 */
export function parseAutoClaimReply(reply: unknown): AutoClaimReply | undefined {
  if (!Array.isArray(reply)) return undefined;
  const entries: RawStreamEntry[] = [];
  if (Array.isArray(reply[1])) {
    for (const raw of reply[1]) {
      const entry = parseEntry(raw);
      if (entry !== undefined) entries.push(entry);
    }
  }
  return { nextCursor: reply[0] === undefined || reply[0] === null ? '0-0' : textOf(reply[0]), entries };
}

/**
 * The records of an `XINFO GROUPS` or `XINFO CONSUMERS` reply: RESP2 gives a list of flat `[name, value, ...]`
 * lists, RESP3 a list of maps (plain objects, or `Map`s under a type mapping).
 *
 * @returns one map of field name to value per record, or `undefined` for a reply of another shape.
 */
export function parseInfoListReply(reply: unknown): ReadonlyMap<string, unknown>[] | undefined {
  if (!Array.isArray(reply)) return undefined;
  const records: Map<string, unknown>[] = [];
  for (const raw of reply as unknown[]) {
    const record = new Map<string, unknown>();
    if (Array.isArray(raw)) {
      for (let i = 0; i + 1 < raw.length; i += 2) record.set(textOf(raw[i]), raw[i + 1]);
    } else if (raw instanceof Map) {
      for (const [key, value] of raw) record.set(textOf(key), value);
    } else if (typeof raw === 'object' && raw !== null && !Buffer.isBuffer(raw)) {
      for (const [key, value] of Object.entries(raw)) record.set(key, value);
    } else {
      return undefined;
    }
    records.push(record);
  }
  return records;
}

/** A reply part as text (a string, a Buffer, a number); `''` for what cannot be turned into text. */
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '';
  }
}

/** One `[id, [field, value, ...]]`; `undefined` for a deleted entry (null) or anything malformed. */
function parseEntry(raw: unknown): RawStreamEntry | undefined {
  if (!Array.isArray(raw) || raw[0] === undefined || raw[0] === null) return undefined;
  const fields = new Map<string, string>();
  const list: unknown = raw[1];
  if (Array.isArray(list)) {
    for (let i = 0; i + 1 < list.length; i += 2) fields.set(textOf(list[i]), textOf(list[i + 1]));
  }
  return { id: textOf(raw[0]), fields };
}

/** Whether a Redis error says the consumer group (or its stream) does not exist, as after a restart without persistence. */
export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

/** Whether a Redis error says the consumer group already exists. */
export function isBusyGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('BUSYGROUP');
}
