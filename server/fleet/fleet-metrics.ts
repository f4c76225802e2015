/**
 * `/metrics` of the fleet dashboard: one series per node (label `node`) read from the dashboard's
 * tracks at scrape time, fleet-wide counts by health, and the process's own (the bridge's one
 * set per process). Names in docs/fleet.md.
 */
import { Gauge, Registry } from 'prom-client';
import { processRegistry } from '../bridge/metrics.ts';
import { CONN_TYPES, NODE_HEALTH, type FleetNode } from '../protocol/index.ts';
import { packageVersion } from '../package-info.ts';

export interface FleetMetrics {
  readonly registry: Registry;
}

/** `nodes()` lists the nodes as `/api/nodes` does; `clients()` counts the dashboard's WebSocket clients. */
export function createFleetMetrics(nodes: () => FleetNode[], clients: () => number): FleetMetrics {
  const registry = new Registry();
  const registers = [registry];
  const p = 'connscope_fleet_';
  new Gauge({
    name: 'connscope_build_info',
    help: 'Always 1; the labels say which connscope and which Node.js run.',
    labelNames: ['version', 'node_version'],
    registers,
  }).set({ version: packageVersion(), node_version: process.version }, 1);

  /** A gauge per node, read from its listing at scrape time. */
  const perNode = (name: string, help: string, read: (n: FleetNode) => number): void => {
    new Gauge({
      name: p + name,
      help,
      labelNames: ['node'],
      registers,
      collect() {
        this.reset();
        for (const n of nodes()) this.set({ node: n.node }, read(n));
      },
    });
  };
  perNode('node_up', '1 while the node sends heartbeats, 0 when stale or stopped.', (n) => (n.health === 'live' ? 1 : 0));
  perNode('node_last_seq', 'The latest event seq the node numbered (its heartbeat).', (n) => n.lastSeq);
  perNode('node_received_seq', 'The highest seq this dashboard holds in order.', (n) => n.receivedSeq);
  perNode('node_lag_events', 'Events the node numbered that this dashboard has not received yet.', (n) => n.lagEvents);
  perNode('node_missing_events', 'Events of the current run that will never arrive (dropped by the node).', (n) =>
    n.missing.reduce((sum, [a, b]) => sum + (b - a + 1), 0),
  );
  perNode('node_dropped_events', 'Events the node dropped in this run because its outbox was full.', (n) => n.droppedEvents);
  perNode('node_buffered_events', 'Events waiting in the node’s outbox.', (n) => n.buffered);
  perNode('node_last_seen_seconds', 'Unix time of the node’s latest heartbeat (this dashboard’s clock).', (n) => n.lastSeenAt / 1000);
  perNode('node_events_per_second', 'Events per second over the node’s last heartbeat interval.', (n) => n.eventsPerSec);
  new Gauge({
    name: `${p}node_connections`,
    help: 'Live connections of the node by type (its heartbeat).',
    labelNames: ['node', 'type'],
    registers,
    collect() {
      this.reset();
      for (const n of nodes()) for (const type of CONN_TYPES) this.set({ node: n.node, type }, n.stats.currByType[type]);
    },
  });
  new Gauge({
    name: `${p}nodes`,
    help: 'Nodes listed, by health.',
    labelNames: ['health'],
    registers,
    collect() {
      this.reset();
      const list = nodes();
      for (const health of NODE_HEALTH) this.set({ health }, list.filter((n) => n.health === health).length);
    },
  });
  new Gauge({
    name: `${p}ws_clients`,
    help: 'WebSocket clients of this dashboard (fleet list and node views).',
    registers,
    collect() {
      this.set(clients());
    },
  });
  // The process's own metrics, collected once per process (see bridge/metrics.ts).
  return { registry: Registry.merge([registry, processRegistry()]) };
}
