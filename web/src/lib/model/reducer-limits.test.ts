/** The reducer's part of the limits: what shed, throttle and failure events leave in the model. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROTOCOL_VERSION, type ConnStats, type HelloMessage, type ServerMessage, type WireEvent } from '$protocol';
import { limitSignals, limitsView } from './limits.ts';
import { countLive } from './counts.ts';
import { createModelState, reduce, type ModelState } from './reducer.ts';
import { config, stats } from './test-fixtures.ts';

const T0 = 1_700_000_000_000;

function hello(over: { runId?: string; seq?: number; at?: number; stats?: Partial<ConnStats> } = {}): HelloMessage {
  const snapshotConfig = { ...config, maxFailedAttempts: 3 };
  return {
    v: PROTOCOL_VERSION,
    type: 'hello',
    runId: over.runId ?? 'run-a',
    resync: false,
    config: snapshotConfig,
    snapshot: {
      seq: over.seq ?? 0,
      state: 'running',
      at: over.at ?? T0,
      config: snapshotConfig,
      conns: [],
      listeners: [{ address: '127.0.0.1:8333', state: 'listening' }],
      stats: stats(over.stats),
    },
    lab: null,
    canControl: true,
  };
}

const events = (...evs: WireEvent[]): ServerMessage => ({ v: PROTOCOL_VERSION, type: 'events', events: evs });

const shed = (seq: number, at: number, reason: 'limit' | 'duplicate' = 'limit'): WireEvent => ({
  seq,
  at,
  kind: 'inbound:rejected',
  remote: `127.0.0.1:${40000 + seq}`,
  listener: '127.0.0.1:8333',
  reason,
  rule: reason === 'limit' ? 'inbound-limit-shed' : 'duplicate',
});
const throttled = (seq: number, at: number, failedAttempts = 3): WireEvent => ({
  seq,
  at,
  kind: 'outbound:throttled',
  failedAttempts,
  delayMs: 5000,
  rule: 'outage-pause',
});
const outboundUp = (seq: number, at: number, id = 1): WireEvent => ({
  seq,
  at,
  kind: 'conn:state',
  id,
  type: 'outbound',
  persistent: false,
  addr: `127.0.0.1:${9000 + id}`,
  from: 'pending',
  to: 'established',
  reason: 'dial-succeeded',
  rule: 'dial-succeeded',
});

function statsAt(at: number, seq: number, over: Partial<ConnStats>): ServerMessage {
  return {
    v: PROTOCOL_VERSION,
    type: 'stats',
    at,
    seq,
    stats: stats(over),
    bridge: { clients: 1, behindClients: 0, eventsTotal: seq, eventsSent: seq, droppedClients: 0, resyncs: 0 },
  };
}

function started(over: Parameters<typeof hello>[0] = {}): ModelState {
  const s = createModelState();
  reduce(s, hello(over), T0);
  return s;
}

/** The throttle as the page shows it at `now`. */
function throttleAt(s: ModelState, now: number) {
  const sig = limitSignals({ ...s, listeners: s.listeners.values() }, countLive(s.conns.values()));
  return limitsView(sig, now).throttle;
}

describe('reducer: limits', () => {
  test('sheds at the limit are counted with rate-limited pulses; other rejections are not sheds', () => {
    const s = started();
    reduce(s, events(shed(1, T0), shed(2, T0 + 10), shed(3, T0 + 20, 'duplicate'), shed(4, T0 + 500)), T0 + 600);
    assert.equal(s.shed.seen, 3);
    assert.equal(s.shed.pulses, 2);
    assert.equal(s.shed.lastAt, T0 + 500);
  });

  test('a throttle event: throttled with a countdown, and the failures it names', () => {
    const s = started();
    reduce(s, events(throttled(1, T0 + 100)), T0 + 100);
    assert.deepEqual(s.failures, { count: 3, at: T0 + 100 });
    assert.deepEqual(throttleAt(s, T0 + 1100), { until: T0 + 5100, secondsLeft: 4, failedAttempts: 3, maxFailedAttempts: 3 });
  });

  test('a successful automatic dial ends the throttle at once (before the next stats)', () => {
    const s = started();
    reduce(s, events(throttled(1, T0 + 100), outboundUp(2, T0 + 200)), T0 + 200);
    assert.equal(s.throttle, null);
    assert.deepEqual(s.failures, { count: 0, at: T0 + 200 });
    assert.equal(throttleAt(s, T0 + 300), null);
    // Stats read before that dial do not bring it back.
    reduce(s, statsAt(T0 + 150, 2, { consecutiveFailedAttempts: 3 }), T0 + 300);
    assert.equal(throttleAt(s, T0 + 300), null);
  });

  test('newer stats end a throttle too, and older stats do not undo a newer event', () => {
    const s = started();
    reduce(s, events(throttled(1, T0 + 100)), T0 + 100);
    reduce(s, statsAt(T0 + 50, 1, { consecutiveFailedAttempts: 2 }), T0 + 120);
    assert.equal(s.failures?.count, 3);
    reduce(s, statsAt(T0 + 1000, 1, { consecutiveFailedAttempts: 0 }), T0 + 1000);
    assert.equal(throttleAt(s, T0 + 1000), null);
  });

  test('a page opened while throttled: throttled from the snapshot, the countdown from the backfilled event', () => {
    const s = started({ seq: 5, at: T0 + 1000, stats: { consecutiveFailedAttempts: 4 } });
    assert.deepEqual(throttleAt(s, T0 + 1000), { until: null, secondsLeft: null, failedAttempts: 4, maxFailedAttempts: 3 });
    const history: ServerMessage = {
      v: PROTOCOL_VERSION,
      type: 'reply',
      id: 'h1',
      ok: true,
      command: 'history',
      result: { events: [outboundUp(1, T0 + 10), throttled(2, T0 + 20), throttled(3, T0 + 800, 4)], firstSeq: 1 },
    };
    reduce(s, history, T0 + 1000);
    assert.deepEqual(throttleAt(s, T0 + 1000), { until: T0 + 5800, secondsLeft: 5, failedAttempts: 4, maxFailedAttempts: 3 });
  });

  test('a backfill whose last word is a successful automatic dial restores no throttle', () => {
    const s = started({ seq: 3, at: T0 + 1000 });
    reduce(
      s,
      {
        v: PROTOCOL_VERSION,
        type: 'reply',
        id: 'h1',
        ok: true,
        command: 'history',
        result: { events: [throttled(1, T0 + 20), outboundUp(2, T0 + 30)], firstSeq: 1 },
      },
      T0 + 1000,
    );
    assert.equal(s.throttle, null);
  });

  test('a server restart forgets sheds, throttle and failures', () => {
    const s = started();
    reduce(s, events(shed(1, T0), throttled(2, T0)), T0);
    reduce(s, hello({ runId: 'run-b', seq: 0, at: T0 + 2000 }), T0 + 2000);
    assert.equal(s.shed.seen, 0);
    assert.equal(s.throttle, null);
    assert.deepEqual(s.failures, { count: 0, at: T0 + 2000 });
  });
});
