/**
 * The manager's counters and the read-only views built from them (README "Events and counters"):
 * `stats()` gathers each part's own numbers — the registry's current counts, the running totals
 * kept here, the inbound gate's, the outbound filler's, the ban keeper's — so each number has one
 * owner; `snapshot()` is every public view at one instant, the bridge's first message.
 */
import type { BanKeeper } from './bans.ts';
import type { InboundGate } from './inbound-gate.ts';
import type { ResolvedOptions } from './options.ts';
import type { OutboundFiller } from './outbound-filler.ts';
import type { Registry } from './registry.ts';
import type { BanInfo, ConnInfo, ConnManagerConfig, ConnSnapshot, ConnStats, HostScore, ListenerInfo, ManagerState } from './types.ts';

/** Running totals since construction; never decrease. */
export interface Totals {
  dials: number;
  established: number;
  failedDials: number;
  retries: number;
  idleKicks: number;
}

export function newTotals(): Totals {
  return { dials: 0, established: 0, failedDials: 0, retries: 0, idleKicks: 0 };
}

/** Where `stats()` reads from; the options object is read live (`configure` changes `maxInbound`). */
export interface StatsSources {
  readonly registry: Registry;
  readonly totals: Totals;
  readonly opts: Pick<ResolvedOptions, 'maxInbound' | 'maxPersistent'>;
  readonly inbound: InboundGate;
  readonly outbound: OutboundFiller;
  readonly bans: BanKeeper;
}

export function buildStats(s: StatsSources, targetOutbound: number): ConnStats {
  return {
    ...s.registry.stats(), // currByType, currByState, currConnections, persistentEntries, disconnects
    targetOutbound,
    maxInbound: s.opts.maxInbound,
    maxPersistent: s.opts.maxPersistent,
    totalDials: s.totals.dials,
    totalEstablished: s.totals.established,
    totalFailedDials: s.totals.failedDials,
    retries: s.totals.retries,
    idleKicks: s.totals.idleKicks,
    ...s.inbound.stats(), // totalAccepted, rejected, acceptingConns, listenDisabledNum, timeInListenDisabledMs
    ...s.outbound.stats(), // consecutiveFailedAttempts, throttledAttempts
    ...s.bans.stats(), // bannedHosts, totalBans
  };
}

/** The public views a snapshot is made of: the manager's own public methods. */
export interface SnapshotSource {
  readonly state: ManagerState;
  now(): number;
  config(): ConnManagerConfig;
  list(): ConnInfo[];
  listeners(): ListenerInfo[];
  stats(): ConnStats;
  bans(): BanInfo[];
  scores(): HostScore[];
}

/** Every view at one instant (nothing runs in between: one synchronous call). */
export function buildSnapshot(cm: SnapshotSource): ConnSnapshot {
  return {
    state: cm.state,
    at: cm.now(),
    config: cm.config(),
    conns: cm.list(),
    listeners: cm.listeners(),
    stats: cm.stats(),
    bans: cm.bans(),
    scores: cm.scores(),
  };
}
