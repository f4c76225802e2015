import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageMs, connectResultText, explainState, retryInMs, showsSchedule } from './conn-text.ts';
import type { ConnView } from './types.ts';

const T = 1_700_000_000_000;

function conn(over: Partial<ConnView> = {}): ConnView {
  return {
    id: 12,
    type: 'manual',
    persistent: true,
    addr: '127.0.0.1:9001',
    localAddr: null,
    state: 'established',
    attempt: 0,
    createdAt: T,
    bytesIn: 0,
    bytesOut: 0,
    lastActivityAt: T,
    history: [],
    ...over,
  };
}

test('age runs while live and stops at the end', () => {
  assert.equal(ageMs(conn(), T + 5000), 5000);
  assert.equal(ageMs(conn(), T + 9000), 9000);
  const ended = conn({ state: 'disconnected', endedAt: T + 4000 });
  assert.equal(ageMs(ended, T + 5000), 4000);
  assert.equal(ageMs(ended, T + 60_000), 4000, 'an ended connection does not grow older');
});

test('the backoff schedule applies to live persistent or failing connections only', () => {
  assert.equal(showsSchedule(conn()), true);
  assert.equal(showsSchedule(conn({ persistent: false, type: 'outbound', state: 'failing' })), true);
  assert.equal(showsSchedule(conn({ persistent: false, type: 'outbound' })), false);
  // A removed persistent peer is never retried again: no "Wait before the next retries".
  assert.equal(showsSchedule(conn({ state: 'disconnected', reason: 'local-remove' })), false);
  assert.equal(showsSchedule(conn({ state: 'canceled', reason: 'local-remove' })), false);
});

test('retry countdown and explanation follow the model clock', () => {
  const failing = conn({ state: 'failing', attempt: 2, retryAt: T + 3000, reason: 'dial-refused' });
  assert.equal(retryInMs(failing, T + 1000), 2000);
  assert.equal(retryInMs(conn(), T), null);
  assert.equal(explainState(failing, T + 1000), 'Retry 2 of a persistent peer: next try in 2.0 s (dial-refused).');
  assert.equal(explainState(failing, T + 4000), 'Retry 2 of a persistent peer: next try now (dial-refused).');
});

test('the Connect line follows the connection, not the moment of the reply', () => {
  const asked = { id: 12, addr: '127.0.0.1:9001', persistent: true };
  assert.equal(connectResultText(asked, conn({ state: 'pending' }), T), 'Added persistent peer #12 (127.0.0.1:9001): pending');
  assert.equal(
    connectResultText(asked, conn({ state: 'failing', attempt: 2, retryAt: T + 3000, reason: 'dial-refused' }), T),
    'Added persistent peer #12 (127.0.0.1:9001): failing (dial-refused), retry 2 in 3.0 s',
  );
  assert.equal(
    connectResultText(asked, conn({ state: 'pending', attempt: 2 }), T),
    'Added persistent peer #12 (127.0.0.1:9001): pending (attempt 3)',
  );
  const oneShot = { id: 7, addr: '127.0.0.1:9002', persistent: false };
  assert.equal(connectResultText(oneShot, conn({ id: 7, persistent: false }), T), 'Connected #7 to 127.0.0.1:9002: established');
  assert.equal(
    connectResultText(oneShot, conn({ id: 7, persistent: false, state: 'disconnected', reason: 'remote-closed' }), T),
    'Connected #7 to 127.0.0.1:9002: disconnected (remote-closed)',
  );
  assert.equal(connectResultText(oneShot, undefined, T), 'Connected #7 to 127.0.0.1:9002: no longer tracked');
});
