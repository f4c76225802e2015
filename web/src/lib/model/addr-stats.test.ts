import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROTOCOL_VERSION, type ConnInfo, type HelloMessage, type WireEvent, type WireEventOf } from '$protocol';
import { createAddrBook, isDrop, isFailure, noteSnapshot, noteTransition, IDS_KEPT } from './addr-stats.ts';
import { createModelState, reduce } from './reducer.ts';
import { config, stats } from './test-fixtures.ts';

const T0 = 1_700_000_000_000;
const FLAP = '127.0.0.1:9100';

type Conn = WireEventOf<'conn:state'>;
function ev(seq: number, id: number, from: Conn['from'], to: Conn['to'], reason: string, over: Partial<Conn> = {}): Conn {
  return {
    seq,
    at: T0 + seq * 100,
    kind: 'conn:state',
    id,
    type: 'outbound',
    persistent: false,
    addr: FLAP,
    from,
    to,
    reason: reason as Conn['reason'],
    rule: 'peer-closed',
    ...over,
  };
}

/** An automatic dial to `addr` that is refused: a new id, pending → canceled. */
function refused(seq: number, id: number, addr = FLAP): Conn[] {
  return [
    ev(seq, id, null, 'pending', 'requested', { addr }),
    ev(seq + 1, id, 'pending', 'canceled', 'dial-refused', { addr, code: 'ECONNREFUSED' }),
  ];
}

/** An automatic connection to `addr` that is established, then closed by the peer. */
function flapped(seq: number, id: number, addr = FLAP): Conn[] {
  return [
    ev(seq, id, null, 'pending', 'requested', { addr }),
    ev(seq + 1, id, 'pending', 'established', 'dial-succeeded', { addr }),
    ev(seq + 2, id, 'established', 'disconnected', 'remote-closed', { addr }),
  ];
}

function info(id: number, addr: string, over: Partial<ConnInfo> = {}): ConnInfo {
  return {
    id,
    type: 'outbound',
    persistent: false,
    addr,
    localAddr: null,
    state: 'established',
    attempt: 0,
    createdAt: T0,
    bytesIn: 0,
    bytesOut: 0,
    lastActivityAt: T0,
    ...over,
  };
}

describe('addr-stats: what counts', () => {
  test('a failure is a failed dial or a move to failing; a drop is an established connection the peer closed', () => {
    assert.equal(isFailure({ to: 'canceled', reason: 'dial-refused' }), true);
    assert.equal(isFailure({ to: 'failing', reason: 'dial-timeout' }), true);
    assert.equal(isFailure({ to: 'failing', reason: 'remote-closed' }), true);
    assert.equal(isFailure({ to: 'canceled', reason: 'local-remove' }), false);
    assert.equal(isFailure({ to: 'disconnected', reason: 'remote-closed' }), false);
    assert.equal(isDrop({ from: 'established', reason: 'remote-reset' }), true);
    assert.equal(isDrop({ from: 'established', reason: 'local-disconnect' }), false);
    assert.equal(isDrop({ from: 'pending', reason: 'remote-closed' }), false);
  });
});

describe('addr-stats: one address, many ids', () => {
  test('a peer refused three times under three ids: one address, 3 ids, 3 failures, the last reason', () => {
    const book = createAddrBook();
    for (const e of [...refused(1, 1), ...refused(3, 5), ...refused(5, 9)]) noteTransition(book, e);
    const a = book.byAddr.get(FLAP)!;
    assert.deepEqual([...a.ids], [1, 5, 9]);
    assert.equal(a.idCount, 3);
    assert.equal(a.failures, 3);
    assert.equal(a.drops, 0);
    assert.equal(a.lastId, 9);
    assert.equal(a.lastState, 'canceled');
    assert.equal(a.lastReason, 'dial-refused');
    assert.equal(a.lastCode, 'ECONNREFUSED');
    assert.equal(a.lastAt, T0 + 600);
    assert.equal(a.live.size, 0);
  });

  test('a flapping peer counts drops, and its live id while connected', () => {
    const book = createAddrBook();
    for (const e of [...flapped(1, 2), ...flapped(4, 3).slice(0, 2)]) noteTransition(book, e);
    const a = book.byAddr.get(FLAP)!;
    assert.equal(a.idCount, 2);
    assert.equal(a.drops, 1);
    assert.equal(a.failures, 0);
    assert.deepEqual([...a.live], [3]);
    assert.equal(a.lastState, 'established');
  });

  test('a persistent peer keeps one id and adds a failure per failed retry', () => {
    const book = createAddrBook();
    noteTransition(book, ev(1, 4, null, 'pending', 'requested', { type: 'manual', persistent: true }));
    noteTransition(book, ev(2, 4, 'pending', 'failing', 'dial-refused', { type: 'manual', persistent: true, attempt: 1 }));
    noteTransition(book, ev(3, 4, 'failing', 'pending', 'retry', { type: 'manual', persistent: true }));
    noteTransition(book, ev(4, 4, 'pending', 'failing', 'dial-refused', { type: 'manual', persistent: true, attempt: 2 }));
    const a = book.byAddr.get(FLAP)!;
    assert.equal(a.idCount, 1);
    assert.equal(a.failures, 2);
    assert.equal(a.persistent, true);
    assert.deepEqual([...a.live], [4]);
  });

  test('older events (a backfill) add to the counts without moving "last"', () => {
    const book = createAddrBook();
    for (const e of refused(10, 7)) noteTransition(book, e);
    for (const e of refused(1, 2)) noteTransition(book, e);
    const a = book.byAddr.get(FLAP)!;
    assert.equal(a.idCount, 2);
    assert.equal(a.failures, 2);
    assert.equal(a.lastId, 7);
    assert.equal(a.lastSeq, 11);
  });

  test('an id seen again is not counted twice; ids are remembered up to IDS_KEPT', () => {
    const book = createAddrBook();
    noteTransition(book, ev(1, 1, null, 'pending', 'requested'));
    noteTransition(book, ev(2, 1, 'pending', 'established', 'dial-succeeded'));
    assert.equal(book.byAddr.get(FLAP)!.idCount, 1);
    for (let i = 0; i < IDS_KEPT + 5; i += 1) noteTransition(book, ev(10 + i, 100 + i, null, 'pending', 'requested'));
    const a = book.byAddr.get(FLAP)!;
    assert.equal(a.idCount, IDS_KEPT + 6);
    assert.equal(a.ids.size, IDS_KEPT);
    assert.equal(a.ids.has(1), false);
  });
});

describe('addr-stats: bounds and snapshots', () => {
  test('past the cap the least recently changed address with nothing live is forgotten', () => {
    const book = createAddrBook(2);
    noteTransition(book, ev(1, 1, null, 'established', 'accepted', { addr: 'a:1', type: 'inbound' }));
    for (const e of refused(2, 2, 'b:1')) noteTransition(book, e);
    for (const e of refused(4, 3, 'c:1')) noteTransition(book, e);
    // a:1 is the oldest but live; b:1 goes.
    assert.deepEqual([...book.byAddr.keys()], ['a:1', 'c:1']);
    for (const e of refused(6, 4, 'b:1')) noteTransition(book, e);
    assert.deepEqual([...book.byAddr.keys()], ['a:1', 'b:1']);
    assert.equal(book.byAddr.get('b:1')!.idCount, 1, 'a forgotten address starts over');
  });

  test('a snapshot adds its ids as live, and ends the live ids it no longer lists', () => {
    const book = createAddrBook();
    noteTransition(book, ev(1, 1, null, 'established', 'accepted', { addr: 'x:1', type: 'inbound' }));
    noteSnapshot(book, [info(5, FLAP, { state: 'failing', reason: 'dial-refused', type: 'manual', persistent: true })], 20);
    assert.deepEqual([...book.byAddr.get('x:1')!.live], []);
    const a = book.byAddr.get(FLAP)!;
    assert.deepEqual([...a.live], [5]);
    assert.equal(a.lastState, 'failing');
    assert.equal(a.lastReason, 'dial-refused');
    assert.equal(a.lastSeq, 20);
  });
});

describe('addr-stats: kept by the reducer', () => {
  function hello(runId: string, conns: ConnInfo[] = [], seq = 0): HelloMessage {
    return {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId,
      resync: false,
      config,
      snapshot: { seq, state: 'running', at: T0, config, conns, listeners: [], stats: stats() },
      lab: null,
      canControl: true,
    };
  }

  test('live events, a backfill of older ones and a restart', () => {
    const s = createModelState({ endedConns: 1 });
    reduce(s, hello('run-a', [], 4), T0);
    const live: WireEvent[] = [...refused(5, 3), ...refused(7, 4)];
    reduce(s, { v: PROTOCOL_VERSION, type: 'events', events: live }, T0);
    // The model forgot the ended connection #3 (one ended kept); its address did not.
    assert.equal(s.conns.has(3), false);
    assert.equal(s.addrs.byAddr.get(FLAP)!.idCount, 2);

    const older: WireEvent[] = refused(1, 1);
    reduce(s, { v: PROTOCOL_VERSION, type: 'reply', id: 'h', command: 'history', ok: true, result: { events: older, firstSeq: 1 } }, T0);
    const a = s.addrs.byAddr.get(FLAP)!;
    assert.deepEqual(
      [...a.ids].sort((x, y) => x - y),
      [1, 3, 4],
    );
    assert.equal(a.failures, 3);
    assert.equal(a.lastId, 4);

    reduce(s, hello('run-b', [info(1, 'y:1')], 2), T0);
    assert.deepEqual([...s.addrs.byAddr.keys()], ['y:1']);
  });
});
