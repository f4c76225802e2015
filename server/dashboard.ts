/**
 * `connscope/dashboard` — the page, `/healthz`, `/metrics`, `/api/snapshot` and `/ws` for any
 * `ConnManager` in the caller's process. The manager stays the caller's: the dashboard observes it
 * and runs the commands a controlling page sends, and `close()` never stops it.
 */
import { startBridge, type BridgeSettings, type EventFeed, type StructuredLogger } from './bridge/index.ts';
import type { ConnManager } from './connmgr/index.ts';
import type { LabApi } from './protocol/index.ts';
import { defaultStaticDir } from './package-info.ts';

export type { StructuredLogger } from './bridge/index.ts';

export interface DashboardOptions {
  /** Address to bind. Anything but loopback needs `token` for control (else read-only). @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one (read it from the result). @default 8787 */
  port?: number;
  /** Control token: with one, controlling needs it on every bind (`/?token=…`). @default none */
  token?: string;
  /** Extra browser origin(s) allowed to open the WebSocket, exactly as browsers send them. @default none */
  allowOrigin?: string | readonly string[];
  /** A peer lab (or anything implementing its API) whose state the page shows and controls. */
  lab?: LabApi;
  /** Directory of the built page. @default the package's own `dist/web` */
  staticDir?: string;
  /**
   * Access lines: `info(fields, message)` when a WebSocket session ends, `warn(fields, message)`
   * for a refused upgrade (rate-limited). A pino logger fits as it is. @default none
   */
  logger?: StructuredLogger;
  /** The bridge's tuning (batching, backpressure, rate limits); see the README, "Server". */
  bridge?: Omit<BridgeSettings, 'host' | 'port' | 'token' | 'allowedOrigins' | 'staticDir'>;
}

export interface Dashboard {
  /** `http://host:port` — open it in a browser. */
  readonly url: string;
  readonly port: number;
  /** Its numbered events: give the dashboard to `publishToNats` (`connscope/fleet`) and NATS gets the same run and seqs. */
  readonly feed: EventFeed;
  /** Closes every client and the HTTP server; leaves nothing open. The manager keeps running. */
  close(): Promise<void>;
}

/**
 * Serves the dashboard for `manager`. Resolves once listening.
 * @throws TypeError for a bad option (naming it); the listen error (`EADDRINUSE`, …) otherwise.
 */
export async function serveDashboard(manager: ConnManager, options: DashboardOptions = {}): Promise<Dashboard> {
  const origins =
    options.allowOrigin === undefined ? [] : typeof options.allowOrigin === 'string' ? [options.allowOrigin] : [...options.allowOrigin];
  const bridge = await startBridge({
    ...options.bridge,
    manager,
    ...(options.lab ? { lab: options.lab } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8787,
    ...(options.token === undefined ? {} : { token: options.token }),
    allowedOrigins: origins,
    staticDir: options.staticDir ?? defaultStaticDir(),
  });
  return { url: bridge.url, port: bridge.port, feed: bridge.feed, close: () => bridge.close() };
}
