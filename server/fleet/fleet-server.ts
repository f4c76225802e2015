/**
 * `startFleetServer` (`connscope fleet --nats URL`, `connscope/fleet`): the page for a whole
 * fleet, with no manager of its own (docs/fleet.md, "The fleet dashboard"). It follows the nodes'
 * heartbeats (KV watch) and events (one ordered consumer on `connscope.*.events`), keeps a track
 * per node (node-track.ts), and serves the same HTTP guards and WebSocket rules as the live bridge:
 *
 *   /ws                       the fleet list (`fleet` messages)
 *   /ws?node=NAME             one node's full view in the live protocol (node-view.ts)
 *   /api/nodes                ApiNodes
 *   /api/snapshot?node=NAME   that node's snapshot as held here
 *   /api/node-runs?node=NAME  the runs the stream holds (history.ts)
 *   /api/node-recording?node=NAME&run=RUN[&fromSeq=][&toSeq=]   a history window as a recording
 *   /healthz, /metrics        health, and per-node series (fleet-metrics.ts)
 *
 * NATS may be away at start or later: the dashboard keeps serving what it knows, says so in the
 * `fleet` message (`nats.connected`), and catches up when NATS returns.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import * as v from 'valibot';
import {
  ApiSnapshotSchema,
  type ApiSnapshot,
  FLEET_STREAM,
  GONE_AFTER_MS,
  NODE_NAME_PATTERN,
  NodeSnapshotSchema,
  NodeStatusSchema,
  PROTOCOL_VERSION,
  STALE_AFTER_MS,
  commandSubject,
  nodeOfSubject,
  parseEventMsgId,
  snapshotKey,
  snapshotSubject,
  type ApiNodes,
  type FleetMessage,
  type FleetNode,
  type FleetTotals,
} from '../protocol/index.ts';
import { SILENT_LOGGER, type StructuredLogger } from '../bridge/access-log.ts';
import { BridgeSettingsSchema, type BridgeSettings } from '../bridge/bridge.ts';
import { listenGuarded, sendJson } from '../bridge/http-server.ts';
import { sendText } from '../bridge/static-files.ts';
import { createFleetMetrics } from './fleet-metrics.ts';
import { FleetHub } from './fleet-hub.ts';
import { nodeRuns, nodeWindow } from './history.ts';
import { DEFAULT_STREAM_MAX_AGE_MS, DEFAULT_STREAM_MAX_BYTES, ensureStream, openBucket } from './jetstream-setup.ts';
import { NatsLink } from './nats-link.ts';
import { NodeTrack } from './node-track.ts';
import { NodeViews } from './node-view.ts';

/** A node that does not answer a forwarded command within this long: ERR_NODE_UNREACHABLE. */
export const COMMAND_TIMEOUT_MS = 5000;
/** How long a node gets to answer a snapshot request before the KV entry is used. */
export const SNAPSHOT_TIMEOUT_MS = 2000;
/** At start, the stream is read from this far back, so a node's KV snapshot connects to its events. */
export const LOOKBACK_MS = 10_000;
/** How often tracks that need a baseline are served. */
const BASELINE_POLL_MS = 250;
/** A node's own snapshot relayed to `/api/snapshot?node=` is shared this long between askers. */
export const RELAY_SNAPSHOT_MS = 1000;
/** How long `/api/snapshot?node=` waits for the node before it serves the dashboard's fold. */
const RELAY_SNAPSHOT_TIMEOUT_MS = 1000;

export interface FleetServerOptions
  extends Pick<
    BridgeSettings,
    | 'host'
    | 'port'
    | 'token'
    | 'allowedOrigins'
    | 'maxClients'
    | 'staticDir'
    | 'highWaterBytes'
    | 'hardLimitBytes'
    | 'heartbeatMs'
    | 'rateLimit'
  > {
  /** `nats://host:port` (or several). */
  servers: string | string[];
  /** A node silent this long leaves the list. @default 60000 */
  goneAfterMs?: number;
  /** A node silent this long is shown stale. @default 5000 */
  staleAfterMs?: number;
  /** Stream limits if this dashboard creates the stream. @default 24 h, 1 GiB */
  streamMaxAgeMs?: number;
  streamMaxBytes?: number;
  /** Period of `fleet` messages and node views' `stats`. @default 1000 */
  updateMs?: number;
  logger?: StructuredLogger;
}

export interface FleetServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** Whether NATS is reachable now. */
  readonly connected: boolean;
  /** The list as `/api/nodes` gives it. */
  nodes(): ApiNodes;
  close(): Promise<void>;
}

export async function startFleetServer(options: FleetServerOptions): Promise<FleetServer> {
  const parsed = v.safeParse(BridgeSettingsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new TypeError(`option ${v.getDotPath(issue) ?? ''}: ${issue.message}`);
  }
  const o = parsed.output;
  const logger = options.logger ?? SILENT_LOGGER;
  const goneAfterMs = options.goneAfterMs ?? GONE_AFTER_MS;
  const now = (): number => Date.now();
  const tracks = new Map<string, NodeTrack>();
  const control = { host: o.host, token: o.token };
  let kv: KV | undefined;
  let consumer: ConsumerMessages | undefined;
  let closed = false;

  const views = new NodeViews({
    control,
    batchMs: o.batchMs,
    batchMax: o.batchMax,
    track: (node) => tracks.get(node),
    now,
    forward: async (node, text) => {
      const nc = link.connection;
      if (!nc) throw new Error('NATS is not connected');
      return (await nc.request(commandSubject(node), text, { timeout: COMMAND_TIMEOUT_MS })).string();
    },
  });
  const trackOf = (node: string): NodeTrack => {
    let t = tracks.get(node);
    if (!t) {
      t = new NodeTrack(
        node,
        { events: (jsons) => views.events(node, jsons), reset: (cause) => views.reset(node, cause) },
        options.staleAfterMs ?? STALE_AFTER_MS,
      );
      tracks.set(node, t);
    }
    return t;
  };

  const listed = (): FleetNode[] => {
    const t = now();
    return [...tracks.values()]
      .map((tr) => tr.view(t))
      .filter((n): n is FleetNode => n !== undefined)
      .sort((a, b) => a.node.localeCompare(b.node));
  };
  const apiNodes = (): ApiNodes => {
    const nodes = listed();
    return { v: PROTOCOL_VERSION, at: now(), nodes, totals: totals(nodes) };
  };
  const fleetMessage = (): FleetMessage => {
    const nodes = listed();
    return {
      v: PROTOCOL_VERSION,
      type: 'fleet',
      at: now(),
      nats: { connected: link.connected, server: link.server },
      nodes,
      totals: totals(nodes),
    };
  };

  const hub = new FleetHub({
    control,
    rateLimit: o.rateLimit,
    highWaterBytes: o.highWaterBytes,
    hardLimitBytes: o.hardLimitBytes,
    heartbeatMs: o.heartbeatMs,
    ...(options.updateMs === undefined ? {} : { updateMs: options.updateMs }),
    logger,
    fleet: fleetMessage,
    views: {
      open: (c) => views.open(c),
      message: (c, text) => views.message(c, text),
      closed: (c) => views.closed(c),
      tick: () => {
        const t = now();
        for (const [name, tr] of tracks) if (tr.gone(t, goneAfterMs)) tracks.delete(name);
        views.tick();
      },
    },
  });
  views.bind(hub);

  // ---- NATS ----------------------------------------------------------------------------------

  const onHeartbeat = (e: KvWatchEntry): void => {
    if (e.operation !== 'PUT' || !NODE_NAME_PATTERN.test(e.key)) return;
    const status = v.safeParse(NodeStatusSchema, safeJson(e.string()));
    if (!status.success || status.output.node !== e.key) return;
    // A heartbeat older than the gone timeout (a node that left long ago) lists nothing.
    if (now() - e.created.getTime() > goneAfterMs) return;
    trackOf(e.key).heartbeat(status.output, now());
  };

  // The KV watch and the ordered consumer are made afresh on every (re)connect, the consumer from
  // the stream position after the last message taken: a server that restarted is read on at once,
  // without waiting for the client's idle heartbeat to notice that the old consumer is gone.
  let watch: { stop(): void } | undefined;
  let lastStreamSeq = 0;
  const follow = async (nc: NatsConnection): Promise<void> => {
    watch?.stop();
    consumer?.stop();
    const w = await (kv as KV).watch({ key: '*' });
    watch = w;
    void (async () => {
      for await (const e of w) onHeartbeat(e);
    })();
    const ordered = await jetstream(nc).consumers.get(FLEET_STREAM, {
      filter_subjects: 'connscope.*.events',
      ...(lastStreamSeq === 0
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(now() - LOOKBACK_MS).toISOString() }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastStreamSeq + 1 }),
    });
    const messages = await ordered.consume();
    consumer = messages;
    void (async () => {
      for await (const m of messages) {
        lastStreamSeq = m.seq;
        const node = nodeOfSubject(m.subject);
        const id = parseEventMsgId(m.headers?.get('Nats-Msg-Id') ?? '');
        if (node === undefined || id === undefined) continue;
        trackOf(node).event(id.runId, id.seq, m.string(), now());
      }
    })();
  };

  const link = new NatsLink({
    servers: options.servers,
    name: 'connscope fleet',
    onUp: async (nc) => {
      logger.info({ server: nc.getServer() }, 'NATS connected: following the fleet');
      await ensureStream(nc, {
        maxAgeMs: options.streamMaxAgeMs ?? DEFAULT_STREAM_MAX_AGE_MS,
        maxBytes: options.streamMaxBytes ?? DEFAULT_STREAM_MAX_BYTES,
      });
      kv = await openBucket(nc);
      await follow(nc);
    },
    onDown: () => logger.warn({}, 'NATS connection lost: showing the fleet as last known'),
    onError: (err) => logger.warn({ err: err.message }, 'NATS: cannot follow the fleet'),
  });

  // A baseline for each track that needs one: the node's own snapshot, else its KV entry.
  const inFlight = new Set<string>();
  const baselines = setInterval(() => {
    const nc = link.connection;
    if (!nc || closed) return;
    for (const tr of tracks.values()) {
      if (!tr.needsBaseline || inFlight.has(tr.name)) continue;
      inFlight.add(tr.name);
      void fetchBaseline(nc, tr).finally(() => inFlight.delete(tr.name));
    }
  }, BASELINE_POLL_MS);
  baselines.unref();
  const fetchBaseline = async (nc: NatsConnection, tr: NodeTrack): Promise<void> => {
    const runId = tr.runId as string;
    try {
      const m = await nc.request(snapshotSubject(tr.name), '', { timeout: SNAPSHOT_TIMEOUT_MS });
      const api = v.safeParse(ApiSnapshotSchema, safeJson(m.string()));
      if (api.success && api.output.runId === runId) {
        tr.baseline(runId, api.output.snapshot, api.output.lab, now());
        return;
      }
    } catch {
      // not answering (stale, stopped): its KV entry is the next best
    }
    const e = await kv?.get(snapshotKey(tr.name)).catch(() => null);
    const entry = e ? v.safeParse(NodeSnapshotSchema, safeJson(e.string())) : undefined;
    if (entry?.success && entry.output.runId === runId) tr.baseline(runId, entry.output.snapshot, entry.output.lab, now());
  };

  /**
   * A live node's own snapshot, asked over NATS at most once per RELAY_SNAPSHOT_MS per node
   * however many tabs poll (they share the answer), so a fleet page's tables never add up to
   * more than one request a second on a node. Undefined when the node is not live or does not
   * answer in time (the caller serves the fold).
   */
  const relayed = new Map<string, { at: number; answer: Promise<ApiSnapshot | undefined> }>();
  const relaySnapshot = (tr: NodeTrack): Promise<ApiSnapshot | undefined> => {
    const nc = link.connection;
    if (!nc || tr.health(now()) !== 'live') return Promise.resolve(undefined);
    const hit = relayed.get(tr.name);
    if (hit && now() - hit.at < RELAY_SNAPSHOT_MS) return hit.answer;
    const runId = tr.runId;
    const answer = nc
      .request(snapshotSubject(tr.name), '', { timeout: RELAY_SNAPSHOT_TIMEOUT_MS })
      .then((m) => {
        const api = v.safeParse(ApiSnapshotSchema, safeJson(m.string()));
        return api.success && api.output.runId === runId ? api.output : undefined;
      })
      .catch(() => undefined);
    for (const name of relayed.keys()) if (!tracks.has(name)) relayed.delete(name);
    relayed.set(tr.name, { at: now(), answer });
    return answer;
  };

  // ---- HTTP ----------------------------------------------------------------------------------

  const nodeParam = (req: IncomingMessage, res: ServerResponse): { node: string; params: URLSearchParams } | undefined => {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const node = params.get('node') ?? '';
    if (!tracks.has(node)) {
      sendText(res, 404, node === '' ? 'give the node: ?node=NAME' : `no node ${JSON.stringify(node.slice(0, 80))} in this fleet`);
      return undefined;
    }
    return { node, params };
  };
  const metrics = createFleetMetrics(listed, () => hub.clients.size);
  let http: Awaited<ReturnType<typeof listenGuarded>>;
  try {
    http = await listenGuarded({
      host: o.host,
      port: o.port,
      allowedOrigins: o.allowedOrigins,
      maxClients: o.maxClients,
      headersTimeoutMs: o.headersTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      staticDir: o.staticDir,
      logger,
      routes: {
        '/healthz': (_req, res) =>
          sendJson(res, { status: 'ok', mode: 'fleet', nats: { connected: link.connected, server: link.server }, nodes: listed().length }),
        '/api/nodes': (_req, res) => sendJson(res, apiNodes()),
        '/api/snapshot': async (req, res) => {
          const p = nodeParam(req, res);
          if (!p) return;
          const tr = tracks.get(p.node) as NodeTrack;
          // The node's own answer first: only it has the byte counts the table shows (no event
          // carries them, so the fold's stay as its baseline had them).
          const relayed = await relaySnapshot(tr);
          if (relayed) return sendJson(res, relayed);
          const snapshot = tr.snapshot();
          if (!snapshot || tr.runId === undefined) return sendText(res, 503, `no snapshot of node ${p.node} yet: try again shortly`);
          sendJson(res, { v: PROTOCOL_VERSION, runId: tr.runId, snapshot, lab: tr.lab });
        },
        '/api/node-runs': async (req, res) => {
          const p = nodeParam(req, res);
          if (!p) return;
          const nc = link.connection;
          if (!nc) return sendText(res, 503, 'NATS is not reachable now: the stream cannot be read');
          sendJson(res, { v: PROTOCOL_VERSION, node: p.node, runs: await nodeRuns(nc, p.node) });
        },
        '/api/node-recording': async (req, res) => {
          const p = nodeParam(req, res);
          if (!p) return;
          const nc = link.connection;
          if (!nc) return sendText(res, 503, 'NATS is not reachable now: the stream cannot be read');
          const run = p.params.get('run') ?? tracks.get(p.node)?.runId ?? '';
          const seqParam = (name: string): number | undefined | null => {
            const raw = p.params.get(name);
            if (raw === null) return undefined;
            const n = Number(raw);
            return Number.isSafeInteger(n) && n >= 0 ? n : null;
          };
          const fromSeq = seqParam('fromSeq');
          const toSeq = seqParam('toSeq');
          if (fromSeq === null || toSeq === null) return sendText(res, 400, 'fromSeq and toSeq are integers >= 0');
          const w = await nodeWindow(nc, p.node, run, fromSeq, toSeq);
          if (!w.ok) return sendText(res, w.status, w.message);
          res.writeHead(200, {
            'content-type': 'application/x-ndjson; charset=utf-8',
            'content-disposition': `attachment; filename="connscope-${p.node}-${run.slice(0, 8)}.ndjson"`,
            'cache-control': 'no-store',
          });
          res.end(w.text);
        },
        '/metrics': async (_req, res) => {
          const body = await metrics.registry.metrics();
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
      },
      clients: () => hub.clients.size,
      countRefusedUpgrade: (cause) => hub.countRefusedUpgrade(cause),
      attach: (ws, token, from) => hub.attach(ws, token, { ...from, node: from.params?.get('node') ?? undefined }),
    });
  } catch (err) {
    hub.close();
    clearInterval(baselines);
    await link.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    wsUrl: http.wsUrl,
    port: http.port,
    get connected() {
      return link.connected;
    },
    nodes: apiNodes,
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(baselines);
        hub.close();
        views.close();
        consumer?.stop();
        watch?.stop();
        await link.close();
        await http.close();
      })();
      return closing;
    },
  };
}

/** Sums over the listed nodes. */
export function totals(nodes: readonly FleetNode[]): FleetTotals {
  const t: FleetTotals = {
    nodes: nodes.length,
    live: 0,
    stale: 0,
    stopped: 0,
    connections: 0,
    byType: { inbound: 0, outbound: 0, manual: 0 },
    byState: { pending: 0, established: 0, failing: 0 },
    eventsPerSec: 0,
    droppedEvents: 0,
  };
  for (const n of nodes) {
    t[n.health] += 1;
    t.connections += n.stats.currConnections;
    for (const k of ['inbound', 'outbound', 'manual'] as const) t.byType[k] += n.stats.currByType[k];
    for (const k of ['pending', 'established', 'failing'] as const) t.byState[k] += n.stats.currByState[k];
    t.eventsPerSec += n.health === 'live' ? n.eventsPerSec : 0;
    t.droppedEvents += n.droppedEvents;
  }
  return t;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
