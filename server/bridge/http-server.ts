/**
 * The HTTP side every connscope server shares — the live bridge and `connscope replay`: one
 * node:http server with the request timeouts, the security headers on every response, the
 * `Host`/`Origin` guards and header-length limit (README "Security"), GET/HEAD only, the page's
 * static files, and the WebSocket upgrade at `/ws` (same `ws` options, max-clients, refused
 * upgrades counted and logged). What differs between the two servers is passed in: the API routes
 * and who takes an accepted WebSocket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../protocol/index.ts';
import { MAX_HOST_HEADER_CHARS, isHostAllowed, isOriginAllowed, urlHost, type OriginPolicy } from './access.ts';
import { RefusedUpgradeLog, remoteOf, type StructuredLogger } from './access-log.ts';
import type { UpgradeRefusal } from './metrics.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { sendText, serveStatic } from './static-files.ts';

/** Who opened a WebSocket, for its access line. */
export interface ClientOrigin {
  /** `host:port` of the peer. */
  readonly remote?: string;
  /** The `Origin` header, if a browser sent one. */
  readonly origin?: string | undefined;
  /** The upgrade URL's query (the fleet dashboard reads `node` from it). */
  readonly params?: URLSearchParams;
}

/** An API route: answers a GET/HEAD that passed the guards. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface GuardedServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly allowedOrigins: readonly string[];
  readonly maxClients: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly staticDir: string;
  readonly logger: StructuredLogger;
  /** Routes by exact path (`/healthz`, `/api/snapshot`, …); other `/api/…` paths get 404, the rest the page. */
  readonly routes: Readonly<Record<string, Route>>;
  /** WebSocket clients open now (an upgrade past `maxClients` gets 503). */
  clients(): number;
  /** Counts an upgrade refused before a client was attached (for `/metrics`). */
  countRefusedUpgrade(cause: UpgradeRefusal): void;
  /** Takes an accepted WebSocket, with the `?token=` it presented. */
  attach(ws: WebSocket, token: string | null, from: ClientOrigin): void;
}

export interface GuardedServer {
  /** `http://host:port` (a wildcard bind is given as 127.0.0.1). */
  readonly url: string;
  /** `ws://host:port/ws`. */
  readonly wsUrl: string;
  readonly port: number;
  /** Closes the WebSocket server and the HTTP server, cutting open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts listening; resolves once bound. Rejects with the listen error (`EADDRINUSE`, …), having
 * closed what it opened. The caller closes its WebSocket clients before `close()`.
 */
export async function listenGuarded(o: GuardedServerOptions): Promise<GuardedServer> {
  const refusals = new RefusedUpgradeLog(o.logger);
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
    const route = Object.hasOwn(o.routes, url.pathname) ? o.routes[url.pathname] : undefined;
    if (route) return route(req, res);
    if (url.pathname === '/ws') {
      return sendText(res, 426, 'this is the WebSocket endpoint: connect with a WebSocket client', { upgrade: 'websocket' });
    }
    if (url.pathname.startsWith('/api/')) return sendText(res, 404, `no API route ${url.pathname}`);
    return serveStatic(o.staticDir, req, res, url.pathname);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    /**
     * Counts, logs and answers a refused upgrade. The line carries what was refused: the request
     * target (`path`), the `host` or `origin` header (also the Origin of a client over max-clients).
     */
    const refuse = (cause: UpgradeRefusal, status: number, statusText: string, body: string, tooLong = false): void => {
      o.countRefusedUpgrade(cause);
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
    // ws completes a handshake synchronously (there is no verifyClient), so the count already
    // includes every upgrade accepted before this one.
    if (o.clients() >= o.maxClients) {
      return refuse(
        'max-clients',
        503,
        'Service Unavailable',
        `too many clients: this server takes at most ${o.maxClients} WebSocket clients at once (maxClients, --max-clients); try again later`,
      );
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      o.attach(ws, url.searchParams.get('token'), { remote: remoteOf(req.socket), origin: req.headers.origin, params: url.searchParams }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      refusals.close();
      wss.close();
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
    close() {
      closing ??= (async () => {
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

/** A 200 JSON answer that no cache keeps. */
export function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
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
