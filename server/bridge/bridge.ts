/**
 * `startBridge`: one HTTP server (node:http) for the page, `/healthz`, `/metrics` and
 * `/api/snapshot`, with the WebSocket hub on the same port at `/ws`. The bridge only observes the
 * manager (its events) and calls its public methods; it never touches sockets of its own peers.
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import * as v from 'valibot';
import { ConnManager } from '../connmgr/index.ts';
import { PROTOCOL_VERSION, RECORDING_FORMAT, RECORDING_VERSION, type ApiSnapshot, type LabApi } from '../protocol/index.ts';
import { defaultStaticDir, packageVersion } from '../package-info.ts';
import { allowedOriginProblem } from './access.ts';
import { SILENT_LOGGER, type StructuredLogger } from './access-log.ts';
import { Hub } from './hub.ts';
import { listenGuarded, sendJson, type GuardedServer } from './http-server.ts';
import { FileRecording, SessionRecording, type HeaderFields, type RecordingTap } from './recorder.ts';
import { createMetrics, type HubCounters } from './metrics.ts';
import { sendText } from './static-files.ts';

const int = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));

/**
 * The bridge's scalar options, their defaults, and their rules (validated at start). The replay
 * server (server/replay) takes the HTTP and WebSocket ones with the same defaults.
 */
export const BridgeSettingsSchema = v.pipe(
  v.object({
    /** Address to bind; anything but loopback requires a token for control. @default '127.0.0.1' */
    host: v.optional(v.pipe(v.string(), v.nonEmpty()), '127.0.0.1'),
    /** TCP port; 0 picks a free one (see the returned `port`). */
    port: v.pipe(int(0), v.maxValue(65535)),
    /** Control token for non-loopback binds (`?token=` on the ws URL, or a command's `token`). @default none */
    token: v.optional(v.pipe(v.string(), v.nonEmpty())),
    /** Extra browser origins allowed to open the WebSocket (e.g. a dev server's). @default [] */
    allowedOrigins: v.optional(
      v.array(
        v.pipe(
          v.string(),
          v.check((o) => allowedOriginProblem(o) === undefined, 'must be an http(s) origin: scheme, host and port only'),
        ),
      ),
      [],
    ),
    /** WebSocket clients at once; one more gets HTTP 503 on its upgrade. @default 64 */
    maxClients: v.optional(int(1), 64),
    /** A client that has not sent a request's headers by then gets 408 and is closed. @default 10000 */
    headersTimeoutMs: v.optional(int(1), 10_000),
    /** The same for a whole request (headers and body). @default 30000 */
    requestTimeoutMs: v.optional(int(1), 30_000),
    /** Directory of the built page. @default the package's own `dist/web` */
    staticDir: v.optional(v.pipe(v.string(), v.nonEmpty()), defaultStaticDir),
    /** Events kept for `resume`. @default 10000 */
    ringSize: v.optional(int(1), 10_000),
    /** Longest an event waits before its batch is sent. @default 50 */
    batchMs: v.optional(int(0), 50),
    /** A batch is sent at once when it reaches this many events. @default 500 */
    batchMax: v.optional(int(1), 500),
    /** Period of `stats` messages; 0 = none. @default 1000 */
    statsMs: v.optional(int(0), 1000),
    /** Past this many bytes buffered for a client, it gets no deltas until drained. @default 1 MiB */
    highWaterBytes: v.optional(int(1), 1024 * 1024),
    /** Past this many bytes buffered for a client, it is cut off. @default 8 MiB */
    hardLimitBytes: v.optional(int(1), 8 * 1024 * 1024),
    /**
     * Bytes of the session kept in memory for `GET /api/recording` (the oldest part goes first,
     * a keyframe at a time); 0 turns the endpoint off. @default 32 MiB
     */
    recordingMaxBytes: v.optional(int(0), 32 * 1024 * 1024),
    /** Also write the whole session to this file as it happens (`--record FILE`). @default none */
    recordFile: v.optional(v.pipe(v.string(), v.nonEmpty())),
    /** Ping period; a client that missed the previous pong is cut off; 0 = off. @default 15000 */
    heartbeatMs: v.optional(int(0), 15_000),
    /** How often a client that is behind is checked for having drained. @default 100 */
    drainCheckMs: v.optional(int(1), 100),
    /**
     * Messages per client, checked before a message is read: frames (any kind) per second and at
     * once, and bytes per second and at once. @default { perSec: 20, burst: 40, bytesPerSec: 64 KiB, burstBytes: 256 KiB }
     */
    rateLimit: v.optional(
      v.object({
        perSec: v.optional(v.pipe(v.number(), v.minValue(0.001)), 20),
        burst: v.optional(int(1), 40),
        bytesPerSec: v.optional(int(1), 64 * 1024),
        burstBytes: v.optional(int(1), 256 * 1024),
      }),
      {},
    ),
  }),
  v.forward(
    v.check((o) => o.hardLimitBytes >= o.highWaterBytes, 'must be >= highWaterBytes'),
    ['hardLimitBytes'],
  ),
  // node:http refuses a headers timeout longer than the request timeout.
  v.forward(
    v.check((o) => o.requestTimeoutMs >= o.headersTimeoutMs, 'must be >= headersTimeoutMs'),
    ['requestTimeoutMs'],
  ),
);
export type BridgeSettings = v.InferInput<typeof BridgeSettingsSchema>;

export interface BridgeOptions extends BridgeSettings {
  /** The manager to observe and command (the bridge neither starts nor stops it). */
  manager: ConnManager;
  /** The embedded lab, if any: lab commands go there, its changes become `lab:state` events. */
  lab?: LabApi;
  /**
   * Where access lines go: `info` when a WebSocket session ends, `warn` for a refused upgrade
   * (at most REFUSED_LINES_PER_WINDOW a second, then a summary). A pino logger fits. @default none
   */
  logger?: StructuredLogger;
}

/**
 * The bridge's numbered events, for another consumer in the process (the NATS publisher,
 * server/fleet): the same `runId` and `seq` the WebSocket clients get.
 */
export interface EventFeed {
  readonly runId: string;
  /** Feeds `t` every numbered event and `stats` message from now on; returns the function that stops it. */
  tap(t: RecordingTap): () => void;
  /** The snapshot as of the latest seq (the body of `/api/snapshot`). */
  apiSnapshot(): ApiSnapshot;
}

export interface Bridge {
  /** `http://host:port` (a wildcard bind is given as 127.0.0.1). */
  readonly url: string;
  /** The WebSocket URL (`ws://host:port/ws`). */
  readonly wsUrl: string;
  readonly port: number;
  /** The run id sent in every `hello`. */
  readonly runId: string;
  /** The bridge's counters (clients, behind, dropped, resyncs, …). */
  stats(): HubCounters;
  /** Its numbered events (see EventFeed). */
  readonly feed: EventFeed;
  /** Terminates every client and closes the WebSocket and HTTP servers. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP + WebSocket server. Resolves once listening.
 * @throws TypeError for an invalid option (naming it); the listen error (`EADDRINUSE`, …) otherwise.
 */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  if (!(options?.manager instanceof ConnManager)) throw new TypeError('option manager must be a ConnManager');
  const parsed = v.safeParse(BridgeSettingsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new TypeError(`option ${v.getDotPath(issue) ?? ''}: ${issue.message}`);
  }
  const o = parsed.output;
  const { manager, lab } = options;
  const logger = options.logger ?? SILENT_LOGGER;

  const hub = new Hub({
    manager,
    lab,
    control: { host: o.host, token: o.token },
    ringSize: o.ringSize,
    batchMs: o.batchMs,
    batchMax: o.batchMax,
    statsMs: o.statsMs,
    highWaterBytes: o.highWaterBytes,
    hardLimitBytes: o.hardLimitBytes,
    heartbeatMs: o.heartbeatMs,
    drainCheckMs: o.drainCheckMs,
    rateLimit: o.rateLimit,
    logger,
  });
  const recording = startRecorders(hub, manager, o, logger);
  if (recording.file) {
    try {
      await recording.file.ready();
    } catch (err) {
      await recording.close();
      hub.close();
      throw new Error(`cannot record to ${recording.file.path}: ${(err as Error).message}`);
    }
  }
  const metrics = createMetrics(manager, () => hub.counters());
  const registry = metrics.registry;
  let http: GuardedServer;
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
          sendJson(res, { status: 'ok', manager: manager.state, runId: hub.runId, seq: hub.counters().eventsTotal }),
        '/metrics': async (_req, res) => {
          const body = await registry.metrics();
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        '/api/snapshot': (_req, res) => sendJson(res, hub.apiSnapshot()),
        '/api/recording': (_req, res) => sendRecording(res, recording.session, hub.runId),
      },
      clients: () => hub.counters().clients,
      countRefusedUpgrade: (cause) => hub.countRefusedUpgrade(cause),
      attach: (ws, token, from) => hub.attach(ws, token, from),
    });
  } catch (err) {
    await recording.close();
    hub.close();
    metrics.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    wsUrl: http.wsUrl,
    port: http.port,
    runId: hub.runId,
    stats: () => hub.counters(),
    feed: { runId: hub.runId, tap: (t) => hub.tap(t), apiSnapshot: () => hub.apiSnapshot() },
    close() {
      closing ??= (async () => {
        hub.close();
        await recording.close();
        metrics.close();
        await http.close();
      })();
      return closing;
    },
  };
}

/**
 * The session recorders: in memory for `/api/recording` (unless `recordingMaxBytes` is 0) and to
 * `recordFile`. Both start from the state as of now, before the first event they see.
 */
function startRecorders(
  hub: Hub,
  manager: ConnManager,
  o: { recordingMaxBytes: number; recordFile?: string | undefined },
  logger: StructuredLogger,
): { session: SessionRecording | undefined; file: FileRecording | undefined; close(): Promise<void> } {
  const start = hub.apiSnapshot();
  const header: HeaderFields = {
    type: 'recording',
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    protocol: PROTOCOL_VERSION,
    app: `connscope ${packageVersion()}`,
    runId: hub.runId,
    startedAt: Date.now(),
    config: manager.snapshot().config,
    lab: start.lab,
  };
  const session =
    o.recordingMaxBytes > 0 ? new SessionRecording({ header, start: start.snapshot, maxBytes: o.recordingMaxBytes }) : undefined;
  const file =
    o.recordFile === undefined
      ? undefined
      : new FileRecording({
          path: o.recordFile,
          header: { ...header, snapshot: start.snapshot },
          onError: (err) => logger.warn({ err: err.message, path: o.recordFile }, 'recording stopped: cannot write the file'),
        });
  const untap = [session, file].filter((t) => t !== undefined).map((t) => hub.tap(t));
  return {
    session,
    file,
    async close() {
      for (const off of untap) off();
      await file?.close();
    },
  };
}

/** `GET /api/recording`: the session held in memory, as an NDJSON download. */
function sendRecording(res: ServerResponse, session: SessionRecording | undefined, runId: string): void {
  if (!session) {
    sendText(res, 404, 'recording is off on this server (recordingMaxBytes is 0)');
    return;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="connscope-${runId.slice(0, 8)}-${stamp}.ndjson"`,
    'cache-control': 'no-store',
  });
  // A snapshot of the lines as of now, written with backpressure (a large session is many MiB).
  const lines = [...session.lines()];
  Readable.from(
    (function* () {
      for (let i = 0; i < lines.length; i += 256) yield `${lines.slice(i, i + 256).join('\n')}\n`;
    })(),
  ).pipe(res);
}
