/** One replayable event: its sequence number and its frame, serialised once for every client. */
export interface ReplayEntry {
  readonly seq: number;
  readonly frame: Buffer;
}

/**
 * The last events of a server-sent-events handler, bounded by count and by bytes, oldest first, with no gap:
 * an event too large to keep empties it, so that a client who missed that event is never replayed around it
 * (the buffer then does not reach back far enough, and the client gets a snapshot).
 */
export class ReplayBuffer {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /** A queue: entries from `#head` on are live; the array is compacted when half of it is dead. */
  #entries: ReplayEntry[] = [];
  #head = 0;
  #bytes = 0;

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** How many events it holds. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** The bytes of the frames it holds. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds the newest event, letting the oldest go while either bound is exceeded. */
  push(entry: ReplayEntry): void {
    const length = entry.frame.length;
    if (this.#maxEntries === 0 || length > this.#maxBytes) {
      this.clear();
      return;
    }
    while (this.size >= this.#maxEntries || this.#bytes + length > this.#maxBytes) this.#shift();
    this.#entries.push(entry);
    this.#bytes += length;
  }

  /** The entry at `index` (0 is the oldest), or `undefined` out of range. */
  at(index: number): ReplayEntry | undefined {
    return index >= 0 && index < this.size ? this.#entries[this.#head + index] : undefined;
  }

  /** Forgets every event. */
  clear(): void {
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  #shift(): void {
    const oldest = this.#entries[this.#head];
    if (oldest === undefined) return;
    this.#bytes -= oldest.frame.length;
    this.#entries[this.#head] = undefined as unknown as ReplayEntry;
    this.#head++;
    if (this.#head > 1_024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
