/**
 * The protocol accepts every message a real server sends: a real manager (real loopback sockets)
 * behind a real bridge is driven through every event kind and every command, and each message the
 * client receives must parse — and parse to exactly what was sent (no field the schema drops) —
 * and validate against the published JSON Schema (checked by Ajv, a JSON Schema validator that
 * knows nothing of valibot), as must the body of `GET /api/snapshot`.
 */
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { protocolJsonSchema } from '../../scripts/build-schema.ts';
import { COMMAND_TYPES, EVENT_KINDS, parseServerMessage, type EventsMessage, type ReplyMessage, type StatsMessage } from './index.ts';
import { startBridge } from '../bridge/index.ts';
import { FakeLab, TestClient, listenerAddr, startManager, startTcpPeer } from '../bridge/testing.ts';
import { refusedAddr } from '../test-support.ts';

test('every message a running server sends parses, losslessly, and covers every kind and command', async (t) => {
  const peer = await startTcpPeer();
  const refused = await refusedAddr();
  const lab = new FakeLab();
  const manager = await startManager({
    maxInbound: 1,
    inboundPolicy: 'shed',
    maxFailedAttempts: 1,
    retryDelayMs: 20,
    maxRetryDelayMs: 40,
    getNewAddress: async () => refused,
  });
  const bridge = await startBridge({ manager, lab, port: 0, staticDir: '/nonexistent', batchMs: 5, statsMs: 20 });
  const client = await TestClient.connect(bridge.wsUrl);
  t.after(async () => {
    await client.close();
    await bridge.close();
    await manager.stop();
    await peer.close();
  });
  await client.hello();
  const apiSnapshot: unknown = await (await fetch(`${bridge.url}/api/snapshot`)).json();

  // conn:state through pending, established, disconnected; a persistent peer failing, then removed.
  const connected = await client.request({ type: 'connect', addr: peer.addr });
  assert.ok(connected.ok);
  const persistent = await client.request({ type: 'connect', addr: refused, persistent: true });
  assert.ok(persistent.ok && persistent.command === 'connect');
  await client.waitFor(
    (m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.kind === 'conn:state' && e.to === 'failing'),
  );
  assert.ok((await client.request({ type: 'addPersistent', addr: '127.0.0.1:1' })).ok);
  assert.ok((await client.request({ type: 'remove', connId: persistent.result.id })).ok);
  assert.ok(
    (await client.request({ type: 'disconnect', connId: connected.ok && connected.command === 'connect' ? connected.result.id : 0 })).ok,
  );
  const failed = await client.request({ type: 'connect', addr: refused });
  assert.equal(failed.ok, false);

  // inbound: one admitted, the next shed at the limit (inbound:rejected).
  const inbound = [createConnection(Number(listenerAddr(manager).split(':')[1]), '127.0.0.1')];
  await client.waitFor(
    (m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.kind === 'conn:state' && e.type === 'inbound'),
  );
  inbound.push(createConnection(Number(listenerAddr(manager).split(':')[1]), '127.0.0.1'));
  for (const s of inbound) s.on('error', () => undefined);
  await client.waitFor((m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.kind === 'inbound:rejected'));

  // config:changed, then automatic outbound to a refused address: throttled after one failure.
  assert.ok((await client.request({ type: 'setTargetOutbound', n: 1 })).ok);
  await client.waitFor((m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.kind === 'outbound:throttled'));
  assert.ok((await client.request({ type: 'setTargetOutbound', n: 0 })).ok);
  const configured = await client.request({ type: 'configure', backoff: 'exponential', maxInbound: 2 });
  assert.ok(configured.ok && configured.command === 'configure');
  assert.deepEqual(configured.result.changed, { backoff: 'exponential', maxInbound: 2 });

  // lab commands: lab:state events.
  assert.ok((await client.request({ type: 'lab.addPeer', behaviour: 'stable' })).ok);
  assert.ok((await client.request({ type: 'lab.stopPeer', peerId: 'p1' })).ok);
  const bulk = await client.request({ type: 'lab.addPeers', behaviour: 'refuse', count: 3 });
  assert.ok(bulk.ok && bulk.command === 'lab.addPeers' && bulk.result.peers.length === 3);
  const speed = await client.request({ type: 'lab.setSpeed', speed: 0.5 });
  assert.ok(speed.ok && speed.command === 'lab.setSpeed' && speed.result.speed === 0.5);
  assert.equal((await client.request({ type: 'lab.setSpeed', speed: 0.3 as never })).ok, false, 'only the offered speeds');
  const stopped = await client.request({ type: 'lab.stopPeers', behaviour: 'refuse' });
  assert.ok(stopped.ok && stopped.command === 'lab.stopPeers' && stopped.result.stopped === 3);
  assert.ok((await client.request({ type: 'lab.startFlood', connections: 5, ratePerSec: 2 })).ok);
  assert.ok((await client.request({ type: 'lab.stopFlood' })).ok);
  assert.equal((await client.request({ type: 'lab.stopPeer', peerId: 'nope' })).ok, false);
  // lessons: the state carries the running lesson (lab:state with `lesson`), then none.
  const lesson = await client.request({ type: 'lab.startLesson', name: 'duplicates' });
  assert.ok(lesson.ok && lesson.command === 'lab.startLesson' && lesson.result.step === 1);
  const stepped = await client.request({ type: 'lab.stepLesson', direction: 'next' });
  assert.ok(stepped.ok && stepped.command === 'lab.stepLesson' && stepped.result.step === 2);
  await client.waitFor(
    (m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.kind === 'lab:state' && e.state.lesson?.step === 2),
  );
  assert.ok((await client.request({ type: 'lab.stopLesson' })).ok);

  // ban score: a penalty (peer:penalized), a ban by hand and its lifting (peer:banned, peer:unbanned).
  const entry = manager.list().find((c) => c.addr === '127.0.0.1:1');
  assert.ok(entry);
  const penalized = await client.request({ type: 'penalize', connId: entry.id, transient: 5, reason: 'garbage' });
  assert.ok(penalized.ok && penalized.command === 'penalize' && penalized.result.score === 5 && !penalized.result.banned);
  const ban = await client.request({ type: 'ban', host: '192.0.2.1', durationMs: 60_000, reason: 'test' });
  assert.ok(ban.ok && ban.command === 'ban' && ban.result.host === '192.0.2.1');
  const unban = await client.request({ type: 'unban', host: '192.0.2.1' });
  assert.ok(unban.ok && unban.command === 'unban' && unban.result.unbanned);
  await client
    .waitFor((m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.kind === 'peer:unbanned'))
    .catch((err) => {
      console.log('INVALID', JSON.stringify(client.invalid).slice(0, 1500));
      throw err;
    });

  // resume (resumed), resume of another run (resynced), stats.
  assert.ok((await client.request({ type: 'resume', fromSeq: 0 })).ok);
  assert.ok((await client.request({ type: 'resume', fromSeq: 0, runId: 'another-run' })).ok);
  // history (backfill) and inspect: real replies that must parse too.
  const history = await client.request({ type: 'history', beforeSeq: 1_000_000, limit: 50 });
  assert.ok(history.ok && history.command === 'history' && history.result.events.length > 0);
  const live = manager.list()[0];
  assert.ok(live, 'the persistent entry to 127.0.0.1:1 is still there');
  const inspected = await client.request({ type: 'inspect', connId: live.id });
  assert.ok(inspected.ok && inspected.command === 'inspect' && inspected.result.id === live.id);
  await client.waitFor((m): m is StatsMessage => m.type === 'stats');
  client.sendRaw('{"v":1,"id":99,"type":"nope"}');
  await client.waitFor((m): m is ReplyMessage => m.type === 'reply' && m.id === 99);

  // listener:state (closed) and manager:state (stopping, stopped) come with the shutdown.
  for (const s of inbound) s.destroy();
  await manager.stop();
  await client.waitFor(
    (m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.kind === 'manager:state' && e.state === 'stopped'),
  );

  assert.deepEqual(client.invalid, [], 'every message parses');
  for (const raw of client.raw) {
    const parsed = parseServerMessage(raw);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.msg, JSON.parse(raw), 'the schema keeps every field the server sent');
  }
  const kinds = new Set(client.events().map((e) => e.kind));
  assert.deepEqual([...kinds].sort(), [...EVENT_KINDS].sort());
  const types = new Set(client.messages.map((m) => m.type));
  assert.deepEqual([...types].sort(), ['events', 'hello', 'reply', 'stats']);
  const okCommands = new Set(client.messages.flatMap((m) => (m.type === 'reply' && m.ok ? [m.command] : [])));
  // replaySeek succeeds on a replay server only (server/replay/replay-server.test.ts checks it there).
  assert.deepEqual([...okCommands].sort(), COMMAND_TYPES.filter((c) => c !== 'replaySeek').sort());
  const states = new Set(client.events().flatMap((e) => (e.kind === 'conn:state' ? [e.to] : [])));
  assert.deepEqual([...states].sort(), ['canceled', 'disconnected', 'established', 'failing', 'pending']);
  assert.ok(client.messages.some((m) => m.type === 'hello' && m.resync));

  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  const schema = protocolJsonSchema();
  ajv.addSchema(schema, 'protocol');
  const validate = (def: string, value: unknown): string => {
    const check = ajv.getSchema(`protocol#/$defs/${def}`)!;
    return check(value) ? 'valid' : ajv.errorsText(check.errors);
  };
  const byRoot = ajv.compile({ $ref: 'protocol' });
  for (const raw of client.raw) {
    assert.equal(byRoot(JSON.parse(raw)), true, `${raw.slice(0, 200)}: ${ajv.errorsText(byRoot.errors)}`);
  }
  assert.equal(validate('ApiSnapshot', apiSnapshot), 'valid');
  // And it is no rubber stamp: a wrong field fails.
  assert.notEqual(validate('ServerMessage', { v: 1, type: 'events', events: [{ seq: 'one', at: 0, kind: 'conn:state' }] }), 'valid');
  assert.notEqual(validate('ClientMessage', { v: 1, id: 1, type: 'connect' }), 'valid');
  assert.equal(validate('ClientMessage', { v: 1, id: 1, type: 'connect', addr: '127.0.0.1:1' }), 'valid');
});
