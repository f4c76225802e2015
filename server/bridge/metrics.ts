/**
 * `GET /metrics`: Prometheus text from a registry of our own (never prom-client's global one, so
 * two bridges in one process — as in tests — do not collide). Every count is read at scrape time
 * from its one source of truth (`manager.stats()`, `manager.list()`, the hub's counters), so the
 * page, `/api/snapshot` and `/metrics` never disagree. Only the two histograms (dial duration,
 * connection lifetime) are fed by the manager's `conn:state` events, from the bridge's start to
 * its close. The process's own metrics (`process_*`, `nodejs_*`) keep their standard names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConnManager, ConnReason, ConnType, LiveConnState } from '../connmgr/index.ts';
import { CONN_TYPES, REJECT_REASONS, type BridgeStats } from '../protocol/index.ts';
import { packageVersion } from '../package-info.ts';

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

/**
 * The (type, state) pairs a live connection can be in, so that `connscope_connections` has no
 * series that is always 0. Inbound connections are established when admitted and end when closed;
 * automatic outbound ones are never persistent, so a failed dial or a close ends them (no
 * `failing`); only manual persistent entries wait in `failing` (README "States").
 */
export const LIVE_TYPE_STATES: readonly (readonly [ConnType, LiveConnState])[] = [
  ['inbound', 'established'],
  ['outbound', 'pending'],
  ['outbound', 'established'],
  ['manual', 'pending'],
  ['manual', 'established'],
  ['manual', 'failing'],
];

/**
 * The reasons that can close an established connection: the manager counts `disconnects` only for
 * a transition out of `established`. The others start a dial (`requested`, `retry`), end one
 * (`dial-*`, `aborted`) or admit an inbound connection (`accepted`).
 */
export const CLOSE_REASONS = [
  'remote-closed',
  'remote-reset',
  'socket-error',
  'local-disconnect',
  'local-remove',
  'idle-timeout',
  'shutdown',
  'app-closed',
  'app-error',
  'banned',
] as const satisfies readonly ConnReason[];

/**
 * A dial that left `pending` for one of these failed (to `failing` or `canceled`). Any other way
 * out but `established` (`aborted`, `local-disconnect`, `local-remove`, `shutdown`) was someone's
 * choice, not the peer's answer, and is not observed.
 */
const DIAL_FAILURES: ReadonlySet<ConnReason> = new Set<ConnReason>(['dial-refused', 'dial-timeout', 'dial-error']);

/** Dial durations: loopback answers in a millisecond, the default dial timeout is 30 s. */
export const DIAL_DURATION_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Connection lifetimes: from a flapping peer's second to a day-long peering. */
export const LIFETIME_BUCKETS = [0.1, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

/**
 * Metrics that describe the process (CPU, memory, file descriptors, event loop, GC): one set per
 * process, shared by every bridge's registry, since prom-client's collectors (an event-loop
 * monitor, a GC observer) cannot be stopped again.
 */
let processMetrics: Registry | undefined;
export function processRegistry(): Registry {
  if (processMetrics) return processMetrics;
  processMetrics = new Registry();
  collectDefaultMetrics({ register: processMetrics });
  // Gauges named like counters: `promtool check metrics` rejects them. `sum(nodejs_active_handles)`
  // (and so on) gives the same totals.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    processMetrics.removeSingleMetric(name);
  }
  return processMetrics;
}

export interface Metrics {
  /** What `/metrics` serves: the bridge's metrics and the process's. */
  readonly registry: Registry;
  /** Stops listening to the manager. Idempotent. */
  close(): void;
}

/** Builds the registry; `hub()` returns the bridge's live counters. */
export function createMetrics(manager: ConnManager, hub: () => HubCounters): Metrics {
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
    name: `${p}build_info`,
    help: 'Always 1; the labels say which connscope and which Node.js run.',
    labelNames: ['version', 'node_version'],
    registers,
  }).set({ version: packageVersion(), node_version: process.version }, 1);
  new Gauge({
    name: `${p}connections`,
    help: 'Live connections by type and state (pending, established, failing).',
    labelNames: ['type', 'state'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const c of manager.list()) counts.set(`${c.type}/${c.state}`, (counts.get(`${c.type}/${c.state}`) ?? 0) + 1);
      for (const [type, state] of LIVE_TYPE_STATES) this.set({ type, state }, counts.get(`${type}/${state}`) ?? 0);
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
  mirrorBy('disconnects_total', 'Established connections closed, by reason.', 'reason', CLOSE_REASONS, () => manager.stats().disconnects);
  mirror('retries_total', 'Persistent retries.', () => manager.stats().retries);
  mirror('idle_kicks_total', 'Connections closed for being idle.', () => manager.stats().idleKicks);
  mirror('throttled_attempts_total', 'Automatic attempts made after throttling.', () => manager.stats().throttledAttempts);
  mirror('listener_pauses_total', 'Times the listeners were paused (inbound limit or EMFILE).', () => manager.stats().listenDisabledNum);
  mirror('listener_paused_seconds_total', 'Time spent with listeners paused.', () => manager.stats().timeInListenDisabledMs / 1000);
  gauge('banned_hosts', 'Hosts banned now (README "Ban score").', () => manager.stats().bannedHosts);
  mirror('bans_total', 'Bans made, by ban score or by hand.', () => manager.stats().totalBans);

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
  const off = observeConnections(manager, registers);
  return { registry: Registry.merge([registry, processRegistry()]), close: off };
}

/**
 * The two histograms, fed by `conn:state` events (their `at` is the manager's clock): a dial lasts
 * from `pending` until `established` or its failure; a connection lives from `established` until
 * it leaves that state. Only the starts of what is live are remembered. Returns the unsubscribe.
 */
function observeConnections(manager: ConnManager, registers: Registry[]): () => void {
  const dials = new Histogram({
    name: 'connscope_dial_duration_seconds',
    help: 'Outbound and manual dials, from start to established or failed (refused, timed out, error); canceled dials are left out.',
    labelNames: ['outcome'],
    buckets: DIAL_DURATION_BUCKETS,
    registers,
  });
  const lifetimes = new Histogram({
    name: 'connscope_connection_lifetime_seconds',
    help: 'Established connections, from established to closed, by type.',
    labelNames: ['type'],
    buckets: LIFETIME_BUCKETS,
    registers,
  });
  for (const outcome of ['established', 'failed']) dials.zero({ outcome });
  for (const type of CONN_TYPES) lifetimes.zero({ type });
  // Label children bound once: an observation on every conn:state does not hash its labels again.
  const dialsEstablished = dials.labels({ outcome: 'established' });
  const dialsFailed = dials.labels({ outcome: 'failed' });
  const lifetimeOf = new Map(CONN_TYPES.map((type) => [type, lifetimes.labels({ type })]));

  const dialStart = new Map<number, number>();
  const establishedAt = new Map<number, number>();
  // Connections established before the bridge started (serveDashboard on a running manager).
  for (const c of manager.list()) if (c.state === 'established' && c.establishedAt !== undefined) establishedAt.set(c.id, c.establishedAt);
  // A wall clock stepped backwards must not make a duration negative.
  const seconds = (from: number, to: number): number => Math.max(0, to - from) / 1000;

  const off = manager.on('conn:state', (e) => {
    if (e.from === 'pending') {
      const start = dialStart.get(e.id);
      dialStart.delete(e.id);
      if (start !== undefined) {
        if (e.to === 'established') dialsEstablished.observe(seconds(start, e.at));
        else if (DIAL_FAILURES.has(e.reason)) dialsFailed.observe(seconds(start, e.at));
      }
    } else if (e.from === 'established') {
      const since = establishedAt.get(e.id);
      establishedAt.delete(e.id);
      if (since !== undefined) lifetimeOf.get(e.type)?.observe(seconds(since, e.at));
    }
    if (e.to === 'pending') dialStart.set(e.id, e.at);
    else if (e.to === 'established') establishedAt.set(e.id, e.at);
  });
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    off();
    dialStart.clear();
    establishedAt.clear();
  };
}
