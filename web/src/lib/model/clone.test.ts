import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_VERSION, type WireEvent } from '$protocol';
import { cloneModelState } from './clone.ts';
import { createModelState, reduce } from './reducer.ts';
import { config, stats } from './test-fixtures.ts';

const T0 = 1_700_000_000_000;

test('a cloned model is not changed by what the reducer does to the original afterwards', () => {
  const s = createModelState();
  reduce(
    s,
    {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId: 'r',
      resync: false,
      config,
      snapshot: { seq: 0, state: 'running', at: T0, config, conns: [], listeners: [], stats: stats() },
      lab: null,
      canControl: false,
    },
    T0,
  );
  const ev = (seq: number, from: 'pending' | null, to: 'pending' | 'established'): WireEvent => ({
    seq,
    at: T0 + seq,
    kind: 'conn:state',
    id: 1,
    type: 'outbound',
    persistent: false,
    addr: '127.0.0.1:9001',
    from,
    to,
    reason: from === null ? 'requested' : 'dial-succeeded',
    rule: from === null ? 'outbound-fill' : 'dial-succeeded',
  });
  reduce(s, { v: PROTOCOL_VERSION, type: 'events', events: [ev(1, null, 'pending')] }, T0 + 1);
  const copy = cloneModelState(s);
  reduce(s, { v: PROTOCOL_VERSION, type: 'events', events: [ev(2, 'pending', 'established')] }, T0 + 2);
  assert.equal(s.conns.get(1)?.state, 'established');
  assert.equal(copy.conns.get(1)?.state, 'pending');
  assert.equal(copy.conns.get(1)?.history.length, 1);
  assert.equal(copy.log.size, 1);
  assert.equal(s.log.size, 2);
  assert.equal(copy.lastSeq, 1);
  assert.deepEqual([...(copy.addrs.byAddr.get('127.0.0.1:9001')?.live ?? [])], [1]);
  // And the copy goes on as the original would.
  reduce(copy, { v: PROTOCOL_VERSION, type: 'events', events: [ev(2, 'pending', 'established')] }, T0 + 2);
  assert.equal(copy.conns.get(1)?.state, 'established');
  assert.equal(copy.log.size, 2);
});
