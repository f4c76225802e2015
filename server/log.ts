/**
 * Logging: the process's pino logger (`--log-format`, `--log-level`), the adapter that gives the
 * manager its `Logger` on it, and a logger that coalesces repeated warnings.
 *
 * Coalescing: the first occurrence of a message goes through as it is; repeats within the window
 * are counted and reported as one line at its end ("… 990 more in the last 10 s"), and again every
 * window while they go on. A condition that recurs thousands of times a second (an address source
 * with nothing to give) then costs a line per window, not megabytes of output. Pure: the clock is
 * injected, so it is tested exactly.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import type { StructuredLogger } from './bridge/access-log.ts';
import type { Clock, Logger } from './connmgr/index.ts';
import { prettyStream } from './log-pretty.ts';

/** `--log-format`: `pretty` (one short line a record, for people) or `json` (pino's JSON lines, for machines). */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** `--log-level`: pino's levels; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The process's logger (pino's). */
export type ProcessLogger = PinoLogger;

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where the lines go. @default process.stdout (synchronous for files, pipes and terminals on Linux) */
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Colour in `pretty`. @default when the stream is a terminal and NO_COLOR is unset */
  colour?: boolean;
}

/**
 * The process's logger: pino writing to a stream in this thread (no transport, no worker). `json`
 * gives pino's own records (`level` as a number, `time` in ms since the epoch, `msg`, `pid`,
 * `hostname`, then the fields), so pino's tools read them.
 */
export function createLogger({ format, level, stream = process.stdout, colour }: LoggerOptions): ProcessLogger {
  const destination =
    format === 'json' ? stream : prettyStream(stream, { colour: colour ?? (stream.isTTY === true && !process.env.NO_COLOR) });
  return pino({ level }, destination);
}

/**
 * The manager's `Logger` (`warn(message, ...details)`) on a structured logger: an Error among the
 * details becomes the record's `err` (pino serializes it with its stack), anything else `details`.
 */
export function managerLogger(log: StructuredLogger): Logger {
  return {
    warn(message: string, ...details: unknown[]): void {
      const err = details.find((d) => d instanceof Error);
      const rest = details.filter((d) => d !== err);
      log.warn({ ...(err === undefined ? {} : { err }), ...(rest.length === 0 ? {} : { details: rest }) }, message);
    },
  };
}

/** Length of a coalescing window. */
export const COALESCE_WINDOW_MS = 10_000;
/**
 * Distinct messages tracked at once; past this, new ones are counted together, so messages that
 * differ every time (an address in them, say) cannot grow the table without bound.
 */
export const MAX_COALESCED_MESSAGES = 100;
/** The key (and summary text) of the messages counted together past MAX_COALESCED_MESSAGES. */
const OVERFLOW = 'connscope: warnings of other kinds';

export interface CoalescingLogger extends Logger {
  /** Reports every pending count now and forgets all windows (e.g. on shutdown). */
  flush(): void;
}

/** The real clock, with timers that do not keep the process alive just to print a summary. */
const unrefClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Window {
  /** Repeats since the window started. */
  repeats: number;
  timer: unknown;
}

export function coalescingLogger(
  inner: Logger,
  { windowMs = COALESCE_WINDOW_MS, clock = unrefClock }: { windowMs?: number; clock?: Clock } = {},
): CoalescingLogger {
  const windows = new Map<string, Window>();
  const seconds = `${Number((windowMs / 1000).toFixed(1))} s`;

  const summarize = (key: string, w: Window): void => {
    if (w.repeats > 0) inner.warn(`${key} (… ${w.repeats} more in the last ${seconds})`);
  };

  const open = (key: string): void => {
    const w: Window = { repeats: 0, timer: undefined };
    w.timer = clock.setTimeout(() => {
      summarize(key, w);
      // Still recurring: keep counting in a new window. Quiet for a whole window: forget it, so
      // that the next occurrence is printed in full again.
      if (w.repeats > 0) open(key);
      else windows.delete(key);
    }, windowMs);
    windows.set(key, w);
  };

  return {
    warn(message: string, ...details: unknown[]): void {
      const tracked = windows.get(message);
      if (tracked) {
        tracked.repeats += 1;
        return;
      }
      if (windows.size >= MAX_COALESCED_MESSAGES) {
        const overflow = windows.get(OVERFLOW);
        if (overflow) overflow.repeats += 1;
        else {
          open(OVERFLOW);
          windows.get(OVERFLOW)!.repeats = 1;
        }
        return;
      }
      inner.warn(message, ...details);
      open(message);
    },
    flush(): void {
      for (const [key, w] of windows) {
        clock.clearTimeout(w.timer);
        summarize(key, w);
      }
      windows.clear();
    },
  };
}
