/**
 * The manager's registry (rule 3, and the counters of README "Events and counters"): every live
 * connection record by id and by exact address, and the counts a transition changes — by type, by
 * state, persistent entries, closes by reason. The manager's `#transition` is its only writer
 * (`record`), so the counts always equal what the maps hold; a record leaves both maps at its
 * final transition.
 */
import type { ConnRecord } from './conn-record.ts';
import { ConnMgrError, duplicateError } from './errors.ts';
import { isFinal, type ConnState, type LiveConnState } from './states.ts';
import type { ConnReason, ConnStats, ConnType } from './types.ts';

export class Registry {
  readonly #byId = new Map<number, ConnRecord>();
  /** Live records by exact address: one connection per `host:port` (rule 3). */
  readonly #byAddr = new Map<string, ConnRecord>();
  readonly #byType: Record<ConnType, number> = { inbound: 0, outbound: 0, manual: 0 };
  readonly #byState: Record<LiveConnState, number> = { pending: 0, established: 0, failing: 0 };
  #persistent = 0;
  readonly #disconnects: Partial<Record<ConnReason, number>> = {};

  /** A new record, before its first transition: it holds its address from now on. */
  add(rec: ConnRecord): void {
    this.#byId.set(rec.id, rec);
    this.#byAddr.set(rec.addr, rec);
  }

  get(id: number): ConnRecord | undefined {
    return this.#byId.get(id);
  }

  /** The record `id` names, for a public method given it. @throws ConnMgrError `ERR_NOT_FOUND`. */
  mustGet(id: number): ConnRecord {
    const rec = typeof id === 'number' ? this.#byId.get(id) : undefined;
    if (!rec) throw new ConnMgrError('ERR_NOT_FOUND', `no connection with id ${JSON.stringify(id)}`);
    return rec;
  }

  /** Rule 3, one request per address. @throws ConnMgrError the duplicate code naming who holds `addr`. */
  assertFree(addr: string): void {
    const existing = this.#byAddr.get(addr);
    if (existing) throw duplicateError(addr, existing);
  }

  /** The live record holding `addr`, if any. */
  atAddr(addr: string): ConnRecord | undefined {
    return this.#byAddr.get(addr);
  }

  values(): IterableIterator<ConnRecord> {
    return this.#byId.values();
  }

  get size(): number {
    return this.#byId.size;
  }

  countOf(type: ConnType): number {
    return this.#byType[type];
  }

  get persistentEntries(): number {
    return this.#persistent;
  }

  /** Counts `rec`'s move from `from` to `to` (its state already set); a final one forgets it. */
  record(rec: ConnRecord, from: ConnState | null, to: ConnState, reason: ConnReason): void {
    if (from === null) {
      this.#byType[rec.type] += 1;
      if (rec.persistent) this.#persistent += 1;
    } else {
      this.#byState[from as LiveConnState] -= 1;
    }
    if (from === 'established') this.#disconnects[reason] = (this.#disconnects[reason] ?? 0) + 1;
    if (isFinal(to)) {
      this.#byId.delete(rec.id);
      if (this.#byAddr.get(rec.addr) === rec) this.#byAddr.delete(rec.addr);
      this.#byType[rec.type] -= 1;
      if (rec.persistent) this.#persistent -= 1;
    } else {
      this.#byState[to as LiveConnState] += 1;
    }
  }

  stats(): Pick<ConnStats, 'currByType' | 'currByState' | 'currConnections' | 'persistentEntries' | 'disconnects'> {
    return {
      currByType: { ...this.#byType },
      currByState: { ...this.#byState },
      currConnections: this.#byState.established,
      persistentEntries: this.#persistent,
      disconnects: { ...this.#disconnects },
    };
  }
}
