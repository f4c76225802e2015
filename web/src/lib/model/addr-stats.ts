/**
 * Per-address aggregates: every connection id ever seen at one `host:port`, with its failures,
 * drops, last reason and last change. The reducer updates them with each `conn:state` event
 * (live or backfilled) and each snapshot, so they outlive the ended connections the model
 * forgets: an automatic peer that flaps or keeps refusing gets a new id on every dial, and only
 * its address ties those ids together. Pure: no Svelte, no DOM.
 */
import type { ConnInfo, ConnState, ConnType, WireEventOf } from '$protocol';

/** A dial that did not connect (the manager's reasons for it). */
const DIAL_FAILURE_REASONS: ReadonlySet<string> = new Set(['dial-refused', 'dial-timeout', 'dial-error']);
/** An established connection the other side (or the network) ended. */
const DROP_REASONS: ReadonlySet<string> = new Set(['remote-closed', 'remote-reset', 'socket-error']);
const FINAL: ReadonlySet<ConnState> = new Set(['disconnected', 'canceled']);

/**
 * A failure: a dial that failed (one-shot or persistent) or any move to `failing` (a persistent
 * peer's connection that closed and waits for its retry). One transition counts once.
 */
export function isFailure(t: { to: ConnState; reason: string }): boolean {
  return t.to === 'failing' || DIAL_FAILURE_REASONS.has(t.reason);
}

/** A drop: an established connection closed by the peer or the network (what a flapping peer does). */
export function isDrop(t: { from: ConnState | null; reason: string }): boolean {
  return t.from === 'established' && DROP_REASONS.has(t.reason);
}

/** What the page knows about one address. */
export interface AddrStats {
  readonly addr: string;
  /** Ids seen here, oldest first (only the newest `IDS_KEPT` are remembered; `idCount` counts all). */
  readonly ids: Set<number>;
  /** Distinct ids ever seen here. */
  idCount: number;
  /** Ids here that have not ended (one at a time in practice: one connection per `host:port`). */
  readonly live: Set<number>;
  failures: number;
  drops: number;
  /** The id, type and state of the latest change here. */
  lastId: number;
  type: ConnType;
  persistent: boolean;
  lastState: ConnState;
  lastReason: string | null;
  lastCode: string | null;
  /** Server time and seq of the latest change known here. */
  lastAt: number;
  lastSeq: number;
}

export interface AddrBook {
  /** By address, least recently changed first (an update moves the address to the end). */
  readonly byAddr: Map<string, AddrStats>;
  /** Addresses kept; past it the least recently changed one with nothing live is forgotten. */
  readonly cap: number;
}

/** Ids remembered per address (to tell a new id from one seen again, e.g. in a backfill). */
export const IDS_KEPT = 1000;

export function createAddrBook(cap = 5000): AddrBook {
  return { byAddr: new Map(), cap };
}

export function clearAddrBook(book: AddrBook): void {
  book.byAddr.clear();
}

function entry(book: AddrBook, addr: string, seed: Pick<AddrStats, 'lastId' | 'type' | 'persistent' | 'lastState'>): AddrStats {
  let a = book.byAddr.get(addr);
  if (a === undefined) {
    a = {
      addr,
      ids: new Set(),
      idCount: 0,
      live: new Set(),
      failures: 0,
      drops: 0,
      lastReason: null,
      lastCode: null,
      lastAt: 0,
      lastSeq: 0,
      ...seed,
    };
  } else {
    book.byAddr.delete(addr);
  }
  book.byAddr.set(addr, a);
  return a;
}

function addId(a: AddrStats, id: number): void {
  if (a.ids.has(id)) return;
  a.ids.add(id);
  a.idCount += 1;
  if (a.ids.size > IDS_KEPT) a.ids.delete(a.ids.values().next().value as number);
}

function evict(book: AddrBook): void {
  if (book.byAddr.size <= book.cap) return;
  for (const [addr, a] of book.byAddr) {
    if (book.byAddr.size <= book.cap) return;
    // An address with a live connection stays: the table must be able to show it.
    if (a.live.size === 0) book.byAddr.delete(addr);
  }
}

/**
 * Counts one `conn:state` event. Events may come in any order (a backfill brings older ones after
 * newer): counts simply add up, and only an event newer than what is known moves "last".
 */
export function noteTransition(book: AddrBook, ev: WireEventOf<'conn:state'>): void {
  const a = entry(book, ev.addr, { lastId: ev.id, type: ev.type, persistent: ev.persistent, lastState: ev.to });
  addId(a, ev.id);
  if (isFailure(ev)) a.failures += 1;
  if (isDrop(ev)) a.drops += 1;
  if (FINAL.has(ev.to)) a.live.delete(ev.id);
  if (ev.seq > a.lastSeq) {
    if (!FINAL.has(ev.to)) a.live.add(ev.id);
    a.lastSeq = ev.seq;
    a.lastAt = ev.at;
    a.lastId = ev.id;
    a.type = ev.type;
    a.persistent = ev.persistent;
    a.lastState = ev.to;
    a.lastReason = ev.reason;
    a.lastCode = ev.code ?? null;
  }
  evict(book);
}

/**
 * A snapshot (numbered `seq`) lists the live connections: each is an id of its address, and an
 * id live here before that the snapshot no longer lists has ended unseen.
 */
export function noteSnapshot(book: AddrBook, conns: readonly ConnInfo[], seq: number): void {
  const listed = new Set<number>();
  for (const c of conns) {
    listed.add(c.id);
    const a = entry(book, c.addr, { lastId: c.id, type: c.type, persistent: c.persistent, lastState: c.state });
    addId(a, c.id);
    a.live.add(c.id);
    if (seq >= a.lastSeq) {
      a.lastSeq = seq;
      a.lastAt = Math.max(a.lastAt, c.establishedAt ?? c.createdAt);
      a.lastId = c.id;
      a.type = c.type;
      a.persistent = c.persistent;
      a.lastState = c.state;
      if (c.reason !== undefined) a.lastReason = c.reason;
    }
  }
  for (const a of book.byAddr.values()) {
    for (const id of a.live) if (!listed.has(id)) a.live.delete(id);
  }
  evict(book);
}
