/**
 * The event log's filtered rows, kept up to date incrementally: a batch of new events costs the
 * filter a call per new event, not a rescan of the whole log (20,000 rows, 20 batches a second
 * under churn). A new filter, or a log that changed other than by appending and evicting its
 * oldest rows (a backfill prepended older ones, a new server run cleared it), rebuilds once.
 */
/** The part of the log ring this needs (oldest first). */
export interface LogSource<T extends { ev: { seq: number } }> {
  readonly size: number;
  /** Items ever pushed or prepended. */
  readonly total: number;
  at(i: number): T | undefined;
}

export class LogRows<T extends { ev: { seq: number } }> {
  /** Matching rows are `buf[head..]`; the evicted ones before `head` are dropped in bulk now and then. */
  #buf: T[] = [];
  #head = 0;
  #matches: ((ev: T['ev']) => boolean) | null = null;
  #total = -1;
  /** Seq of the log's oldest and newest item when last synced. */
  #firstSeq = 0;
  #lastSeq = 0;
  /** Filter calls made (for tests: proportional to new events, not to the log). */
  filterCalls = 0;

  get length(): number {
    return this.#buf.length - this.#head;
  }

  /** The `i`-th matching row, oldest first. */
  at(i: number): T | undefined {
    return i < 0 ? undefined : this.#buf[this.#head + i];
  }

  /** Rows `from` to `to` (exclusive), as `Array.slice`. */
  slice(from: number, to: number): T[] {
    return this.#buf.slice(this.#head + from, this.#head + Math.min(to, this.length));
  }

  /** Brings the rows in line with `log` under `matches`; returns whether they changed. */
  sync(log: LogSource<T>, matches: (ev: T['ev']) => boolean): boolean {
    const first = log.at(0)?.ev.seq ?? 0;
    const added = log.total - this.#total;
    const lastOld = log.at(log.size - 1 - added)?.ev.seq;
    const appendOnly =
      matches === this.#matches &&
      this.#total >= 0 &&
      added >= 0 &&
      added <= log.size &&
      first >= this.#firstSeq &&
      (added === log.size ? this.#lastSeq < first || this.length === 0 : lastOld === this.#lastSeq);
    if (!appendOnly) {
      this.#rebuild(log, matches);
      return true;
    }
    if (added === 0 && first === this.#firstSeq) return false;
    // Oldest rows the ring evicted.
    while (this.#head < this.#buf.length && this.#buf[this.#head]!.ev.seq < first) this.#head += 1;
    if (this.#head > 4096 && this.#head * 2 > this.#buf.length) {
      this.#buf = this.#buf.slice(this.#head);
      this.#head = 0;
    }
    for (let i = log.size - added; i < log.size; i += 1) {
      const item = log.at(i)!;
      this.filterCalls += 1;
      if (matches(item.ev)) this.#buf.push(item);
    }
    this.#note(log);
    return true;
  }

  #rebuild(log: LogSource<T>, matches: (ev: T['ev']) => boolean): void {
    this.#buf = [];
    this.#head = 0;
    for (let i = 0; i < log.size; i += 1) {
      const item = log.at(i)!;
      this.filterCalls += 1;
      if (matches(item.ev)) this.#buf.push(item);
    }
    this.#matches = matches;
    this.#note(log);
  }

  #note(log: LogSource<T>): void {
    this.#total = log.total;
    this.#firstSeq = log.at(0)?.ev.seq ?? 0;
    this.#lastSeq = log.at(log.size - 1)?.ev.seq ?? 0;
  }
}
