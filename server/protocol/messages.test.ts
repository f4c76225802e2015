import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COMMAND_TYPES,
  LESSON_NAMES,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  parseClientMessage,
  parseServerMessage,
  type CommandType,
} from './index.ts';

const base = { v: PROTOCOL_VERSION, id: 1 };

/** One valid message per command type: the table must cover them all. */
const VALID: Record<CommandType, Record<string, unknown>> = {
  connect: { ...base, type: 'connect', addr: '127.0.0.1:8333', persistent: true },
  addPersistent: { ...base, type: 'addPersistent', addr: '[::1]:8333' },
  disconnect: { ...base, type: 'disconnect', connId: 3 },
  remove: { ...base, type: 'remove', connId: 3 },
  setTargetOutbound: { ...base, type: 'setTargetOutbound', n: 0 },
  configure: { ...base, type: 'configure', backoff: 'exponential', retryDelayMs: 500 },
  'lab.addPeer': { ...base, type: 'lab.addPeer', behaviour: 'flap' },
  'lab.stopPeer': { ...base, type: 'lab.stopPeer', peerId: 'p1' },
  'lab.addPeers': { ...base, type: 'lab.addPeers', behaviour: 'refuse', count: 8 },
  'lab.stopPeers': { ...base, type: 'lab.stopPeers', behaviour: 'refuse' },
  'lab.setSpeed': { ...base, type: 'lab.setSpeed', speed: 0.25 },
  'lab.startFlood': { ...base, type: 'lab.startFlood', connections: 50, ratePerSec: 10 },
  'lab.stopFlood': { ...base, type: 'lab.stopFlood' },
  'lab.startLesson': { ...base, type: 'lab.startLesson', name: 'persistent-backoff' },
  'lab.stepLesson': { ...base, type: 'lab.stepLesson', direction: 'prev' },
  'lab.stopLesson': { ...base, type: 'lab.stopLesson' },
  resume: { ...base, type: 'resume', fromSeq: 0, runId: 'abc' },
  history: { ...base, type: 'history', beforeSeq: 10, limit: 100 },
  inspect: { ...base, type: 'inspect', connId: 3 },
  replaySeek: { ...base, type: 'replaySeek', seq: 120 },
  penalize: { ...base, type: 'penalize', connId: 3, transient: 20, reason: 'garbage' },
  ban: { ...base, type: 'ban', host: '10.0.0.9', durationMs: 60_000, reason: 'spam' },
  unban: { ...base, type: 'unban', host: '10.0.0.9' },
};

describe('parseClientMessage', () => {
  test('accepts one valid message of every command type', () => {
    assert.deepEqual(Object.keys(VALID).sort(), [...COMMAND_TYPES].sort());
    for (const [type, msg] of Object.entries(VALID)) {
      const r = parseClientMessage(JSON.stringify(msg));
      assert.ok(r.ok, `${type}: ${JSON.stringify(r)}`);
      assert.equal(r.msg.type, type);
      assert.equal(r.msg.id, 1);
    }
  });

  test('accepts string ids and a token, and ignores unknown extra fields', () => {
    const r = parseClientMessage(JSON.stringify({ v: 1, id: 'abc', type: 'lab.stopFlood', token: 't', extra: 1 }));
    assert.ok(r.ok);
    assert.deepEqual(r.msg, { v: 1, id: 'abc', type: 'lab.stopFlood', token: 't' });
  });

  // [what, message, expected field]
  const BAD: [string, unknown, string][] = [
    ['unknown type', { ...base, type: 'explode' }, 'type'],
    ['missing type', { ...base }, 'type'],
    ['type of wrong type', { ...base, type: 7 }, 'type'],
    ['missing v', { id: 1, type: 'lab.stopFlood' }, 'v'],
    ['another version', { v: 2, id: 1, type: 'lab.stopFlood' }, 'v'],
    ['missing id', { v: 1, type: 'lab.stopFlood' }, 'id'],
    ['id as an object', { v: 1, id: { a: 1 }, type: 'lab.stopFlood' }, 'id'],
    ['empty string id', { v: 1, id: '', type: 'lab.stopFlood' }, 'id'],
    ['connect without addr', { ...base, type: 'connect' }, 'addr'],
    ['connect with a numeric addr', { ...base, type: 'connect', addr: 8333 }, 'addr'],
    ['connect with an empty addr', { ...base, type: 'connect', addr: '' }, 'addr'],
    ['connect with persistent "yes"', { ...base, type: 'connect', addr: 'a:1', persistent: 'yes' }, 'persistent'],
    ['disconnect with a string connId', { ...base, type: 'disconnect', connId: '4' }, 'connId'],
    ['remove with connId 0', { ...base, type: 'remove', connId: 0 }, 'connId'],
    ['replaySeek without seq', { ...base, type: 'replaySeek' }, 'seq'],
    ['replaySeek with a negative seq', { ...base, type: 'replaySeek', seq: -1 }, 'seq'],
    ['replaySeek with a fractional seq', { ...base, type: 'replaySeek', seq: 2.5 }, 'seq'],
    ['remove with a fractional connId', { ...base, type: 'remove', connId: 1.5 }, 'connId'],
    ['setTargetOutbound below 0', { ...base, type: 'setTargetOutbound', n: -1 }, 'n'],
    ['setTargetOutbound too high', { ...base, type: 'setTargetOutbound', n: 1e6 }, 'n'],
    ['lab.addPeer with an unknown behaviour', { ...base, type: 'lab.addPeer', behaviour: 'weird' }, 'behaviour'],
    ['lab.stopPeer without peerId', { ...base, type: 'lab.stopPeer' }, 'peerId'],
    ['lab.startFlood with 0 connections', { ...base, type: 'lab.startFlood', connections: 0 }, 'connections'],
    ['lab.startFlood with a string rate', { ...base, type: 'lab.startFlood', connections: 5, ratePerSec: 'x' }, 'ratePerSec'],
    ['lab.startLesson without a name', { ...base, type: 'lab.startLesson' }, 'name'],
    ['lab.startLesson with an unknown name', { ...base, type: 'lab.startLesson', name: 'juggling' }, 'name'],
    ['lab.stepLesson with a bad direction', { ...base, type: 'lab.stepLesson', direction: 'sideways' }, 'direction'],
    ['resume from a negative seq', { ...base, type: 'resume', fromSeq: -1 }, 'fromSeq'],
    ['token of wrong type', { ...base, type: 'lab.stopFlood', token: 5 }, 'token'],
  ];
  for (const [what, msg, field] of BAD) {
    test(`rejects ${what}, naming "${field}"`, () => {
      const r = parseClientMessage(JSON.stringify(msg));
      assert.equal(r.ok, false);
      assert.equal(r.error.code, 'ERR_BAD_MESSAGE');
      assert.equal(r.error.field, field);
      assert.match(r.error.message, new RegExp(field));
    });
  }

  test('an unknown lesson name is answered with the valid names', () => {
    const r = parseClientMessage(JSON.stringify({ ...base, type: 'lab.startLesson', name: 'juggling' }));
    assert.equal(r.ok, false);
    assert.equal(r.command, 'lab.startLesson');
    for (const name of LESSON_NAMES) assert.ok(r.error.message.includes(name), `${name} in "${r.error.message}"`);
  });

  test('says "missing" for an absent field, and echoes id and command when readable', () => {
    const r = parseClientMessage(JSON.stringify({ v: 1, id: 'x9', type: 'connect' }));
    assert.equal(r.ok, false);
    assert.equal(r.error.message, 'missing field "addr"');
    assert.equal(r.id, 'x9');
    assert.equal(r.command, 'connect');
  });

  test('rejects text that is not a JSON object, without a field', () => {
    for (const raw of ['', 'not json', '{"v":1', '42', 'null', '[1,2]']) {
      const r = parseClientMessage(raw);
      assert.equal(r.ok, false, raw);
      assert.equal(r.error.code, 'ERR_BAD_MESSAGE');
      assert.equal(r.error.field, undefined, raw);
    }
  });

  test('refuses messages over MAX_MESSAGE_BYTES, counting UTF-8 bytes', () => {
    const pad = (text: string): string => JSON.stringify({ ...base, type: 'connect', addr: 'a:1', pad: text });
    const small = pad('x'.repeat(MAX_MESSAGE_BYTES - 100));
    assert.ok(parseClientMessage(small).ok);
    const big = pad('x'.repeat(MAX_MESSAGE_BYTES));
    const r = parseClientMessage(big);
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'ERR_TOO_LARGE');
    // Fewer UTF-16 units than the limit, but more bytes: the euro sign is 3 bytes in UTF-8.
    const euros = pad('€'.repeat(Math.ceil(MAX_MESSAGE_BYTES / 3)));
    assert.ok(euros.length < MAX_MESSAGE_BYTES);
    const r2 = parseClientMessage(euros);
    assert.equal(r2.ok, false);
    assert.equal(r2.error.code, 'ERR_TOO_LARGE');
  });
});

describe('parseServerMessage', () => {
  const event = { seq: 1, at: 5, kind: 'manager:state', state: 'running' };

  test('accepts an events batch and a reply', () => {
    assert.ok(parseServerMessage(JSON.stringify({ v: 1, type: 'events', events: [event] })).ok);
    assert.ok(
      parseServerMessage(
        JSON.stringify({ v: 1, type: 'reply', id: 1, ok: true, command: 'setTargetOutbound', result: { targetOutbound: 2 } }),
      ).ok,
    );
    assert.ok(
      parseServerMessage(
        JSON.stringify({ v: 1, type: 'reply', id: null, ok: false, error: { code: 'ERR_BAD_MESSAGE', message: 'x', field: 'addr' } }),
      ).ok,
    );
  });

  const BAD: [string, unknown, string][] = [
    ['an unknown type', { v: 1, type: 'gossip' }, 'type'],
    ['an event with seq 0', { v: 1, type: 'events', events: [{ ...event, seq: 0 }] }, 'events.0.seq'],
    ['an event of unknown kind', { v: 1, type: 'events', events: [event, { ...event, seq: 2, kind: 'x' }] }, 'events.1.kind'],
    [
      'a conn:state with an unknown state',
      {
        v: 1,
        type: 'events',
        events: [
          {
            seq: 1,
            at: 1,
            kind: 'conn:state',
            id: 1,
            type: 'manual',
            persistent: false,
            addr: 'a:1',
            from: null,
            to: 'zombie',
            reason: 'requested',
          },
        ],
      },
      'events.0.to',
    ],
    ['a hello without snapshot', { v: 1, type: 'hello', runId: 'r', resync: false, lab: null, canControl: true }, 'config'],
    [
      'a reply whose result does not fit its command',
      { v: 1, type: 'reply', id: 1, ok: true, command: 'setTargetOutbound', result: {} },
      'result.targetOutbound',
    ],
    ['an error reply without code', { v: 1, type: 'reply', id: 1, ok: false, error: { message: 'x' } }, 'error.code'],
  ];
  for (const [what, msg, field] of BAD) {
    test(`rejects ${what}, naming "${field}"`, () => {
      const r = parseServerMessage(JSON.stringify(msg));
      assert.equal(r.ok, false);
      assert.equal(r.error.field, field);
    });
  }
});
