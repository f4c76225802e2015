/**
 * `connscope replay`'s server on real loopback sockets, serving a recording of a real session
 * (server/bridge/recorded-session.ts): the protocol's messages with `replay`, `replaySeek` and
 * what follows from it, the read-only refusals, the HTTP routes and the live server's guards.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { Ajv } from 'ajv';
import { protocolJsonSchema } from '../../scripts/build-schema.ts';
import { recordSession, type RecordedSession } from '../bridge/recorded-session.ts';
import { TestClient, rawGet } from '../bridge/testing.ts';
import { assertHandlesBackTo, tcpHandleCount } from '../connmgr/test-helpers.ts';
import { snapshotAt, type Recording, type Snapshot, type StatsMessage } from '../protocol/index.ts';
import { loadRecording, type LoadedRecording } from './load.ts';
import { startReplayServer, type ReplayServer, type ReplayServerOptions } from './replay-server.ts';

let dir: string;
let session: RecordedSession;
let loaded: LoadedRecording;
let recording: Recording;
let first: number;
let last: number;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'connscope-replay-'));
  session = await recordSession({ stopManager: true });
  await writeFile(join(dir, 'session.ndjson'), session.text);
  loaded = await loadRecording(join(dir, 'session.ndjson'));
  recording = loaded.recording;
  first = recording.header.snapshot.seq;
  last = recording.events.at(-1)!.seq;
});
after(() => rm(dir, { recursive: true, force: true }));

// Leak accounting: every test's servers and clients are closed, and the TCP handles come back.
let baseline = 0;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  baseline = tcpHandleCount();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await assertHandlesBackTo(baseline);
});

async function serve(options: Partial<ReplayServerOptions> = {}): Promise<ReplayServer> {
  const server = await startReplayServer({ loaded, port: 0, staticDir: '/nonexistent', statsMs: 0, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function connect(url: string, options: { origin?: string } = {}): Promise<TestClient> {
  const c = await TestClient.connect(url, options);
  cleanups.push(async () => {
    assert.deepEqual(c.invalid, [], 'every message the replay server sent parses');
    await c.close();
  });
  return c;
}

async function apiSnapshot(server: ReplayServer): Promise<{ runId: string; snapshot: Snapshot; lab: unknown; replay: unknown }> {
  return (await (await fetch(`${server.url}/api/snapshot`)).json()) as never;
}

/** The published JSON Schema validates what the replay server sends too. */
function schemaCheck(def: string, value: unknown): string {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  ajv.addSchema(protocolJsonSchema(), 'protocol');
  const check = ajv.getSchema(def === '' ? 'protocol' : `protocol#/$defs/${def}`)!;
  return check(value) ? 'valid' : ajv.errorsText(check.errors);
}

test('hello, /healthz and /api/snapshot: the recording’s start, its run, and the replay range', async () => {
  const server = await serve();
  const c = await connect(server.wsUrl);
  const hello = await c.hello();
  assert.equal(hello.runId, recording.header.runId);
  assert.equal(hello.resync, false);
  assert.equal(hello.canControl, true, 'loopback without a token: control, as live');
  assert.deepEqual(hello.replay, { firstSeq: first, lastSeq: last, seq: first, file: 'session.ndjson' });
  assert.deepEqual(hello.snapshot, recording.header.snapshot);
  assert.equal(hello.lab, null);
  assert.equal(schemaCheck('', JSON.parse(c.raw[0]!)), 'valid');

  assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), {
    status: 'ok',
    mode: 'replay',
    runId: recording.header.runId,
    seq: first,
  });
  const body = await apiSnapshot(server);
  assert.deepEqual(body, {
    v: 1,
    runId: recording.header.runId,
    snapshot: recording.header.snapshot,
    lab: null,
    replay: { seq: first, firstSeq: first, lastSeq: last },
  });
  assert.equal(schemaCheck('ApiSnapshot', body), 'valid');
});

test('replaySeek moves the position: /api/snapshot is the manager’s snapshot there; clamped at both ends', async () => {
  const server = await serve();
  const c = await connect(server.wsUrl);
  await c.hello();
  const mid = first + Math.floor((last - first) / 2);
  const r = await c.request({ type: 'replaySeek', seq: mid });
  assert.deepEqual(r.ok && r.result, { seq: mid });
  assert.equal(schemaCheck('', JSON.parse(c.raw.at(-1)!)), 'valid');
  const body = await apiSnapshot(server);
  assert.deepEqual(body.replay, { seq: mid, firstSeq: first, lastSeq: last });
  assert.deepEqual(body.snapshot, snapshotAt(recording, mid));
  // What the fold knows equals what the manager itself had when it emitted event `mid`.
  const live = session.atEvent.get(mid)!;
  assert.deepEqual(
    body.snapshot.conns.map((x) => [x.id, x.state, x.attempt, x.reason]),
    live.conns.map((x) => [x.id, x.state, x.attempt, x.reason]),
  );
  assert.deepEqual(body.snapshot.listeners, live.listeners);
  assert.equal(((await (await fetch(`${server.url}/healthz`)).json()) as { seq: number }).seq, mid);

  // A client that connects now starts there.
  const late = await connect(server.wsUrl);
  assert.equal((await late.hello()).replay?.seq, mid);
  assert.deepEqual((await late.hello()).snapshot, snapshotAt(recording, mid));

  const beyond = await c.request({ type: 'replaySeek', seq: last + 1_000_000 });
  assert.deepEqual(beyond.ok && beyond.result, { seq: last });
  assert.equal((await apiSnapshot(server)).snapshot.state, 'stopped', 'the session ends with the shutdown');
  const before = await c.request({ type: 'replaySeek', seq: 0 });
  assert.deepEqual(before.ok && before.result, { seq: first });
  assert.deepEqual((await apiSnapshot(server)).snapshot, recording.header.snapshot);
});

test('the other clients follow a seek (events forward, a resync back); resume, history and inspect answer from the recording', async () => {
  const server = await serve();
  const driver = await connect(server.wsUrl);
  const watcher = await connect(server.wsUrl);
  await driver.hello();
  await watcher.hello();
  const to = first + 7;
  await driver.request({ type: 'replaySeek', seq: to });
  await watcher.waitForSeq(to);
  assert.deepEqual(watcher.events(), recording.events.slice(0, 7), 'exactly the events in between, in order');
  assert.deepEqual(
    driver.messages.filter((m) => m.type !== 'reply' && m.type !== 'hello'),
    [],
    'the client that seeks gets its reply only',
  );

  const back = first + 3;
  const from = watcher.messages.length;
  await driver.request({ type: 'replaySeek', seq: back });
  const resync = await watcher.hello(from);
  assert.equal(resync.resync, true);
  assert.equal(resync.replay?.seq, back);
  assert.deepEqual(resync.snapshot, snapshotAt(recording, back));

  // resume: the driver, still at seq `first`, catches up to the position.
  const resumed = await driver.request({ type: 'resume', fromSeq: first, runId: recording.header.runId });
  assert.deepEqual(resumed.ok && resumed.result, { mode: 'resumed', seq: back });
  assert.deepEqual(driver.events(), recording.events.slice(0, 3));
  const otherRun = await driver.request({ type: 'resume', fromSeq: back, runId: 'another-run' });
  assert.deepEqual(otherRun.ok && otherRun.result, { mode: 'resynced', seq: back });

  const history = await driver.request({ type: 'history', beforeSeq: back + 1, limit: 2 });
  assert.ok(history.ok && history.command === 'history');
  assert.deepEqual(history.result, { events: recording.events.slice(1, 3), firstSeq: first + 1 });

  await driver.request({ type: 'replaySeek', seq: Math.floor((first + last) / 2) });
  const conn = (await apiSnapshot(server)).snapshot.conns[0];
  assert.ok(conn, 'a connection at the middle of the session');
  const inspected = await driver.request({ type: 'inspect', connId: conn.id });
  assert.deepEqual(inspected.ok && inspected.result, conn);
  const missing = await driver.request({ type: 'inspect', connId: 9999 });
  assert.equal(!missing.ok && missing.error.code, 'ERR_NOT_FOUND');
});

test('manager and lab commands are refused: the server replays a recording and is read-only', async () => {
  const server = await serve();
  const c = await connect(server.wsUrl);
  await c.hello();
  for (const command of [
    { type: 'connect', addr: '127.0.0.1:1' },
    { type: 'disconnect', connId: 1 },
    { type: 'configure', backoff: 'exponential' },
    { type: 'setTargetOutbound', n: 3 },
    { type: 'lab.addPeer', behaviour: 'stable' },
    { type: 'lab.setSpeed', speed: 0 },
  ] as const) {
    const r = await c.request(command);
    assert.equal(r.ok, false, command.type);
    assert.equal(!r.ok && r.error.code, 'ERR_READ_ONLY', command.type);
    assert.match(!r.ok ? r.error.message : '', /this server replays a recording \(session\.ndjson\): it is read-only/);
  }
  const bad = await c.request({ type: 'replaySeek', seq: -3 });
  assert.equal(!bad.ok && bad.error.field, 'seq');
  assert.equal(server.position.seq, first, 'nothing moved');
});

test('with a token, moving the replay needs it (as control does live); the read-only reason says so', async () => {
  const server = await serve({ token: 'replay-secret' });
  const viewer = await connect(server.wsUrl);
  const hello = await viewer.hello();
  assert.equal(hello.canControl, false);
  assert.match(hello.readOnlyReason ?? '', /requires a control token/);
  const refused = await viewer.request({ type: 'replaySeek', seq: first + 2 });
  assert.equal(!refused.ok && refused.error.code, 'ERR_READ_ONLY');
  assert.equal(server.position.seq, first);
  const withToken = await viewer.request({ type: 'replaySeek', seq: first + 2, token: 'replay-secret' });
  assert.deepEqual(withToken.ok && withToken.result, { seq: first + 2 });
  const controller = await connect(`${server.wsUrl}?token=replay-secret`);
  assert.equal((await controller.hello()).canControl, true);
});

test('the live guards hold: a foreign Host or Origin is refused, security headers on every answer', async () => {
  const server = await serve();
  const rebound = await rawGet(server.port, '/api/snapshot', { host: `evil.example:${server.port}` });
  assert.equal(rebound.status, 403);
  await assert.rejects(TestClient.connect(server.wsUrl, { origin: 'http://evil.example' }), /HTTP 403/);
  const own = await connect(server.wsUrl, { origin: `http://localhost:${server.port}` });
  await own.hello();
  const res = await fetch(`${server.url}/api/snapshot`);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal((await fetch(`${server.url}/api/snapshot`, { method: 'POST' })).status, 405);
});

test('/api/recording sends the file back byte for byte under its name; /metrics is 404', async () => {
  const server = await serve();
  const res = await fetch(`${server.url}/api/recording`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="session.ndjson"; filename*=UTF-8''session.ndjson`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), loaded.bytes);
  const metrics = await fetch(`${server.url}/metrics`);
  assert.equal(metrics.status, 404);
  assert.match(await metrics.text(), /replays a recording/);
});

test('stats keep a link alive: the counters at the position, on the recording’s clock', async () => {
  const server = await serve({ statsMs: 10 });
  const c = await connect(server.wsUrl);
  await c.hello();
  await c.request({ type: 'replaySeek', seq: last });
  const stats = await c.waitFor((m): m is StatsMessage => m.type === 'stats' && m.seq === last);
  const at = snapshotAt(recording, last);
  assert.deepEqual(stats.stats, at.stats);
  assert.equal(stats.at, at.at);
});

test('on close every client gets 1001, and the server lets go of everything', async () => {
  const server = await startReplayServer({ loaded, port: 0, staticDir: '/nonexistent', statsMs: 0 });
  const c = await TestClient.connect(server.wsUrl);
  await c.hello();
  const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
  await server.close();
  assert.equal(await closed, 1001);
  assert.equal(server.clients(), 0);
});
