/**
 * The lab judge on its own (README "Ban score"): lines split across chunks are judged whole, only
 * lines no lab peer sends are penalized, an over-long line is penalized once and not kept, and a
 * connection already gone (the manager throws) is not an error.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { ConnInfo } from '../connmgr/index.ts';
import { GARBAGE_PENALTY, isLabLine, labJudge, MAX_LINE_BYTES } from './judge.ts';

function judged(): { feed(...chunks: Array<string | Buffer>): void; calls: Array<{ id: number; transient?: number; reason: string }> } {
  const calls: Array<{ id: number; transient?: number; reason: string }> = [];
  const socket = Object.assign(new EventEmitter(), { destroyed: false });
  labJudge(() => ({ penalize: (id, p) => calls.push({ id, ...p }) }))({ id: 7 } as ConnInfo, socket as unknown as Socket);
  const feed = (...chunks: Array<string | Buffer>): void => {
    for (const c of chunks) socket.emit('data', Buffer.from(c));
  };
  return { feed, calls };
}

test('lab lines pass; control bytes are garbage', () => {
  assert.equal(isLabLine(Buffer.from('hello from lab peer p1 (stable)')), true);
  assert.equal(isLabLine(Buffer.from('ping\r')), true);
  assert.equal(isLabLine(Buffer.from([0x00, 0xff])), false);
  assert.equal(isLabLine(Buffer.from('caf\u00e9')), false, 'non-ASCII is no lab line');
});

test('a line split over chunks is judged once, whole; each garbage line costs GARBAGE_PENALTY', () => {
  const j = judged();
  j.feed('hel', 'lo\npi', 'ng\n');
  assert.deepEqual(j.calls, []);
  j.feed(Buffer.from([0x00, 0xff]), Buffer.from([0x13, 0x0a, 0x01, 0x0a]), 'ping\n');
  assert.deepEqual(j.calls, [
    { id: 7, transient: GARBAGE_PENALTY, reason: 'garbage from peer' },
    { id: 7, transient: GARBAGE_PENALTY, reason: 'garbage from peer' },
  ]);
});

test('a line past MAX_LINE_BYTES without a newline is penalized once and dropped', () => {
  const j = judged();
  j.feed('x'.repeat(MAX_LINE_BYTES + 1));
  assert.deepEqual(
    j.calls.map((c) => c.reason),
    [`a line longer than ${MAX_LINE_BYTES} bytes`],
  );
  j.feed('ping\n');
  assert.equal(j.calls.length, 1, 'the dropped tail does not taint the next line');
});

test('a penalty for a connection already gone is ignored', () => {
  const socket = Object.assign(new EventEmitter(), { destroyed: false });
  labJudge(() => ({
    penalize: () => {
      throw new Error('ERR_NOT_FOUND');
    },
  }))({ id: 1 } as ConnInfo, socket as unknown as Socket);
  assert.doesNotThrow(() => socket.emit('data', Buffer.from([0x00, 0x0a])));
});
