/**
 * Dev-only fake ConnModel: a seeded simulator of realistic lifecycles, for the timeline harness.
 * Not used by the app. Behaviours:
 * - persistent peers cycling pending → established → failing/pending → … (one lane each, forever)
 * - persistent peers that mostly refuse (pending ⇄ failing with growing backoff)
 * - automatic outbound slots: each attempt is a fresh id ending disconnected or canceled
 * - inbound: accepted (established) → disconnected
 * History before "now" is generated at once; afterwards events are released in real time.
 */
import { countLive, type LiveCounts } from '../lib/model/counts.ts';
import type { ConnModel, ConnState, ConnType, ConnView, SlotLimits, Transition } from '../lib/model/types.ts';

import { prng } from './prng.ts';

export { prng };

interface SlotEvent {
  at: number;
  to: ConnState;
  reason: string;
  code?: string;
  attempt?: number;
  retryAt?: number;
  fresh?: { type: ConnType; persistent: boolean; addr: string };
}

type Rng = () => number;
const between = (r: Rng, a: number, b: number): number => a + (b - a) * r();
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const backoff = (attempt: number): number => Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 6));

function* persistentPeer(r: Rng, t: number, addr: string, k: number, successRate: number): Generator<SlotEvent> {
  let attempt = 0;
  yield { at: t, to: 'pending', reason: 'requested', fresh: { type: 'manual', persistent: true, addr } };
  for (;;) {
    t += between(r, 150, 4_000);
    if (r() < successRate) {
      yield { at: t, to: 'established', reason: 'dial-succeeded' };
      attempt = 0;
      t += k * between(r, 8_000, 150_000);
      if (r() < 0.35) {
        yield { at: t, to: 'pending', reason: 'remote-closed' };
        continue;
      }
      attempt++;
      const wait = backoff(attempt);
      yield { at: t, to: 'failing', reason: 'remote-reset', code: 'ECONNRESET', attempt, retryAt: t + wait };
      t += wait;
    } else {
      attempt++;
      const wait = backoff(attempt) * (k > 1 ? k / 2 : 1);
      const [reason, code] = pick(r, [
        ['dial-refused', 'ECONNREFUSED'],
        ['dial-refused', 'ECONNREFUSED'],
        ['dial-timeout', 'ETIMEDOUT'],
      ] as const);
      yield { at: t, to: 'failing', reason, code, attempt, retryAt: t + wait };
      t += wait;
    }
    yield { at: t, to: 'pending', reason: 'retry', attempt };
  }
}

function* automatic(r: Rng, t: number, k: number): Generator<SlotEvent> {
  for (;;) {
    t += between(r, 200, 3_000);
    const addr = `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 254)}:${pick(r, [8333, 9000, 9001, 18333])}`;
    yield { at: t, to: 'pending', reason: 'requested', fresh: { type: 'outbound', persistent: false, addr } };
    t += between(r, 100, 5_000);
    if (r() < 0.65) {
      yield { at: t, to: 'established', reason: 'dial-succeeded' };
      t += k * between(r, 5_000, 240_000);
      const [reason, code] = pick(r, [
        ['remote-closed', undefined],
        ['remote-closed', undefined],
        ['idle-timeout', undefined],
        ['remote-reset', 'ECONNRESET'],
        ['local-disconnect', undefined],
      ] as const);
      yield code ? { at: t, to: 'disconnected', reason, code } : { at: t, to: 'disconnected', reason };
    } else {
      const [reason, code] = pick(r, [
        ['dial-timeout', 'ETIMEDOUT'],
        ['dial-refused', 'ECONNREFUSED'],
        ['dial-error', 'EHOSTUNREACH'],
      ] as const);
      yield { at: t, to: 'canceled', reason, code };
    }
  }
}

function* inbound(r: Rng, t: number, k: number): Generator<SlotEvent> {
  for (;;) {
    t += k * between(r, 2_000, 60_000);
    const addr = `192.168.${Math.floor(r() * 8)}.${2 + Math.floor(r() * 250)}:${49152 + Math.floor(r() * 16000)}`;
    yield { at: t, to: 'established', reason: 'accepted', fresh: { type: 'inbound', persistent: false, addr } };
    t += k * between(r, 3_000, 300_000);
    yield { at: t, to: 'disconnected', reason: pick(r, ['remote-closed', 'idle-timeout', 'remote-closed', 'local-disconnect']) };
  }
}

interface Slot {
  gen: Generator<SlotEvent>;
  next: SlotEvent;
  connId: number;
}

export interface FakeOptions {
  seed: number;
  /** How far back the generated history reaches. */
  historyMs: number;
  persistent: number;
  refusing: number;
  automatic: number;
  inbound: number;
  /** Cap on lanes: the oldest ended connections are evicted beyond it (like the real store). */
  maxConns: number;
  /** Stretches connection lifetimes (fewer transitions per minute). */
  slowdown: number;
  /** Per-connection history cap. */
  historyCap: number;
}

export const NORMAL: FakeOptions = {
  seed: 7,
  historyMs: 30 * 60_000,
  persistent: 4,
  refusing: 2,
  automatic: 8,
  inbound: 5,
  maxConns: 50,
  slowdown: 1,
  historyCap: 500,
};

export const STRESS: FakeOptions = {
  seed: 11,
  historyMs: 6 * 3_600_000,
  persistent: 2_500,
  refusing: 300,
  automatic: 100,
  inbound: 100,
  maxConns: 3_000,
  slowdown: 25,
  historyCap: 500,
};

const FINAL: ReadonlySet<ConnState> = new Set(['disconnected', 'canceled']);

/** A ConnModel driven by the simulator. `version` is reactive; everything else is plain. */
export class FakeModel implements ConnModel {
  version = $state(0);
  readonly conns = new Map<number, ConnView>();
  readonly limits: SlotLimits;
  lastSeq = 0;
  transitions = 0;
  #slots: Slot[] = [];
  #nextId = 1;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #opts: FakeOptions;

  constructor(opts: FakeOptions) {
    this.#opts = opts;
    this.limits = { targetOutbound: opts.automatic, maxInbound: opts.inbound * 2, maxPersistent: opts.persistent + opts.refusing };
    const r = prng(opts.seed);
    const now = this.now();
    const t0 = now - opts.historyMs;
    const spread = (i: number, n: number): number => t0 + (opts.historyMs * 0.1 * i) / Math.max(1, n);
    const gens: Generator<SlotEvent>[] = [];
    for (let i = 0; i < opts.persistent; i++) {
      gens.push(persistentPeer(prng(r() * 2 ** 32), spread(i, opts.persistent), `127.0.0.1:${9001 + i}`, opts.slowdown, 0.8));
    }
    for (let i = 0; i < opts.refusing; i++) {
      gens.push(persistentPeer(prng(r() * 2 ** 32), spread(i, opts.refusing), `127.0.0.1:${7001 + i}`, opts.slowdown, 0.05));
    }
    for (let i = 0; i < opts.automatic; i++) gens.push(automatic(prng(r() * 2 ** 32), spread(i, opts.automatic), opts.slowdown));
    for (let i = 0; i < opts.inbound; i++) gens.push(inbound(prng(r() * 2 ** 32), spread(i, opts.inbound), opts.slowdown));
    this.#slots = gens.map((gen) => ({ gen, next: gen.next().value as SlotEvent, connId: 0 }));
    this.#release(now);
  }

  /** Never stale: the fake is its own server. */
  readonly staleSince = null;
  readonly counts: LiveCounts = $derived.by(() => {
    void this.version;
    return countLive(this.conns.values());
  });

  now(): number {
    return Date.now();
  }

  /** Release events in real time (every `tickMs`). */
  start(tickMs = 100): void {
    this.stop();
    this.#timer = setInterval(() => this.#release(this.now()), tickMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  #release(now: number): void {
    const due: { ev: SlotEvent; slot: Slot }[] = [];
    for (const slot of this.#slots) {
      while (slot.next.at <= now) {
        due.push({ ev: slot.next, slot });
        slot.next = slot.gen.next().value as SlotEvent;
      }
    }
    if (due.length === 0) return;
    due.sort((a, b) => a.ev.at - b.ev.at);
    for (const { ev, slot } of due) this.#apply(ev, slot);
    this.#evict();
    this.version++;
  }

  #apply(ev: SlotEvent, slot: Slot): void {
    let c: ConnView | undefined;
    if (ev.fresh) {
      const id = this.#nextId++;
      c = {
        id,
        type: ev.fresh.type,
        persistent: ev.fresh.persistent,
        addr: ev.fresh.addr,
        localAddr: null,
        state: ev.to,
        attempt: 0,
        createdAt: ev.at,
        bytesIn: 0,
        bytesOut: 0,
        lastActivityAt: ev.at,
        history: [],
      };
      this.conns.set(id, c);
      slot.connId = id;
    } else {
      c = this.conns.get(slot.connId);
    }
    if (!c) return;
    const t: Transition = { seq: ++this.lastSeq, at: ev.at, from: ev.fresh ? null : c.state, to: ev.to, reason: ev.reason };
    if (ev.code) t.code = ev.code;
    if (ev.attempt !== undefined) t.attempt = ev.attempt;
    if (ev.retryAt !== undefined) t.retryAt = ev.retryAt;
    c.history.push(t);
    if (c.history.length > this.#opts.historyCap) c.history.shift();
    this.transitions++;
    c.state = ev.to;
    c.attempt = ev.attempt ?? (ev.to === 'established' ? 0 : c.attempt);
    c.retryAt = ev.retryAt;
    c.reason = ev.reason;
    c.lastActivityAt = ev.at;
    if (ev.to === 'established') c.establishedAt = ev.at;
    if (FINAL.has(ev.to)) c.endedAt = ev.at;
  }

  #evict(): void {
    let excess = this.conns.size - this.#opts.maxConns;
    if (excess <= 0) return;
    for (const [id, c] of this.conns) {
      if (excess <= 0) break;
      if (FINAL.has(c.state)) {
        this.transitions -= c.history.length;
        this.conns.delete(id);
        excess--;
      }
    }
  }
}
