/**
 * The pretty log format and the process logger: one line per record whatever it carries, colour
 * only for a terminal, levels, JSON as pino writes it, and the manager's warnings with their error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLine } from './log-pretty.ts';
import { createLogger, managerLogger } from './log.ts';

/** A stream that keeps what it gets, as a terminal (isTTY) or not. */
function sink(isTTY = false): { write(text: string): boolean; isTTY: boolean; text: string } {
  return {
    isTTY,
    text: '',
    write(text: string) {
      this.text += text;
      return true;
    },
  };
}

const TIME = /^\d\d:\d\d:\d\d\.\d{3} /;

test('pretty: time, level, message, then key=value; strings with spaces or quotes are quoted, the same fields on every line are not shown', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5, 67).getTime(); // local time, as the line shows it
  const line = formatLine(
    JSON.stringify({
      level: 30,
      time: at,
      pid: 1,
      hostname: 'h',
      msg: 'ws session ended',
      remote: '127.0.0.1:5',
      canControl: true,
      code: 1000,
      reason: 'going away',
      origin: null,
      causes: { origin: 2 },
    }),
    { colour: false },
  );
  assert.equal(
    line,
    '03:04:05.067 INFO  ws session ended remote=127.0.0.1:5 canControl=true code=1000 reason="going away" origin=null causes={"origin":2}',
  );
  for (const [level, name] of [
    [10, 'TRACE'],
    [20, 'DEBUG'],
    [40, 'WARN '],
    [50, 'ERROR'],
    [60, 'FATAL'],
  ] as const) {
    assert.equal(formatLine(JSON.stringify({ level, time: at, msg: 'm' }), { colour: false }).slice(13, 19), `${name} `);
  }
});

test('pretty: hostile text cannot split a line or reach the terminal', () => {
  const hostile = 'a\nb\r\u001b[31mred\u009b2J\u2028"=\\';
  const line = formatLine(JSON.stringify({ level: 40, time: 0, msg: `refused ${hostile}`, origin: hostile, [`k${hostile}`]: 1 }), {
    colour: false,
  });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character must not get through
  assert.ok(!/[\n\r\u001b\u009b\u2028]/.test(line), line);
  assert.ok(line.includes('refused a\\nb\\r\\u001b[31mred\\u009b2J\\u2028"=\\'), line);
  assert.ok(line.includes('origin="a\\nb\\r\\u001b[31mred\\u009b2J\\u2028\\"=\\\\"'), line);
  // Not a record (pino never writes one, but a stream may be shared): escaped, passed on.
  assert.equal(formatLine('plain \u001b text\n', { colour: false }), 'plain \\u001b text');
});

test('pretty: an error is its type and message; the stack is left to --log-format json', () => {
  const log = sink();
  createLogger({ format: 'pretty', level: 'info', stream: log }).error({ err: new TypeError('boom') }, 'unclean stop');
  assert.match(log.text, TIME);
  assert.equal(log.text.slice(13), 'ERROR unclean stop err="TypeError: boom"\n');

  const json = sink();
  createLogger({ format: 'json', level: 'info', stream: json }).error({ err: new TypeError('boom') }, 'unclean stop');
  const record = JSON.parse(json.text) as { level: number; msg: string; err: { type: string; message: string; stack: string } };
  assert.equal(record.level, 50);
  assert.equal(record.msg, 'unclean stop');
  assert.deepEqual([record.err.type, record.err.message], ['TypeError', 'boom']);
  assert.match(record.err.stack, /^TypeError: boom\n\s+at /);
});

test('colour only on a terminal (and not with NO_COLOR)', () => {
  const tty = sink(true);
  createLogger({ format: 'pretty', level: 'info', stream: tty }).warn({ n: 1 }, 'careful');
  assert.ok(tty.text.includes('\u001b[33mWARN \u001b[0m'), JSON.stringify(tty.text));
  const file = sink(false);
  createLogger({ format: 'pretty', level: 'info', stream: file }).warn({ n: 1 }, 'careful');
  assert.ok(!file.text.includes('\u001b'), JSON.stringify(file.text));
  const saved = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  try {
    const plain = sink(true);
    createLogger({ format: 'pretty', level: 'info', stream: plain }).warn({}, 'careful');
    assert.ok(!plain.text.includes('\u001b'));
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  }
});

test('--log-level: records below it are not written; silent writes nothing', () => {
  const lines = (level: Parameters<typeof createLogger>[0]['level']): string[] => {
    const out = sink();
    const log = createLogger({ format: 'json', level, stream: out });
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    return out.text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
  };
  assert.deepEqual(lines('trace'), ['t', 'd', 'i', 'w', 'e', 'f']);
  assert.deepEqual(lines('info'), ['i', 'w', 'e', 'f']);
  assert.deepEqual(lines('warn'), ['w', 'e', 'f']);
  assert.deepEqual(lines('fatal'), ['f']);
  assert.deepEqual(lines('silent'), []);
});

test("managerLogger: the manager's warn(message, err) becomes a warn record with err; other details are kept", () => {
  const out = sink();
  const warn = managerLogger(createLogger({ format: 'json', level: 'info', stream: out }));
  warn.warn('connmgr: onConnection failed for #3', new Error('handler broke'));
  warn.warn('connmgr: plain');
  warn.warn('connmgr: odd', { x: 1 });
  const [withErr = {}, plain = {}, odd = {}] = out.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(withErr.level, 40);
  assert.equal(withErr.msg, 'connmgr: onConnection failed for #3');
  assert.equal((withErr.err as { message: string }).message, 'handler broke');
  assert.ok(!('err' in plain) && !('details' in plain));
  assert.deepEqual(odd.details, [{ x: 1 }]);
});
