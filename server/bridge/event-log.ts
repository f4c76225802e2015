/**
 * Numbers events gap-free (1, 2, 3, … per server run) and keeps the latest `capacity` of them in a
 * ring buffer, so a client that reconnects can be sent exactly what it missed. Each event is kept
 * serialized only (serialized once, when appended; the wire object is not retained, and for the
 * manager's events not even built): batches, `history` and `resume` are joined from these texts,
 * and their size in bytes is known before anything is built (the replay budget needs it; counted
 * on first use).
 */
import type { UnnumberedEvent, WireEvent } from '../protocol/index.ts';

/** Serialized events, oldest first, with their total UTF-8 size (no separators). */
export interface EncodedEvents {
  readonly json: string[];
  readonly bytes: number;
}

export class EventLog {
  readonly capacity: number;
  readonly #json: string[];
  /** UTF-8 sizes, counted when a replay first needs them (-1: not yet). */
  readonly #bytes: number[];
  #lastSeq = 0;

  /** @throws TypeError unless `capacity` is an integer >= 1. */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new TypeError(`ring size must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#json = new Array<string>(capacity);
    this.#bytes = new Array<number>(capacity).fill(-1);
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
    // `seq` first so that it leads the JSON, where people read it.
    return this.#store({ seq: this.#lastSeq + 1, ...event } as WireEvent);
  }

  /**
   * `append({ kind, ...fields })` without building that object: the same text (`seq`, `kind`,
   * then the fields), serialized from `fields` as the manager emitted them and spliced after
   * `seq` and `kind` — the hub's path for every manager event. `fields` must not hold `seq` or
   * `kind` (no manager event does).
   */
  appendOf<K extends WireEvent['kind']>(kind: K, fields: Omit<Extract<UnnumberedEvent, { kind: K }>, 'kind'>): void {
    const seq = this.#lastSeq + 1;
    const rest = JSON.stringify(fields);
    // `rest` is `{…}`: its fields follow ours after a comma, or nothing does if it is `{}`.
    const head = `{"seq":${seq},"kind":${JSON.stringify(kind)}`;
    this.#put(seq, rest.length > 2 ? `${head},${rest.slice(1)}` : `${head}}`);
  }

  #store(numbered: WireEvent): WireEvent {
    this.#put(numbered.seq, JSON.stringify(numbered));
    return numbered;
  }

  #put(seq: number, json: string): void {
    this.#json[seq % this.capacity] = json;
    this.#bytes[seq % this.capacity] = -1;
    this.#lastSeq = seq;
  }

  /** The JSON text of the latest event (the one `append` just numbered). */
  get lastJson(): string | undefined {
    return this.#lastSeq === 0 ? undefined : this.#json[this.#lastSeq % this.capacity];
  }

  /**
   * Events with `fromSeq < seq <= toSeq` (default: up to the latest), oldest first; `undefined` if
   * some of them have already been evicted, or `fromSeq` is in the future (another server run).
   */
  since(fromSeq: number, toSeq = this.#lastSeq): WireEvent[] | undefined {
    if (!this.#holds(fromSeq, toSeq)) return undefined;
    const out: WireEvent[] = [];
    for (let seq = fromSeq + 1; seq <= toSeq; seq += 1) out.push(this.#event(seq));
    return out;
  }

  /** `since`, serialized. */
  sinceEncoded(fromSeq: number, toSeq = this.#lastSeq): EncodedEvents | undefined {
    return this.#holds(fromSeq, toSeq) ? this.#encoded(fromSeq + 1, toSeq) : undefined;
  }

  #holds(fromSeq: number, toSeq: number): boolean {
    return toSeq <= this.#lastSeq && fromSeq <= toSeq && fromSeq >= this.firstSeq - 1;
  }

  /** The newest `limit` events numbered before `beforeSeq` that are still kept, oldest first. */
  before(beforeSeq: number, limit: number): WireEvent[] {
    const [first, last] = this.#beforeRange(beforeSeq, limit);
    const out: WireEvent[] = [];
    for (let seq = first; seq <= last; seq += 1) out.push(this.#event(seq));
    return out;
  }

  /** `before`, serialized. */
  beforeEncoded(beforeSeq: number, limit: number): EncodedEvents {
    return this.#encoded(...this.#beforeRange(beforeSeq, limit));
  }

  #beforeRange(beforeSeq: number, limit: number): [first: number, last: number] {
    const last = this.#lastSeq === 0 ? 0 : Math.min(beforeSeq - 1, this.#lastSeq);
    return [Math.max(this.firstSeq, last - limit + 1), last];
  }

  /** A kept event, as an object again (only `since`/`before` need one; the hub sends the texts). */
  #event(seq: number): WireEvent {
    return JSON.parse(this.#json[seq % this.capacity] as string) as WireEvent;
  }

  #encoded(first: number, last: number): EncodedEvents {
    const json: string[] = [];
    let bytes = 0;
    for (let seq = first; seq <= last; seq += 1) {
      const i = seq % this.capacity;
      const text = this.#json[i] as string;
      json.push(text);
      let size = this.#bytes[i] as number;
      if (size < 0) {
        size = Buffer.byteLength(text);
        this.#bytes[i] = size;
      }
      bytes += size;
    }
    return { json, bytes };
  }
}
