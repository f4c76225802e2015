/**
 * Numbers events gap-free (1, 2, 3, … per server run) and keeps the latest `capacity` of them in a
 * ring buffer, so a client that reconnects can be sent exactly what it missed.
 */
import type { UnnumberedEvent, WireEvent } from '../protocol/index.ts';

export class EventLog {
  readonly capacity: number;
  readonly #ring: (WireEvent | undefined)[];
  #lastSeq = 0;

  /** @throws TypeError unless `capacity` is an integer >= 1. */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new TypeError(`ring size must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Array<WireEvent | undefined>(capacity);
  }

  /** The number of the latest event (0 before the first). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The oldest seq still held (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return Math.max(1, this.#lastSeq - this.capacity + 1);
  }

  /** Numbers `event` and stores it, evicting the oldest when full. */
  append(event: UnnumberedEvent): WireEvent {
    const seq = this.#lastSeq + 1;
    // `seq` first so that it leads the JSON, where people read it.
    const numbered = { seq, ...event } as WireEvent;
    this.#ring[seq % this.capacity] = numbered;
    this.#lastSeq = seq;
    return numbered;
  }

  /**
   * Events with `fromSeq < seq <= toSeq` (default: up to the latest), oldest first; `undefined` if
   * some of them have already been evicted, or `fromSeq` is in the future (another server run).
   */
  since(fromSeq: number, toSeq = this.#lastSeq): WireEvent[] | undefined {
    if (toSeq > this.#lastSeq || fromSeq > toSeq) return undefined;
    if (fromSeq < this.firstSeq - 1) return undefined;
    const out: WireEvent[] = [];
    for (let seq = fromSeq + 1; seq <= toSeq; seq += 1) out.push(this.#ring[seq % this.capacity] as WireEvent);
    return out;
  }

  /** The newest `limit` events numbered before `beforeSeq` that are still kept, oldest first. */
  before(beforeSeq: number, limit: number): WireEvent[] {
    const last = Math.min(beforeSeq - 1, this.#lastSeq);
    const first = Math.max(this.firstSeq, last - limit + 1);
    const out: WireEvent[] = [];
    for (let seq = first; seq <= last && this.#lastSeq > 0; seq += 1) out.push(this.#ring[seq % this.capacity] as WireEvent);
    return out;
  }
}
