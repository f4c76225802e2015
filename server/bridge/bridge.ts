/**
 * `startBridge`: one HTTP server (node:http) for the page, `/healthz`, `/metrics` and
 * `/api/snapshot`, with the WebSocket hub on the same port at `/ws`. The bridge only observes the
 * manager (its events) and calls its public methods; it never touches sockets of its own peers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import * as v from 'valibot';
import { WebSocketServer } from 'ws';
import { ConnManager } from '../connmgr/index.ts';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, RECORDING_FORMAT, RECORDING_VERSION, type LabApi } from '../protocol/index.ts';
import { defaultStaticDir, packageVersion } from '../package-info.ts';
import { MAX_HOST_HEADER_CHARS, allowedOriginProblem, isHostAllowed, isOriginAllowed, urlHost, type OriginPolicy } from './access.ts';
import { RefusedUpgradeLog, SILENT_LOGGER, remoteOf, type StructuredLogger } from './access-log.ts';
import { Hub } from './hub.ts';
import { FileRecording, SessionRecording, type HeaderFields } from './recorder.ts';
import { createMetrics, type HubCounters, type UpgradeRefusal } from './metrics.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { sendText, serveStatic } from './static-files.ts';

const int = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));

/** The bridge's scalar options, their defaults, and their rules (validated at start). */
const BridgeSettingsSchema = v.pipe(
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
  const refusals = new RefusedUpgradeLog(logger);
  // The policy needs the bound port, known after listen(); it is read per request.
  const policy: { -readonly [K in keyof OriginPolicy]: OriginPolicy[K] } = {
    host: o.host,
    port: o.port,
    allowedOrigins: o.allowedOrigins,
  };

  // ws closes the socket (1009) past maxPayload; below it, an oversized command only gets an
  // ERR_TOO_LARGE reply, so a client that sends a bit too much keeps its connection.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_MESSAGE_BYTES, perMessageDeflate: false });

  // Node's defaults let a client that trickles its headers hold a socket for a minute or more;
  // the timeouts are enforced on a sweep, so the sweep runs often enough for them to hold.
  const server = createServer(
    {
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(o.headersTimeoutMs / 4))),
    },
    (req, res) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      handleHttp(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendText(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
        else res.destroy();
      });
    },
  );

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const overlong = overlongHeader(req);
    if (overlong !== undefined) return sendText(res, 400, `bad request: ${overlong.message}`);
    if (!isHostAllowed(req.headers.host, policy)) {
      sendText(res, 403, `forbidden: Host "${req.headers.host}" is not this server (add its origin to allowedOrigins)`);
      return;
    }
    const url = requestUrl(req);
    if (url === undefined) return sendText(res, 400, 'bad request target');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendText(res, 405, `method ${req.method} not allowed`, { allow: 'GET, HEAD' });
    }
    switch (url.pathname) {
      case '/healthz':
        return sendJson(res, { status: 'ok', manager: manager.state, runId: hub.runId, seq: hub.counters().eventsTotal });
      case '/metrics': {
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      case '/api/snapshot':
        return sendJson(res, hub.apiSnapshot());
      case '/api/recording':
        return sendRecording(res, recording.session, hub.runId);
      case '/ws':
        return sendText(res, 426, 'this is the WebSocket endpoint: connect with a WebSocket client', { upgrade: 'websocket' });
      default:
        if (url.pathname.startsWith('/api/')) return sendText(res, 404, `no API route ${url.pathname}`);
        return serveStatic(o.staticDir, req, res, url.pathname);
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    /**
     * Counts, logs and answers a refused upgrade. The line carries what was refused: the request
     * target (`path`), the `host` or `origin` header (also the Origin of a client over max-clients).
     */
    const refuse = (cause: UpgradeRefusal, status: number, statusText: string, body: string, tooLong = false): void => {
      hub.countRefusedUpgrade(cause);
      const offending =
        cause === 'path' ? { path: req.url } : cause === 'host' ? { host: req.headers.host } : { origin: req.headers.origin };
      refusals.refused({ cause: tooLong ? 'header-too-long' : cause, status, remote: remoteOf(req.socket), ...offending });
      refuseUpgrade(socket, status, statusText, body);
    };
    const url = requestUrl(req);
    if (url?.pathname !== '/ws') return refuse('path', 404, 'Not Found', 'WebSocket endpoint is /ws');
    const overlong = overlongHeader(req);
    if (overlong !== undefined) return refuse(overlong.header, 400, 'Bad Request', overlong.message, true);
    if (!isHostAllowed(req.headers.host, policy)) {
      return refuse('host', 403, 'Forbidden', 'Host header is not this server');
    }
    if (!isOriginAllowed(req.headers.origin, policy)) {
      return refuse('origin', 403, 'Forbidden', `Origin ${req.headers.origin} is not allowed`);
    }
    // ws completes a handshake synchronously (there is no verifyClient), so the hub already
    // counts every upgrade accepted before this one.
    if (hub.counters().clients >= o.maxClients) {
      return refuse(
        'max-clients',
        503,
        'Service Unavailable',
        `too many clients: this server takes at most ${o.maxClients} WebSocket clients at once (maxClients, --max-clients); try again later`,
      );
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      hub.attach(ws, url.searchParams.get('token'), { remote: remoteOf(req.socket), origin: req.headers.origin }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      void recording.close();
      hub.close();
      metrics.close();
      refusals.close();
      reject(err);
    };
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  policy.port = port;
  const base = urlHost(o.host, port);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${base}`,
    wsUrl: `ws://${base}/ws`,
    port,
    runId: hub.runId,
    stats: () => hub.counters(),
    close() {
      closing ??= (async () => {
        hub.close();
        await recording.close();
        metrics.close();
        refusals.close();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
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

/** The request target as a URL; `//x` stays a path (never a host). */
function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return undefined;
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    return undefined;
  }
}

/** A `Host` or `Origin` header too long to be a real one (see MAX_HOST_HEADER_CHARS), or undefined. */
function overlongHeader(req: IncomingMessage): { header: 'host' | 'origin'; message: string } | undefined {
  for (const [header, name] of [
    ['host', 'Host'],
    ['origin', 'Origin'],
  ] as const) {
    const value = req.headers[header];
    if (value !== undefined && value.length > MAX_HOST_HEADER_CHARS) {
      return { header, message: `the ${name} header is ${value.length} characters long; at most ${MAX_HOST_HEADER_CHARS} are accepted` };
    }
  }
  return undefined;
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refuseUpgrade(socket: Duplex, status: number, statusText: string, body: string): void {
  // Once the answer is out, let go of the socket (as ws does): an upgraded socket is outside the
  // HTTP server's timeouts and closeAllConnections(), so a client that never hangs up would hold
  // it forever and keep close() from resolving.
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
