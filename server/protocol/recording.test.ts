/**
 * parseRecording refuses what it cannot replay faithfully, saying which line and why: another
 * format or protocol version, a file that is no recording, missing events, a cut-off last line.
 * The recording under test is a real one (a real manager behind a real bridge).
 */
import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import { startTcpPeer, startStack, type TcpPeer } from '../bridge/testing.ts';
import { parseRecording } from './index.ts';

let lines: string[] = [];
let stop: () => Promise<void> = async () => undefined;
let peer: TcpPeer;

before(async () => {
  peer = await startTcpPeer();
  const stack = await startStack({ statsMs: 10 });
  stop = stack.stop;
  const a = await stack.manager.connect(peer.addr);
  stack.manager.disconnect(a.id);
  await stack.manager.connect(peer.addr);
  // Two events and a stats sample at least.
  for (;;) {
    const text = await (await fetch(`${stack.bridge.url}/api/recording`)).text();
    lines = text.trimEnd().split('\n');
    if (lines.filter((l) => l.includes('"kind"')).length >= 5 && lines.some((l) => l.startsWith('{"v":1,"type":"stats"'))) break;
    await new Promise((r) => setTimeout(r, 20));
  }
});
after(async () => {
  await stop();
  await peer.close();
});

const join = (ls: string[]): string => `${ls.join('\n')}\n`;
const header = (): Record<string, unknown> => JSON.parse(lines[0]!) as Record<string, unknown>;

test('a real recording parses: header, consecutive events and stats', () => {
  const r = parseRecording(join(lines));
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(r.recording.events[0]!.seq, r.recording.header.snapshot.seq + 1);
  assert.ok(r.recording.stats.length >= 1);
});

test('another format version is refused, naming both versions and what wrote it', () => {
  const r = parseRecording(join([JSON.stringify({ ...header(), version: 2, app: 'connscope 9.0.0' }), ...lines.slice(1)]));
  assert.deepEqual(r.ok ? null : [r.line, r.message], [
    1,
    'this recording is format version 2 (written by connscope 9.0.0); this connscope reads version 1 — replay it with the version that wrote it',
  ]);
});

test('another protocol version is refused', () => {
  const r = parseRecording(join([JSON.stringify({ ...header(), protocol: 7 }), ...lines.slice(1)]));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /protocol version 7/);
});

test('a file that is not a recording says so', () => {
  for (const text of ['', 'hello\n', '{"type":"hello"}\n', '[1,2]\n']) {
    const r = parseRecording(text);
    assert.equal(r.ok, false, JSON.stringify(text));
    assert.equal(r.ok ? 0 : r.line, 1);
    assert.match(r.ok ? '' : r.message, /not a connscope recording/);
  }
});

test('a missing event is a gap at its line', () => {
  const firstEvent = lines.findIndex((l) => l.includes('"kind"'));
  const r = parseRecording(join(lines.filter((_, i) => i !== firstEvent)));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /does not follow seq \d+ \(events are missing\)/);
});

test('a cut-off last line is reported as such, an invalid event by its field', () => {
  const cut = parseRecording(`${lines.join('\n').slice(0, -5)}`);
  assert.equal(cut.ok, false);
  assert.match(cut.ok ? '' : cut.message, /last line is cut off/);
  const i = lines.findIndex((l) => l.includes('"kind":"conn:state"'));
  const bad = lines.slice();
  bad[i] = bad[i]!.replace(/"to":"[a-z]+"/, '"to":"exploded"');
  const r = parseRecording(join(bad));
  assert.deepEqual(r.ok ? null : r.line, i + 1);
  assert.match(r.ok ? '' : r.message, /invalid event/);
});
