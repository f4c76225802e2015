/**
 * Access lines: one `info` record per WebSocket session when it ends, one `warn` record per
 * refused upgrade. Refused upgrades are what a hostile flood produces, so their lines are limited
 * to REFUSED_LINES_PER_WINDOW per REFUSED_WINDOW_MS; the rest are counted and summed up in one
 * line at the end of the window.
 */
import type { Clock } from '../connmgr/index.ts';

/**
 * Where the bridge logs: pino's `logger.info(fields, message)` shape, so a pino logger (or any
 * logger with these two methods) can be passed as it is.
 */
export interface StructuredLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** The default: the bridge logs nothing unless given a logger. */
export const SILENT_LOGGER: StructuredLogger = { info: () => undefined, warn: () => undefined };

/** Longest header value (Origin, Host, request target, close reason) copied into a log line. */
export const MAX_LOGGED_VALUE_CHARS = 200;
/** Refused-upgrade lines logged per window; further ones are only counted. */
export const REFUSED_LINES_PER_WINDOW = 10;
/** The window of that limit. */
export const REFUSED_WINDOW_MS = 1000;

/** `value` cut to MAX_LOGGED_VALUE_CHARS, saying how long it was. */
export function truncateValue(value: string): string {
  if (value.length <= MAX_LOGGED_VALUE_CHARS) return value;
  return `${value.slice(0, MAX_LOGGED_VALUE_CHARS)}… (${value.length} chars)`;
}

/** `host:port` of a socket's peer (IPv6 in brackets), as the rest of connscope writes addresses. */
export function remoteOf(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  const host = socket.remoteAddress ?? 'unknown';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
}

/** What a WebSocket session's access line reports. */
export interface SessionFacts {
  readonly remote: string | undefined;
  readonly origin: string | undefined;
  readonly canControl: boolean;
  readonly durationMs: number;
  readonly framesReceived: number;
  readonly messagesSent: number;
  /** The close code (1006 when there was none), its reason, and why the server cut it off, if it did. */
  readonly code: number | undefined;
  readonly reason: string;
  readonly dropped: string | undefined;
}

/** The `info` line "ws session ended", with long values cut. */
export function logSessionEnded(logger: StructuredLogger, s: SessionFacts): void {
  logger.info(
    {
      remote: s.remote,
      ...(s.origin === undefined ? {} : { origin: truncateValue(s.origin) }),
      canControl: s.canControl,
      durationMs: Math.round(s.durationMs),
      framesReceived: s.framesReceived,
      messagesSent: s.messagesSent,
      code: s.code ?? 1006,
      reason: truncateValue(s.reason),
      ...(s.dropped === undefined ? {} : { dropped: s.dropped }),
    },
    'ws session ended',
  );
}

/** Why an upgrade was refused, as the access line says it (`header-too-long` is counted under its header's cause in /metrics). */
export type RefusalCause = 'origin' | 'host' | 'path' | 'max-clients' | 'header-too-long';

export interface RefusedUpgrade {
  cause: RefusalCause;
  status: number;
  remote: string;
  /** The offending value under its own name (the request target, the Host or Origin header); truncated when logged. */
  path?: string;
  host?: string;
  origin?: string;
}

/** The real clock, with a timer that never keeps the process alive just to print a summary. */
const unrefClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The refused-upgrade lines with their rate limit (fixed windows: the first refusal opens one).
 * The clock is injected, so the limit is tested exactly.
 */
export class RefusedUpgradeLog {
  readonly #logger: StructuredLogger;
  readonly #clock: Clock;
  #timer: unknown;
  #logged = 0;
  #suppressed = 0;
  #suppressedByCause: Partial<Record<RefusalCause, number>> = {};

  constructor(logger: StructuredLogger, clock: Clock = unrefClock) {
    this.#logger = logger;
    this.#clock = clock;
  }

  refused(r: RefusedUpgrade): void {
    if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(() => this.#endWindow(), REFUSED_WINDOW_MS);
    if (this.#logged < REFUSED_LINES_PER_WINDOW) {
      this.#logged += 1;
      const fields: RefusedUpgrade = { cause: r.cause, status: r.status, remote: r.remote };
      if (r.path !== undefined) fields.path = truncateValue(r.path);
      if (r.host !== undefined) fields.host = truncateValue(r.host);
      if (r.origin !== undefined) fields.origin = truncateValue(r.origin);
      this.#logger.warn(fields, 'ws upgrade refused');
      return;
    }
    this.#suppressed += 1;
    this.#suppressedByCause[r.cause] = (this.#suppressedByCause[r.cause] ?? 0) + 1;
  }

  /** Writes the pending summary, if any, and stops the timer (bridge close). */
  close(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#endWindow();
  }

  #endWindow(): void {
    this.#timer = undefined;
    if (this.#suppressed > 0) {
      this.#logger.warn(
        { suppressed: this.#suppressed, causes: this.#suppressedByCause },
        `… ${this.#suppressed} more refused upgrades in the last ${REFUSED_WINDOW_MS / 1000} s`,
      );
    }
    this.#logged = 0;
    this.#suppressed = 0;
    this.#suppressedByCause = {};
  }
}
