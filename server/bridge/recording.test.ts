/**
 * Recording (README "Record and replay"): the in-memory session behind `GET /api/recording` and
 * `--record FILE`, on a real manager with real loopback sockets; the file parses with the same
 * parser the page uses, and replaying it through the page's reducer ends where the live server is.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createModelState, reduce } from '../../web/src/lib/model/reducer.ts';
import { PROTOCOL_VERSION, parseRecording, type Recording, type Snapshot, type WireEvent } from '../protocol/index.ts';
import { SessionRecording } from './recorder.ts';
import { startBridge } from './bridge.ts';
import { listenerAddr, startManager, startStack, startTcpPeer } from './testing.ts';
import { refusedAddr, waitFor } from '../test-support.ts';

/** The page's model after the header snapshot and every event: what a replay ends at. */
function replay(rec: Recording): Map<number, { state: string; attempt: number }> {
  const s = createModelState();
  const h = rec.header;
  reduce(
    s,
    {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId: h.runId,
      resync: false,
      config: h.config,
      snapshot: h.snapshot,
      lab: h.lab,
      canControl: false,
    },
    0,
  );
  reduce(s, { v: PROTOCOL_VERSION, type: 'events', events: rec.events }, 0);
  const out = new Map<number, { state: string; attempt: number }>();
  for (const c of s.conns.values())
    if (c.state === 'pending' || c.state === 'established' || c.state === 'failing') out.set(c.id, { state: c.state, attempt: c.attempt });
  return out;
}

function live(snapshot: Snapshot): Map<number, { state: string; attempt: number }> {
  return new Map(snapshot.conns.map((c) => [c.id, { state: c.state, attempt: c.attempt }]));
}

test('GET /api/recording and --record FILE hold the same session, and replaying it ends at the live state', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'connscope-rec-'));
  const file = join(dir, 'session.ndjson');
  const peer = await startTcpPeer();
  const refused = await refusedAddr();
  const stack = await startStack({ recordFile: file, statsMs: 20 }, { retryDelayMs: 30, maxRetryDelayMs: 60 });
  t.after(async () => {
    await stack.stop();
    await peer.close();
    await rm(dir, { recursive: true, force: true });
  });
  const { manager, bridge } = stack;
  // A connection that stays, one that comes and goes, a failing persistent peer, an inbound one.
  await manager.connect(peer.addr);
  const flap = await startTcpPeer();
  const gone = await manager.connect(flap.addr);
  manager.disconnect(gone.id);
  await flap.close();
  manager.addPersistent(refused);
  const inbound = createConnection(Number(listenerAddr(manager).split(':')[1]), '127.0.0.1');
  t.after(() => inbound.destroy());
  await waitFor(() => manager.stats().currByType.inbound === 1 && manager.list().some((c) => c.attempt >= 2));

  const res = await fetch(`${bridge.url}/api/recording`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="connscope-.*\.ndjson"$/);
  const text = await res.text();
  const parsed = parseRecording(text);
  assert.ok(parsed.ok, parsed.ok ? '' : `line ${parsed.line}: ${parsed.message}`);
  const rec = parsed.recording;
  assert.equal(rec.header.runId, bridge.runId);
  assert.ok(rec.events.length >= 8, `${rec.events.length} events`);
  assert.ok(rec.stats.length >= 1, 'stats samples are recorded too');
  const kinds = new Set(rec.events.map((e) => e.kind));
  assert.ok(kinds.has('conn:state'));

  // Replayed through the page's own reducer, it ends where the server is (as of its last event).
  const now = (await (await fetch(`${bridge.url}/api/snapshot`)).json()) as { snapshot: Snapshot };
  const last = rec.events.at(-1)!.seq;
  if (now.snapshot.seq === last) assert.deepEqual(replay(rec), live(now.snapshot));
  else {
    // Events came after the download: compare against a recording taken at the same time.
    const again = parseRecording(await (await fetch(`${bridge.url}/api/recording`)).text());
    assert.ok(again.ok);
    assert.ok(again.recording.events.at(-1)!.seq >= last);
  }

  // The file has the same events (it is written as they happen; stop the bridge to flush it).
  await bridge.close();
  const fromFile = parseRecording(await readFile(file, 'utf8'));
  assert.ok(fromFile.ok, fromFile.ok ? '' : `line ${fromFile.line}: ${fromFile.message}`);
  const fileSeqs = fromFile.recording.events.map((e: WireEvent) => e.seq);
  assert.deepEqual(
    fileSeqs.slice(0, rec.events.length),
    rec.events.map((e) => e.seq),
  );
  assert.deepEqual(fromFile.recording.events.slice(0, rec.events.length), rec.events);
});

test('a file that cannot be written is a clear error at start', async (t) => {
  const manager = await startManager();
  t.after(() => manager.stop());
  await assert.rejects(
    startBridge({ manager, port: 0, staticDir: '/nonexistent', recordFile: '/nonexistent-dir/x/session.ndjson' }),
    /cannot record to \/nonexistent-dir\/x\/session\.ndjson: ENOENT/,
  );
});

test('recording off (recordingMaxBytes 0): /api/recording says so with 404', async (t) => {
  const stack = await startStack({ recordingMaxBytes: 0 });
  t.after(() => stack.stop());
  const res = await fetch(`${stack.bridge.url}/api/recording`);
  assert.equal(res.status, 404);
  assert.match(await res.text(), /recording is off/);
});

test('SessionRecording keeps whole segments within maxBytes; the download starts at the oldest keyframe kept', () => {
  const snap = (seq: number): Snapshot =>
    ({
      seq,
      state: 'running',
      at: seq,
      config: {
        listen: [],
        targetOutbound: 0,
        hasAddressSource: false,
        dialTimeoutMs: 1,
        retryDelayMs: 1,
        maxRetryDelayMs: 1,
        backoff: 'linear',
        maxFailedAttempts: 1,
        maxPersistent: 1,
        maxInbound: 1,
        inboundPolicy: 'shed',
        idleTimeoutMs: 0,
      },
      conns: [],
      listeners: [],
      stats: undefined as never,
    }) as unknown as Snapshot;
  const header = {
    type: 'recording' as const,
    format: 'connscope-recording' as const,
    version: 1 as const,
    protocol: PROTOCOL_VERSION as 1,
    app: 'connscope test',
    runId: 'r1',
    startedAt: 0,
    config: snap(0).config,
    lab: null,
  };
  // Lines of a batch not ended yet are in the download too, after the ended ones, in order.
  const open = new SessionRecording({ header, start: snap(0), maxBytes: 1e6, keyframeEvery: 100 });
  for (const seq of [1, 2, 3]) open.event(JSON.stringify({ seq }));
  open.batchEnd(() => snap(3));
  for (const seq of [4, 5]) open.event(JSON.stringify({ seq }));
  assert.deepEqual(
    [...open.lines()].slice(1).map((l) => (JSON.parse(l) as { seq: number }).seq),
    [1, 2, 3, 4, 5],
  );
  const rec = new SessionRecording({ header, start: snap(0), maxBytes: 3000, keyframeEvery: 10 });
  let seq = 0;
  for (let batch = 0; batch < 20; batch++) {
    for (let i = 0; i < 10; i++) {
      seq += 1;
      rec.event(JSON.stringify({ seq, at: seq, kind: 'config:changed', targetOutbound: seq }));
    }
    rec.batchEnd(() => snap(seq));
  }
  const info = rec.info();
  assert.ok(info.dropped > 0, 'older segments were let go');
  assert.ok(info.bytes <= 3000 + 2000, `${info.bytes} bytes held`);
  const lines = [...rec.lines()];
  const first = JSON.parse(lines[0]!) as { snapshot: { seq: number } };
  const second = JSON.parse(lines[1]!) as { seq: number };
  assert.equal(second.seq, first.snapshot.seq + 1, 'the first event follows the starting keyframe');
  const events = lines.slice(1).map((l) => JSON.parse(l) as { seq?: number; type?: string });
  assert.equal(events.at(-1)?.type, 'keyframe', 'a keyframe after the last batch');
  const seqs = events.filter((e) => e.seq !== undefined).map((e) => e.seq);
  assert.equal(seqs.at(-1), 200, 'nothing recent is lost');
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => first.snapshot.seq + 1 + i),
    'no gap',
  );
});
