/**
 * The node's outbox (docs/fleet.md, "The node"): numbered events (and keyframes) wait here until
 * JetStream has acknowledged them, in seq order, many in flight at once. It knows nothing of NATS:
 * `send` is injected, so every rule — bounded buffer, exact drop accounting, retry from the first
 * unacknowledged item — is tested without a server.
 *
 * Rules:
 * - at most `maxEvents` events wait; an event that finds the buffer full is dropped and its seq
 *   recorded (merged ranges): the node never blocks and never grows without bound;
 * - up to `window` sends are in flight; an ack retires its item, and items leave the buffer from
 *   the front once acknowledged, so `publishedSeq` only moves past a seq that is in the stream
 *   (or dropped);
 * - a failed send pauses the queue; once every send in flight has settled it starts again from
 *   the first unacknowledged item after `retryMs`. Items that had landed are sent again with the
 *   same msg id and JetStream stores them once.
 */
import { addToRanges, type SeqRange } from '../protocol/index.ts';

/** One message to publish. */
export interface OutItem {
  readonly subject: string;
  readonly msgId: string;
  readonly data: string;
  /** The event's seq; undefined for a keyframe. */
  readonly seq: number | undefined;
}

interface Slot {
  readonly item: OutItem;
  state: 'waiting' | 'in-flight' | 'acked';
}

/** Ranges of dropped seqs kept (oldest merged away first); the count stays exact. */
export const MAX_DROPPED_RANGES = 100;

export interface PublishQueueOptions {
  /** Events that may wait unacknowledged (keyframes are not counted). */
  readonly maxEvents: number;
  /** Sends in flight at once. */
  readonly window: number;
  /** Pause after a failed send before trying again. */
  readonly retryMs: number;
  /** Publishes one item; resolves on the ack, rejects on any failure. */
  readonly send: (item: OutItem) => Promise<void>;
  /** Whether sending is worth trying now (connected). */
  readonly canSend: () => boolean;
}

export class PublishQueue {
  readonly #o: PublishQueueOptions;
  /** Unacknowledged items in order (acked ones linger until everything before them is acked). */
  readonly #slots: Slot[] = [];
  #events = 0;
  #inFlight = 0;
  #failed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #publishedSeq = 0;
  #droppedEvents = 0;
  readonly #dropped: SeqRange[] = [];
  #published = 0;
  #failures = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(o: PublishQueueOptions) {
    this.#o = o;
  }

  /** Every event up to this seq has been acknowledged or dropped. */
  get publishedSeq(): number {
    return this.#publishedSeq;
  }

  /** Events waiting or in flight. */
  get bufferedEvents(): number {
    return this.#events;
  }

  get droppedEvents(): number {
    return this.#droppedEvents;
  }

  /** Exactly which seqs were dropped (merged ranges, oldest first). */
  get dropped(): readonly SeqRange[] {
    return this.#dropped;
  }

  /** Whether the buffer is full (a keyframe is not worth taking then: its events will not follow). */
  get full(): boolean {
    return this.#events >= this.#o.maxEvents;
  }

  /** Items acknowledged, and sends that failed. */
  counters(): { published: number; failures: number; inFlight: number } {
    return { published: this.#published, failures: this.#failures, inFlight: this.#inFlight };
  }

  /** Queues an item; an event that finds the buffer full is dropped (counted, its seq kept). Returns whether it was queued. */
  push(item: OutItem): boolean {
    if (this.#closed) return false;
    if (item.seq !== undefined) {
      if (this.#events >= this.#o.maxEvents) {
        this.#drop(item.seq);
        return false;
      }
      this.#events += 1;
    }
    this.#slots.push({ item, state: 'waiting' });
    this.pump();
    return true;
  }

  /** Sends what the window allows (call it when the connection is back too). */
  pump(): void {
    if (this.#closed || this.#failed || !this.#o.canSend()) return;
    for (const slot of this.#slots) {
      if (this.#inFlight >= this.#o.window) break;
      if (slot.state !== 'waiting') continue;
      slot.state = 'in-flight';
      this.#inFlight += 1;
      this.#o.send(slot.item).then(
        () => this.#settled(slot, true),
        () => this.#settled(slot, false),
      );
    }
  }

  /** Resolves once nothing waits or is in flight (or the queue closed). */
  idle(): Promise<void> {
    if (this.#slots.length === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops sending; what is left is not published. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #settled(slot: Slot, ok: boolean): void {
    this.#inFlight -= 1;
    if (ok) {
      if (slot.state !== 'acked') this.#published += 1;
      slot.state = 'acked';
      this.#retire();
    } else {
      this.#failures += 1;
      // Sent again after the pause (same msg id: a copy that did land is stored once).
      if (slot.state === 'in-flight') slot.state = 'waiting';
      this.#failed = true;
    }
    if (this.#failed && this.#inFlight === 0) this.#scheduleRetry();
    else this.pump();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#failed = false;
      this.pump();
    }, this.#o.retryMs);
    this.#retryTimer.unref();
  }

  /** Takes acknowledged items off the front, moving `publishedSeq`. */
  #retire(): void {
    let n = 0;
    for (const slot of this.#slots) {
      if (slot.state !== 'acked') break;
      n += 1;
      const seq = slot.item.seq;
      if (seq !== undefined) {
        this.#events -= 1;
        this.#publishedSeq = Math.max(this.#publishedSeq, seq);
      }
    }
    if (n > 0) this.#slots.splice(0, n);
    if (this.#slots.length === 0) {
      // Dropped events after the last acknowledged one are settled too.
      const lastDropped = this.#dropped.at(-1)?.[1] ?? 0;
      this.#publishedSeq = Math.max(this.#publishedSeq, lastDropped);
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  #drop(seq: number): void {
    this.#droppedEvents += 1;
    addToRanges(this.#dropped, seq);
    // Bounded: past the cap the two oldest ranges become one (the count above stays exact).
    while (this.#dropped.length > MAX_DROPPED_RANGES) {
      const [a, b] = this.#dropped.splice(0, 2) as [SeqRange, SeqRange];
      this.#dropped.unshift([a[0], b[1]]);
    }
    if (this.#slots.length === 0) this.#publishedSeq = Math.max(this.#publishedSeq, seq);
  }
}
