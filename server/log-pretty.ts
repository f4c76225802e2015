/**
 * `--log-format pretty`: pino's JSON records as one short line each,
 * `HH:MM:SS.mmm INFO  message key=value …`, written synchronously to a stream. Not pino-pretty or a
 * pino transport: those run in a worker thread (megabytes and a thread for a few lines a second).
 *
 * Every record is one line, whatever it carries: control characters in the message or in a value
 * (a hostile `Origin` header, a WebSocket close reason) are escaped, so a log line can neither be
 * split nor drive the terminal.
 */

/** pino's level numbers and the names shown for them (padded to one width). */
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields the line shows in its own way (time, level, message) or not at all (the same on every line). */
const OWN_KEYS = new Set(['time', 'level', 'msg', 'pid', 'hostname']);
/** A value printed as it is: no space, quote, `=`, backslash or control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it must find
const BARE = /^[^\s"=\\\u0000-\u001f\u007f-\u009f]+$/;
/** What JSON.stringify leaves as it is but a terminal may act on: DEL, C1 controls, line separators. */
const UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;
/** Control characters in a message (which is printed without quotes). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it must find
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export interface PrettyOptions {
  /** ANSI colours (level, dimmed time and keys): for a terminal only. */
  colour: boolean;
}

/** A writable for pino: each JSON line it gets is written to `out` as one pretty line. */
export function prettyStream(out: { write(text: string): unknown }, options: PrettyOptions): { write(line: string): void } {
  return {
    write(line: string): void {
      out.write(`${formatLine(line, options)}\n`);
    },
  };
}

/** One pino JSON line → one pretty line (without its newline). A line that is not a record is escaped and passed on. */
export function formatLine(line: string, { colour }: PrettyOptions): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return escapeControls(line.trimEnd());
  }
  if (record === null || typeof record !== 'object') return escapeControls(line.trimEnd());
  const level = typeof record.level === 'number' ? record.level : 30;
  const name = LEVEL_NAMES[level] ?? String(level).padEnd(5);
  const paint = (code: string | undefined, text: string): string => (colour && code ? `\u001b[${code}m${text}\u001b[0m` : text);
  const time = typeof record.time === 'number' ? clockTime(record.time) : '--:--:--.---';
  let text = `${paint('2', time)} ${paint(LEVEL_COLOURS[level], name)} ${escapeControls(String(record.msg ?? ''))}`;
  for (const [key, value] of Object.entries(record)) {
    if (OWN_KEYS.has(key) || value === undefined) continue;
    text += ` ${paint('2', `${escapeControls(key)}=`)}${formatValue(key, value)}`;
  }
  return text;
}

/** Local wall-clock time, `HH:MM:SS.mmm`. */
function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function formatValue(key: string, value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return BARE.test(value) ? value : quote(value);
  // pino's error serializer gives { type, message, stack }: the line shows what and why; the stack
  // is for --log-format json, where it does not break the one-line rule.
  if (key === 'err' && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    const err = value as { type?: unknown; message: string };
    return quote(`${typeof err.type === 'string' ? `${err.type}: ` : ''}${err.message}`);
  }
  return safe(JSON.stringify(value));
}

function quote(text: string): string {
  return safe(JSON.stringify(text));
}

function safe(json: string): string {
  return json.replace(UNSAFE, unicodeEscape);
}

function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : unicodeEscape(c)));
}

function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
