/**
 * `startReplayServer`: serves a recording read-only (README "Record and replay") — the same page,
 * the same guards and the same protocol as the live bridge, with the manager replaced by the
 * recording at a position that `replaySeek` moves:
 *
 *   GET /healthz        { status: 'ok', mode: 'replay', runId, seq }
 *   GET /api/snapshot   { v, runId, snapshot, lab, replay: { seq, firstSeq, lastSeq } } at the position
 *   GET /api/recording  the file as loaded (application/x-ndjson, with its file name)
 *   GET /metrics        404: there is no manager to measure (the recording has its own `stats`)
 *   /ws                 replay-hub.ts
 *   anything else       the page, as live
 */
import type { ServerResponse } from 'node:http';
import * as v from 'valibot';
import { PROTOCOL_VERSION, type ApiSnapshot } from '../protocol/index.ts';
import { SILENT_LOGGER, type StructuredLogger } from '../bridge/access-log.ts';
import { BridgeSettingsSchema, type BridgeSettings } from '../bridge/bridge.ts';
import { listenGuarded, sendJson } from '../bridge/http-server.ts';
import { sendText } from '../bridge/static-files.ts';
import type { LoadedRecording } from './load.ts';
import { ReplayPosition } from './position.ts';
import { ReplayHub } from './replay-hub.ts';

/** The live bridge's HTTP and WebSocket settings, with the same defaults (see bridge.ts). */
export type ReplaySettings = Pick<
  BridgeSettings,
  | 'host'
  | 'port'
  | 'token'
  | 'allowedOrigins'
  | 'maxClients'
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'staticDir'
  | 'batchMax'
  | 'statsMs'
  | 'highWaterBytes'
  | 'hardLimitBytes'
  | 'heartbeatMs'
  | 'rateLimit'
>;

export interface ReplayServerOptions extends ReplaySettings {
  /** The recording, as `loadRecording` read it. */
  loaded: LoadedRecording;
  /** Access lines, as the live bridge writes them. @default none */
  logger?: StructuredLogger;
}

export interface ReplayServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly runId: string;
  /** The replay position (`replaySeek` moves it). */
  readonly position: ReplayPosition;
  /** WebSocket clients open now. */
  clients(): number;
  /** Closes every client (1001) and the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts serving `loaded` at its start. Resolves once listening.
 * @throws TypeError for an invalid option (naming it); the listen error otherwise.
 */
export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const parsed = v.safeParse(BridgeSettingsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new TypeError(`option ${v.getDotPath(issue) ?? ''}: ${issue.message}`);
  }
  const o = parsed.output;
  const { loaded } = options;
  const logger = options.logger ?? SILENT_LOGGER;
  const position = new ReplayPosition(loaded.recording);
  const hub = new ReplayHub({
    position,
    file: loaded.file,
    control: { host: o.host, token: o.token },
    statsMs: o.statsMs,
    heartbeatMs: o.heartbeatMs,
    highWaterBytes: o.highWaterBytes,
    hardLimitBytes: o.hardLimitBytes,
    batchMax: o.batchMax,
    rateLimit: o.rateLimit,
    logger,
  });
  const apiSnapshot = (): ApiSnapshot & { replay: { seq: number; firstSeq: number; lastSeq: number } } => ({
    v: PROTOCOL_VERSION,
    runId: hub.runId,
    snapshot: position.snapshot(),
    lab: position.lab(),
    replay: { seq: position.seq, firstSeq: position.firstSeq, lastSeq: position.lastSeq },
  });
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
        '/healthz': (_req, res) => sendJson(res, { status: 'ok', mode: 'replay', runId: hub.runId, seq: position.seq }),
        '/api/snapshot': (_req, res) => sendJson(res, apiSnapshot()),
        '/api/recording': (_req, res) => sendFile(res, loaded),
        '/metrics': (_req, res) =>
          sendText(res, 404, 'no metrics: this server replays a recording (its counters are in /api/snapshot and the stats messages)'),
      },
      clients: () => hub.clients,
      countRefusedUpgrade: (cause) => hub.countRefusedUpgrade(cause),
      attach: (ws, token, from) => hub.attach(ws, token, from),
    });
  } catch (err) {
    hub.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    wsUrl: http.wsUrl,
    port: http.port,
    runId: hub.runId,
    position,
    clients: () => hub.clients,
    close() {
      closing ??= (async () => {
        hub.close();
        await http.close();
      })();
      return closing;
    },
  };
}

/** `GET /api/recording`: the file's bytes as loaded, under its own name. */
function sendFile(res: ServerResponse, loaded: LoadedRecording): void {
  // The plain name in ASCII (quotes, backslashes and anything outside printable ASCII would break
  // or be refused in a header), and the exact one in RFC 5987 form for browsers that read it.
  const ascii = loaded.file.replace(/[^\x20-\x7e]|["\\]/g, '_');
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(loaded.file)}`,
    'content-length': String(loaded.bytes.length),
    'cache-control': 'no-store',
  });
  res.end(loaded.bytes);
}

/** Percent-encodes a value for an RFC 5987 `filename*` (encodeURIComponent leaves ' ( ) * as they are). */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
