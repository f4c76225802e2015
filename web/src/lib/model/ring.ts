/**
 * A bounded FIFO: pushing past `capacity` drops the oldest item. Indexed oldest-first, so a
 * virtualized list can read any row in O(1) without copying 20,000 entries per frame.
 */
export class Ring<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0; // index of the oldest item
  #size = 0;
  /** Items ever pushed (including evicted ones). */
  #total = 0;

  /** @throws TypeError unless `capacity` is an integer >= 1. */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new TypeError(`ring capacity must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Items ever pushed, evicted ones included. */
  get total(): number {
    return this.#total;
  }

  /** Appends `item`; returns the evicted oldest item when the ring was full. */
  push(item: T): T | undefined {
    this.#total += 1;
    if (this.#size < this.capacity) {
      this.#items[(this.#head + this.#size) % this.capacity] = item;
      this.#size += 1;
      return undefined;
    }
    const evicted = this.#items[this.#head];
    this.#items[this.#head] = item;
    this.#head = (this.#head + 1) % this.capacity;
    return evicted;
  }

  /** The `i`-th oldest item (0 = oldest), or undefined out of range. */
  /**
   * Adds items older than everything held (oldest first), as far as there is room: the ring
   * never evicts newer items to make room for older ones. Returns how many were added.
   */
  prepend(items: readonly T[]): number {
    const room = this.capacity - this.#size;
    if (room <= 0 || items.length === 0) return 0;
    const taken = items.slice(Math.max(0, items.length - room));
    const held = this.toArray();
    this.#items = new Array<T | undefined>(this.capacity);
    this.#head = 0;
    this.#size = 0;
    for (const item of taken) this.#items[this.#size++] = item;
    for (const item of held) this.#items[this.#size++] = item;
    this.#total += taken.length;
    return taken.length;
  }

  at(i: number): T | undefined {
    if (i < 0 || i >= this.#size || !Number.isInteger(i)) return undefined;
    return this.#items[(this.#head + i) % this.capacity];
  }

  /** The newest item. */
  last(): T | undefined {
    return this.at(this.#size - 1);
  }

  /** A copy holding the same items (not copies of them: a ring's items are never changed in place). */
  clone(): Ring<T> {
    const r = new Ring<T>(this.capacity);
    r.#items = this.#items.slice();
    r.#head = this.#head;
    r.#size = this.#size;
    r.#total = this.#total;
    return r;
  }

  clear(): void {
    this.#items = new Array<T | undefined>(this.capacity);
    this.#head = 0;
    this.#size = 0;
  }

  /** Oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i += 1) yield this.#items[(this.#head + i) % this.capacity] as T;
  }

  toArray(): T[] {
    return [...this];
  }
}
