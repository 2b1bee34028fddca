/**
 * The last `capacity` items pushed, oldest first; pushing into a full buffer evicts the oldest item.
 * It never grows past its capacity, which may be 0 (nothing is kept).
 */
export class RingBuffer<T> {
  readonly #capacity: number;
  /** Grows up to the capacity (nothing is allocated ahead), then wraps around. */
  #items: T[] = [];
  /** The index of the oldest item once the buffer has wrapped. */
  #start = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** How many items it holds. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds `item` as the newest, evicting the oldest when full. */
  push(item: T): void {
    if (this.#capacity === 0) return;
    if (this.#items.length < this.#capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.#capacity;
  }

  /** The item at `index` (0 is the oldest), or `undefined` out of range. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#items.length) return undefined;
    return this.#items[(this.#start + index) % this.#items.length];
  }

  /** Forgets every item. */
  clear(): void {
    this.#items = [];
    this.#start = 0;
  }
}
