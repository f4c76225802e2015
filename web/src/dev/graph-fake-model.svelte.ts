/**
 * Dev-only fake ConnModel for the graph harness: random connections that dial, establish, fail,
 * retry and end, batched like the real store (one `version` bump per batch). Not used by the app.
 */
import { prng } from './prng.ts';
import { countLive, type LiveCounts } from '../lib/model/counts.ts';
import type { ConnModel, ConnState, ConnType, ConnView, SlotLimits } from '../lib/model/types.ts';

/** Population the fake keeps around. */
export interface FakeShape {
  outbound: number;
  inbound: number;
  persistent: number;
  manual: number;
  limits: SlotLimits;
}

/** Presets by total size. */
export function shapeFor(total: number): FakeShape {
  if (total <= 60) {
    return { outbound: 8, inbound: 20, persistent: 4, manual: 1, limits: { targetOutbound: 8, maxInbound: 117, maxPersistent: 8 } };
  }
  const inbound = Math.round(total * 0.93);
  const outbound = Math.round(total * 0.05);
  const persistent = Math.min(24, Math.round(total * 0.015));
  return {
    outbound,
    inbound,
    persistent,
    manual: Math.max(0, total - inbound - outbound - persistent),
    limits: { targetOutbound: outbound, maxInbound: Math.round(inbound * 1.05), maxPersistent: 32 },
  };
}

/** The fake model: call `step()` on a timer to apply due changes as one batch. */
export class GraphFakeModel implements ConnModel {
  version = $state(0);
  limits: SlotLimits;
  lastSeq = 0;
  readonly conns = new Map<number, ConnView>();
  private nextId = 1;
  private readonly rnd: () => number;
  /** Scheduled changes: connection id → when (server ms). */
  private readonly due = new Map<number, number>();

  constructor(shape: FakeShape, seed = 7) {
    this.limits = shape.limits;
    this.rnd = prng(seed);
    const now = this.now();
    for (let i = 0; i < shape.outbound; i++) this.add('outbound', false, now, this.rnd() < 0.7 ? 'established' : 'pending');
    for (let i = 0; i < shape.persistent; i++) {
      const r = this.rnd();
      this.add('manual', true, now, r < 0.45 ? 'established' : r < 0.8 ? 'failing' : 'pending');
    }
    for (let i = 0; i < shape.manual; i++) this.add('manual', false, now, 'established');
    for (let i = 0; i < shape.inbound; i++) this.add('inbound', false, now, 'established');
    this.version++;
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

  private addr(type: ConnType, id: number): string {
    if (type === 'inbound') return `127.0.0.1:${40000 + ((id * 7919) % 20000)}`;
    return `127.0.0.1:${9000 + id}`;
  }

  private add(type: ConnType, persistent: boolean, now: number, state: ConnState): ConnView {
    const id = this.nextId++;
    const c: ConnView = {
      id,
      type,
      persistent,
      addr: this.addr(type, id),
      localAddr: null,
      state,
      attempt: state === 'failing' ? 1 + Math.floor(this.rnd() * 4) : 0,
      createdAt: now,
      bytesIn: 0,
      bytesOut: 0,
      lastActivityAt: now,
      history: [],
    };
    if (state === 'established') c.establishedAt = now;
    if (state === 'failing') {
      c.retryAt = now + 2000 + Math.floor(this.rnd() * 12000);
      c.reason = 'dial-refused';
    }
    this.conns.set(id, c);
    this.schedule(c, now);
    return c;
  }

  private schedule(c: ConnView, now: number): void {
    let at: number;
    switch (c.state) {
      case 'pending':
        at = now + 800 + this.rnd() * 4000;
        break;
      case 'failing':
        at = c.retryAt ?? now + 3000;
        break;
      case 'established':
        at = now + 3000 + this.rnd() * (c.type === 'inbound' ? 60000 : 20000);
        break;
      default:
        at = now + 8000; // ended: forgotten after a while (the real store keeps them for the timeline)
    }
    this.due.set(c.id, at);
  }

  private set(c: ConnView, to: ConnState, now: number, reason: string): void {
    c.state = to;
    c.reason = reason;
    c.retryAt = undefined;
    if (to === 'established') c.establishedAt = now;
    if (to === 'disconnected' || to === 'canceled') c.endedAt = now;
    if (to === 'failing') {
      c.attempt++;
      c.retryAt = now + Math.min(30000, 3000 * c.attempt);
    }
    this.schedule(c, now);
  }

  /** Applies every change that is due, as one batch. Returns how many changed. */
  step(): number {
    const now = this.now();
    let changed = 0;
    for (const [id, at] of this.due) {
      if (at > now) continue;
      const c = this.conns.get(id);
      if (!c) {
        this.due.delete(id);
        continue;
      }
      changed++;
      const r = this.rnd();
      switch (c.state) {
        case 'pending':
          if (r < 0.75) this.set(c, 'established', now, 'dial-ok');
          else if (c.persistent) this.set(c, 'failing', now, r < 0.9 ? 'dial-refused' : 'dial-timeout');
          else {
            this.set(c, 'canceled', now, 'dial-refused');
            this.add(c.type, false, now, 'pending');
          }
          break;
        case 'failing':
          this.set(c, 'pending', now, 'retry');
          break;
        case 'established':
          if (c.persistent) this.set(c, r < 0.5 ? 'pending' : 'failing', now, 'remote-closed');
          else {
            this.set(c, 'disconnected', now, r < 0.5 ? 'remote-closed' : 'remote-reset');
            this.add(c.type, false, now, c.type === 'inbound' ? 'established' : 'pending');
          }
          break;
        default:
          this.conns.delete(id);
          this.due.delete(id);
      }
    }
    if (changed > 0) {
      this.lastSeq += changed;
      this.version++;
    }
    return changed;
  }
}
