import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WireEvent } from '$protocol';
import type { ConnView } from '../model/types.ts';
import { readUrlState, writeUrlState } from '../url-state.ts';
import { closest, connMatcher, eventMatcher, parseFilter } from './filter.ts';

function conn(over: Partial<ConnView>): ConnView {
  return {
    id: 1,
    type: 'outbound',
    persistent: false,
    addr: '127.0.0.1:9001',
    localAddr: null,
    state: 'established',
    attempt: 0,
    createdAt: 0,
    bytesIn: 0,
    bytesOut: 0,
    lastActivityAt: 0,
    history: [],
    ...over,
  };
}

const conns: ConnView[] = [
  conn({ id: 1 }),
  conn({ id: 2, type: 'inbound', addr: '127.0.0.1:51000', state: 'established', reason: 'accepted' }),
  conn({ id: 3, state: 'failing', reason: 'dial-refused', addr: '127.0.0.1:9003', persistent: true, type: 'manual' }),
  conn({ id: 12, state: 'pending', addr: 'Example.org:8333' }),
  conn({ id: 13, state: 'canceled', reason: 'aborted', addr: '[::1]:8333' }),
];

describe('parseFilter', () => {
  const table: [string, string][] = [
    ['', ''],
    ['   ', ''],
    ['state:failing', 'state=failing'],
    ['STATE:Failing', 'state=failing'],
    ['-state:established', '-state=established'],
    ['kind:conn:state', 'kind=conn:state'],
    ['addr:127.0.0.1:9001', 'addr=127.0.0.1:9001'],
    ['127.0.0.1', 'text=127.0.0.1'],
    ['localhost:9001', 'text=localhost:9001'],
    ['example.org:8333', 'text=example.org:8333'],
    ['10.0.0.2:8333', 'text=10.0.0.2:8333'],
    ['[::1]:8333', 'text=[::1]:8333'],
    ['#12', 'id=12'],
    ['id:#7', 'id=7'],
    ['persistent:yes', 'persistent=true'],
    ['persistent:false', 'persistent=false'],
    ['type:inbound reason:dial-refused', 'type=inbound reason=dial-refused'],
    ['state:paused', 'state=paused'],
    ['reason:limit', 'reason=limit'],
    ['-', ''],
  ];
  for (const [input, want] of table) {
    test(JSON.stringify(input), () => {
      const f = parseFilter(input);
      assert.deepEqual(f.errors, []);
      assert.equal(f.terms.map((t) => `${t.negated ? '-' : ''}${t.key}=${t.value}`).join(' '), want);
    });
  }

  const errors: [string, string][] = [
    ['stat:failing', 'unknown key "stat" — did you mean state?'],
    ['tpye:inbound', 'unknown key "tpye" — did you mean type?'],
    ['zzzzzz:q', 'unknown key "zzzzzz" — use one of type, state, reason, addr, id, persistent, kind'],
    ['state:establishd', 'unknown state "establishd" — did you mean established?'],
    ['state:', '"state:" needs a value'],
    ['id:abc', 'id must be a connection number, like id:12 (got "abc")'],
    ['id:0', 'id must be a connection number, like id:12 (got "0")'],
    ['persistent:maybe', 'persistent must be true or false (got "maybe")'],
    ['kind:conn', 'unknown kind "conn" — did you mean conn:state?'],
    ['type:outbnd', 'unknown type "outbnd" — did you mean outbound?'],
    // A word and a number is a key and a value unless the word looks like a host name.
    ['bogus:1', 'unknown key "bogus" — use one of type, state, reason, addr, id, persistent, kind (an address? write addr:bogus:1)'],
    ['stat:1', 'unknown key "stat" — did you mean state?'],
    ['idd:12', 'unknown key "idd" — did you mean id?'],
    ['kind:lab:state', 'lab:state is not a log row: the Lab panel shows the lab as it is now'],
  ];
  for (const [input, message] of errors) {
    test(`error: ${input}`, () => {
      const f = parseFilter(`${input} state:failing`);
      assert.deepEqual(f.errors, [{ term: input, message }]);
      assert.equal(f.terms.length, 1, 'the valid terms still apply');
    });
  }
});

describe('connMatcher', () => {
  const table: [string, number[]][] = [
    ['', [1, 2, 3, 12, 13]],
    ['state:failing', [3]],
    ['state:pending state:failing', [3, 12]],
    ['-state:established', [3, 12, 13]],
    ['-state:established -state:canceled', [3, 12]],
    ['type:outbound -state:established', [12, 13]],
    ['type:inbound state:established', [2]],
    ['reason:dial-refused', [3]],
    ['persistent:true', [3]],
    ['persistent:false type:manual', []],
    ['id:12', [12]],
    ['id:1 id:2', [1, 2]],
    ['#13', [13]],
    ['addr:127.0.0.1:9001', [1]],
    ['addr:127.0.0.1:900', []],
    ['addr:127.0.0.1', [1, 2, 3]],
    ['addr:example.org', [12]],
    ['addr:EXAMPLE.org:8333', [12]],
    ['addr:[::1]', [13]],
    ['addr:[::1]:8333', [13]],
    ['9003', [3]],
    ['example.org', [12]],
    ['127.0.0.1 -9001', [2, 3]],
    ['[::1]', [13]],
    ['kind:inbound:rejected', [1, 2, 3, 12, 13]],
    ['stat:failing', [1, 2, 3, 12, 13]],
  ];
  for (const [input, want] of table) {
    test(JSON.stringify(input), () => {
      const m = connMatcher(parseFilter(input));
      assert.deepEqual(
        conns.filter(m).map((c) => c.id),
        want,
      );
    });
  }
});

describe('eventMatcher', () => {
  const evs: WireEvent[] = [
    {
      seq: 1,
      at: 0,
      kind: 'conn:state',
      id: 3,
      type: 'manual',
      persistent: true,
      addr: '127.0.0.1:9003',
      from: 'pending',
      to: 'failing',
      reason: 'dial-refused',
      attempt: 1,
      retryAt: 5000,
      rule: 'persistent-backoff',
    },
    {
      seq: 2,
      at: 0,
      kind: 'inbound:rejected',
      remote: '127.0.0.1:40000',
      listener: '127.0.0.1:8333',
      reason: 'limit',
      rule: 'inbound-limit-shed',
    },
    { seq: 3, at: 0, kind: 'listener:state', address: '127.0.0.1:8333', state: 'paused', reason: 'limit' },
    { seq: 4, at: 0, kind: 'outbound:throttled', failedAttempts: 25, delayMs: 5000, rule: 'outage-pause' },
    { seq: 5, at: 0, kind: 'manager:state', state: 'running' },
    { seq: 6, at: 0, kind: 'config:changed', targetOutbound: 3 },
    {
      seq: 7,
      at: 0,
      kind: 'lab:state',
      state: {
        enabled: true,
        seed: 7,
        peers: [{ peerId: 'p1', behaviour: 'stable', addr: '127.0.0.1:9003', state: 'running', accepted: 1 }],
        flood: { active: false, connections: 0, ratePerSec: 0, opened: 0, closedByServer: 0 },
        addressBook: { size: 1, tried: 1 },
      },
    },
  ];
  const table: [string, number[]][] = [
    ['', [1, 2, 3, 4, 5, 6, 7]],
    ['kind:conn:state', [1]],
    ['kind:inbound:rejected kind:listener:state', [2, 3]],
    ['-kind:conn:state', [2, 3, 4, 5, 6, 7]],
    ['type:inbound', [2]],
    ['type:outbound', [4]],
    ['reason:limit', [2]],
    ['state:failing', [1]],
    ['state:paused', [3]],
    ['8333', [2, 3]],
    ['addr:127.0.0.1:40000', [2]],
    // Only events that carry the address: the lab's list of every peer address is not one.
    ['addr:127.0.0.1:9003', [1]],
    ['addr:127.0.0.1:8333', [2, 3]],
    ['addr:127.0.0.1:400', []],
    ['id:3', [1]],
    ['-id:3', [2, 3, 4, 5, 6, 7]],
    ['persistent:true', [1]],
  ];
  for (const [input, want] of table) {
    test(JSON.stringify(input), () => {
      const m = eventMatcher(parseFilter(input));
      assert.deepEqual(
        evs.filter(m).map((e) => e.seq),
        want,
      );
    });
  }
});

test('closest', () => {
  assert.equal(closest('stat', ['type', 'state']), 'state');
  assert.equal(closest('xyzzy', ['type', 'state']), undefined);
});

describe('url state', () => {
  const none = { present: false, at: null };
  test('reads q, sel and at', () => {
    assert.deepEqual(readUrlState('?q=state%3Afailing+type%3Ainbound&sel=12&token=abc'), {
      q: 'state:failing type:inbound',
      sel: 12,
      ...none,
    });
    assert.deepEqual(readUrlState(''), { q: '', sel: null, ...none });
    assert.deepEqual(readUrlState('?sel=x&at=-3'), { q: '', sel: null, ...none });
    assert.deepEqual(readUrlState('?sel=0&at=4031'), { q: '', sel: null, present: false, at: 4031 });
  });
  test('writes q, sel and at, keeping the rest', () => {
    assert.equal(writeUrlState('?token=abc', { q: 'state:failing', sel: 3, ...none }), '?token=abc&q=state%3Afailing&sel=3');
    assert.equal(writeUrlState('?q=x&sel=3&at=9', { q: '', sel: null, ...none }), '');
    assert.deepEqual(readUrlState(writeUrlState('', { q: '-state:established 127.0.0.1', sel: 7, present: false, at: 120 })), {
      q: '-state:established 127.0.0.1',
      sel: 7,
      present: false,
      at: 120,
    });
  });
  test('presentation mode: a shared link opens in it, and leaving it takes it out of the URL', () => {
    for (const search of ['?present', '?present=1', '?present=true', '?sel=4&present'])
      assert.equal(readUrlState(search).present, true, search);
    for (const search of ['', '?present=0', '?present=no', '?presentation=1']) assert.equal(readUrlState(search).present, false, search);
    const on = writeUrlState('?q=x', { q: 'state:failing', sel: 5, present: true, at: null });
    assert.equal(on, '?q=state%3Afailing&sel=5&present=1');
    assert.deepEqual(readUrlState(on), { q: 'state:failing', sel: 5, present: true, at: null });
    assert.equal(writeUrlState(on, { q: 'state:failing', sel: 5, present: false, at: null }), '?q=state%3Afailing&sel=5');
    assert.equal(writeUrlState('?present', { q: '', sel: null, present: true, at: null }), '?present=1');
  });
});
