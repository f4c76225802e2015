/**
 * The latest events of one node as the fleet dashboard received them (contiguous seqs of one
 * run), serialized once: what `resume` and `history` on `/ws?node=` are answered from, with the
 * bridge's own answer builders (server/bridge/replay.ts). Unlike the bridge's EventLog it does not
 * number: seqs are the node's, and it can start over after a gap (`reset`).
 */
import type { EncodedEvents } from '../bridge/event-log.ts';
import type { ReplayableLog } from '../bridge/replay.ts';

export class SeqRing implements ReplayableLog {
  readonly capacity: number;
  readonly #json: string[];
  readonly #bytes: number[];
  /** The seq before the first one held since the last reset. */
  #base = 0;
  #lastSeq = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#json = new Array<string>(capacity);
    this.#bytes = new Array<number>(capacity);
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The oldest seq held (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return Math.max(this.#base + 1, this.#lastSeq - this.capacity + 1);
  }

  /** Forgets everything: the next event added is `seq + 1`. */
  reset(seq: number): void {
    this.#base = seq;
    this.#lastSeq = seq;
  }

  /** Adds the next event (`seq` must be lastSeq + 1; anything else starts over at it). */
  add(seq: number, json: string): void {
    if (seq !== this.#lastSeq + 1) this.reset(seq - 1);
    this.#json[seq % this.capacity] = json;
    this.#bytes[seq % this.capacity] = Buffer.byteLength(json);
    this.#lastSeq = seq;
  }

  sinceEncoded(fromSeq: number, toSeq = this.#lastSeq): EncodedEvents | undefined {
    if (toSeq > this.#lastSeq || fromSeq > toSeq || fromSeq < this.firstSeq - 1) return undefined;
    return this.#encoded(fromSeq + 1, toSeq);
  }

  beforeEncoded(beforeSeq: number, limit: number): EncodedEvents {
    const last = Math.min(beforeSeq - 1, this.#lastSeq);
    return this.#encoded(Math.max(this.firstSeq, last - limit + 1), last);
  }

  #encoded(first: number, last: number): EncodedEvents {
    const json: string[] = [];
    let bytes = 0;
    for (let seq = first; seq <= last; seq += 1) {
      json.push(this.#json[seq % this.capacity] as string);
      bytes += this.#bytes[seq % this.capacity] as number;
    }
    return { json, bytes };
  }
}
