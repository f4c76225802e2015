/**
 * The resource tracker on its own (README "Rules": rule 8): what `stop()` waits for and what
 * `openResources()` reports — timers on the manager's clock, sockets until closed, dials until
 * settled or let go after the grace.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceTracker, STOP_DIAL_GRACE_MS } from './resources.ts';
import { FakeClock, FakeSocket, settle } from './test-helpers.ts';

test('timers are counted until they fire or are cleared; release() clears the rest', async () => {
  const clock = new FakeClock();
  const r = new ResourceTracker(clock);
  let fired = 0;
  r.setTimer(() => fired++, 10);
  const cleared = r.setTimer(() => fired++, 20);
  r.setTimer(() => fired++, 30);
  assert.equal(r.counts().timers, 3);
  r.clearTimer(cleared);
  await clock.advance(10);
  assert.deepEqual([fired, r.counts().timers], [1, 1]);
  r.release();
  await clock.advance(100);
  assert.deepEqual([fired, r.counts().timers, clock.pendingTimers], [1, 0, 0]);
});

test('a dial is counted until it settles; settleDials waits for one that settles within the grace', async () => {
  const clock = new FakeClock();
  const r = new ResourceTracker(clock);
  const dial = {};
  r.dialStarted(dial);
  assert.equal(r.counts().dials, 1);
  let done = false;
  const waiting = r.settleDials(STOP_DIAL_GRACE_MS).then(() => (done = true));
  await clock.advance(STOP_DIAL_GRACE_MS / 2);
  assert.equal(done, false);
  r.dialSettled(dial);
  await settle();
  assert.equal(done, true, 'resolved as soon as the dial settled, before the grace ran out');
  await waiting;
  assert.deepEqual(r.counts(), { sockets: 0, dials: 0, timers: 0 });
});

test('settleDials lets go of a dial that never settles once the grace has passed on the clock', async () => {
  const clock = new FakeClock();
  const r = new ResourceTracker(clock);
  r.dialStarted({});
  let done = false;
  void r.settleDials(250).then(() => (done = true));
  await clock.advance(249);
  assert.equal(done, false);
  await clock.advance(1);
  assert.equal(done, true);
  assert.deepEqual(r.counts(), { sockets: 0, dials: 0, timers: 0 });
});

test('sockets are counted until closed; after release() a late one is destroyed on sight, never counted', async () => {
  const clock = new FakeClock();
  const r = new ResourceTracker(clock);
  const kept = new FakeSocket('127.0.0.1:1');
  r.track(kept.asSocket());
  r.track(kept.asSocket());
  assert.equal(r.counts().sockets, 1, 'tracked once');
  r.release();
  const late = new FakeSocket('127.0.0.1:2');
  r.discard(late.asSocket());
  assert.equal(late.destroyed, true);
  assert.equal(r.counts().sockets, 1, 'the late one is not counted');
  kept.remoteClose();
  await r.socketsClosed();
  assert.deepEqual(r.counts(), { sockets: 0, dials: 0, timers: 0 });
});

test('discard with a farewell ends the socket with the line, and cuts a peer that never reads after 1 s', async () => {
  const clock = new FakeClock();
  const r = new ResourceTracker(clock);
  const socket = new FakeSocket('127.0.0.1:3');
  r.discard(socket.asSocket(), 'bye\r\n');
  await settle();
  assert.equal(socket.bytesWritten, 5, 'the line was written');
  assert.equal(socket.destroyed, false, 'and the peer gets a moment to read it');
  assert.equal(r.counts().timers, 1, 'the cut is scheduled');
  await clock.advance(1000);
  assert.equal(socket.destroyed, true);
  await r.socketsClosed();
  assert.deepEqual(r.counts(), { sockets: 0, dials: 0, timers: 0 });
});
