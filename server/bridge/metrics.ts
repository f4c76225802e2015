/**
 * `GET /metrics`: Prometheus text from a registry of our own (never prom-client's global one, so
 * two bridges in one process — as in tests — do not collide). Every number is read at scrape time
 * from its one source of truth (`manager.stats()`, `manager.list()`, the hub's counters), so the
 * page, `/api/snapshot` and `/metrics` never disagree.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ConnManager } from '../connmgr/index.ts';
import { CONN_REASONS, CONN_STATES, CONN_TYPES, REJECT_REASONS, type BridgeStats } from '../protocol/index.ts';

/** Counters only the bridge knows, beyond those in the protocol's `BridgeStats`. */
export interface HubCounters extends BridgeStats {
  /** Times a client fell behind (deltas paused). */
  fellBehind: number;
  /** Clients cut off, by cause. */
  droppedByCause: Record<DropCause, number>;
  /** Resyncs, by cause. */
  resyncsByCause: Record<ResyncCause, number>;
  /** Commands handled, by outcome. */
  commandsOk: number;
  commandsFailed: number;
  commandsRateLimited: number;
  /** WebSocket upgrades refused, by cause. */
  upgradesRefused: Record<UpgradeRefusal, number>;
}
/** `rate-limit`: closed with 1008 for sending more than its rate limit again and again. */
export const DROP_CAUSES = ['hard-limit', 'heartbeat', 'rate-limit'] as const;
export type DropCause = (typeof DROP_CAUSES)[number];
export const RESYNC_CAUSES = ['behind', 'resume'] as const;
export type ResyncCause = (typeof RESYNC_CAUSES)[number];
/** `max-clients`: the bridge already had `maxClients` WebSocket clients (HTTP 503). */
export const UPGRADE_REFUSALS = ['origin', 'host', 'path', 'max-clients'] as const;
export type UpgradeRefusal = (typeof UPGRADE_REFUSALS)[number];

/** Builds the registry; `hub()` returns the bridge's live counters. */
export function createMetrics(manager: ConnManager, hub: () => HubCounters): Registry {
  const registry = new Registry();
  const registers = [registry];
  const p = 'connscope_';

  // A counter mirroring a total kept elsewhere: reset and re-add at each scrape.
  const mirror = (name: string, help: string, read: () => number): void => {
    new Counter({
      name: p + name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  const mirrorBy = <L extends string>(
    name: string,
    help: string,
    label: string,
    keys: readonly L[],
    read: () => Partial<Record<L, number>>,
  ): void => {
    new Counter({
      name: p + name,
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        const values = read();
        for (const key of keys) this.inc({ [label]: key }, values[key] ?? 0);
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name: p + name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };

  new Gauge({
    name: `${p}connections`,
    help: 'Live connections by type and state (pending, established, failing).',
    labelNames: ['type', 'state'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const c of manager.list()) counts.set(`${c.type}/${c.state}`, (counts.get(`${c.type}/${c.state}`) ?? 0) + 1);
      for (const type of CONN_TYPES) {
        for (const state of CONN_STATES) {
          if (state === 'disconnected' || state === 'canceled') continue; // final: never live
          this.set({ type, state }, counts.get(`${type}/${state}`) ?? 0);
        }
      }
    },
  });
  gauge('persistent_entries', 'Persistent peers configured.', () => manager.stats().persistentEntries);
  gauge('target_outbound', 'Automatic outbound connections to keep.', () => manager.stats().targetOutbound);
  gauge('accepting', '1 while listeners accept connections, 0 while paused or closed.', () => (manager.stats().acceptingConns ? 1 : 0));
  gauge('consecutive_failed_attempts', 'Automatic outbound failures in a row.', () => manager.stats().consecutiveFailedAttempts);
  mirror('dials_total', 'Dials started.', () => manager.stats().totalDials);
  mirror('dial_failures_total', 'Dials that failed or timed out.', () => manager.stats().totalFailedDials);
  mirror('established_total', 'Outbound and manual dials that got established.', () => manager.stats().totalEstablished);
  mirror('accepted_total', 'Inbound connections admitted.', () => manager.stats().totalAccepted);
  mirrorBy('inbound_rejected_total', 'Inbound connections refused, by reason.', 'reason', REJECT_REASONS, () => manager.stats().rejected);
  mirrorBy('disconnects_total', 'Established connections closed, by reason.', 'reason', CONN_REASONS, () => manager.stats().disconnects);
  mirror('retries_total', 'Persistent retries.', () => manager.stats().retries);
  mirror('idle_kicks_total', 'Connections closed for being idle.', () => manager.stats().idleKicks);
  mirror('throttled_attempts_total', 'Automatic attempts made after throttling.', () => manager.stats().throttledAttempts);
  mirror('listener_pauses_total', 'Times the listeners were paused (inbound limit or EMFILE).', () => manager.stats().listenDisabledNum);
  mirror('listener_paused_seconds_total', 'Time spent with listeners paused.', () => manager.stats().timeInListenDisabledMs / 1000);

  gauge('ws_clients', 'Open WebSocket clients.', () => hub().clients);
  gauge('ws_clients_behind', 'Clients whose deltas are paused until their buffer drains.', () => hub().behindClients);
  mirror('events_total', 'Events numbered (the latest seq).', () => hub().eventsTotal);
  mirror('events_sent_total', 'Events delivered, summed over clients.', () => hub().eventsSent);
  mirror('ws_clients_fell_behind_total', 'Times a client fell behind and its deltas were paused.', () => hub().fellBehind);
  mirrorBy('ws_clients_dropped_total', 'Clients cut off, by cause.', 'cause', DROP_CAUSES, () => hub().droppedByCause);
  mirrorBy('ws_resyncs_total', 'Fresh snapshots sent instead of events, by cause.', 'cause', RESYNC_CAUSES, () => hub().resyncsByCause);
  mirrorBy('ws_upgrades_refused_total', 'WebSocket upgrades refused, by cause.', 'cause', UPGRADE_REFUSALS, () => hub().upgradesRefused);
  new Counter({
    name: `${p}commands_total`,
    help: 'Commands handled, by outcome.',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      const h = hub();
      this.inc({ outcome: 'ok' }, h.commandsOk);
      this.inc({ outcome: 'error' }, h.commandsFailed);
      this.inc({ outcome: 'rate-limited' }, h.commandsRateLimited);
    },
  });
  return registry;
}
