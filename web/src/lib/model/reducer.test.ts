import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  PROTOCOL_VERSION,
  parseServerMessage,
  type ConnInfo,
  type ConnStats,
  type HelloMessage,
  type LabState,
  type ServerMessage,
  type StatsMessage,
  type WireEvent,
  type WireEventOf,
} from '$protocol';
import { createModelState, estimateServerNow, pendingEvents, reduce, wantJump, type ModelState } from './reducer.ts';
import { config, stats } from './test-fixtures.ts';
import { describeEvent } from './describe.ts';
import { Ring } from './ring.ts';

const T0 = 1_700_000_000_000;

function info(id: number, over: Partial<ConnInfo> = {}): ConnInfo {
  return {
    id,
    type: 'outbound',
    persistent: false,
    addr: `127.0.0.1:${9000 + id}`,
    localAddr: '127.0.0.1:50000',
    state: 'established',
    attempt: 0,
    createdAt: T0,
    establishedAt: T0,
    bytesIn: 10,
    bytesOut: 20,
    lastActivityAt: T0,
    ...over,
  };
}

function hello(
  over: { runId?: string; seq?: number; resync?: boolean; conns?: ConnInfo[]; at?: number; canControl?: boolean } = {},
): HelloMessage {
  return {
    v: PROTOCOL_VERSION,
    type: 'hello',
    runId: over.runId ?? 'run-a',
    resync: over.resync ?? false,
    config,
    snapshot: {
      seq: over.seq ?? 0,
      state: 'running',
      at: over.at ?? T0,
      config,
      conns: over.conns ?? [],
      listeners: [{ address: '127.0.0.1:8333', state: 'listening' }],
      stats: stats(),
    },
    lab: null,
    canControl: over.canControl ?? true,
  };
}

function cs(
  seq: number,
  id: number,
  from: WireEventOf<'conn:state'>['from'],
  to: WireEventOf<'conn:state'>['to'],
  over: Partial<WireEventOf<'conn:state'>> = {},
): WireEvent {
  return {
    seq,
    at: T0 + seq * 100,
    kind: 'conn:state',
    id,
    type: 'outbound',
    persistent: false,
    addr: `127.0.0.1:${9000 + id}`,
    from,
    to,
    reason: to === 'pending' ? 'requested' : to === 'established' ? 'dial-succeeded' : 'dial-refused',
    rule: to === 'pending' ? 'outbound-fill' : to === 'established' ? 'dial-succeeded' : 'one-shot-dial-failed',
    ...over,
  };
}

function events(...evs: WireEvent[]): ServerMessage {
  return { v: PROTOCOL_VERSION, type: 'events', events: evs };
}

function statsMsg(at: number, eventsTotal: number, over: Partial<ConnStats> = {}): StatsMessage {
  return {
    v: PROTOCOL_VERSION,
    type: 'stats',
    at,
    seq: eventsTotal,
    stats: stats(over),
    bridge: { clients: 1, behindClients: 0, eventsTotal, eventsSent: eventsTotal, droppedClients: 0, resyncs: 0 },
  };
}

function started(): ModelState {
  const s = createModelState();
  reduce(s, hello({ seq: 0 }), T0);
  return s;
}

describe('reducer: hello', () => {
  test('the first hello loads the snapshot', () => {
    const s = createModelState();
    const out = reduce(s, hello({ seq: 7, conns: [info(1), info(2, { state: 'failing', attempt: 2, retryAt: T0 + 5000 })] }), T0);
    assert.deepEqual(out, { kind: 'hello', mode: 'first', backfillBefore: 8 });
    assert.equal(s.runId, 'run-a');
    assert.equal(s.lastSeq, 7);
    assert.equal(s.conns.size, 2);
    assert.equal(s.conns.get(2)?.state, 'failing');
    assert.equal(s.conns.get(1)?.bytesOut, 20);
    assert.deepEqual(s.limits, { targetOutbound: 8, maxInbound: 117, maxPersistent: 8 });
    assert.equal(s.canControl, true);
    assert.equal(s.listeners.get('127.0.0.1:8333')?.state, 'listening');
  });

  test('a hello of another run (server restarted) resets everything', () => {
    const s = started();
    reduce(s, events(cs(1, 1, null, 'pending'), cs(2, 1, 'pending', 'established')), T0);
    const out = reduce(s, hello({ runId: 'run-b', seq: 3, conns: [info(5)] }), T0 + 1000);
    assert.deepEqual(out, { kind: 'hello', mode: 'restart', backfillBefore: 4 });
    assert.deepEqual([...s.conns.keys()], [5]);
    assert.equal(s.log.size, 0);
    assert.equal(s.lastSeq, 3);
    assert.equal(s.feed.restarts, 1);
  });

  test('a restart keeps the same Map and rings (views hold references to them)', () => {
    const s = started();
    const { conns, log, samples } = s;
    reduce(s, events(cs(1, 1, null, 'pending')), T0);
    reduce(s, hello({ runId: 'run-b', conns: [info(9)] }), T0);
    assert.equal(s.conns, conns);
    assert.equal(s.log, log);
    assert.equal(s.samples, samples);
    assert.deepEqual([...conns.keys()], [9]);
  });

  test('a reconnect hello of the same run keeps the model and asks to resume', () => {
    const s = started();
    reduce(s, events(cs(1, 1, null, 'pending')), T0);
    const out = reduce(s, hello({ seq: 9 }), T0 + 1000);
    assert.deepEqual(out, { kind: 'hello', mode: 'same-run', resumeFrom: 1 });
    assert.equal(s.lastSeq, 1);
    assert.equal(s.conns.get(1)?.history.length, 1);
    assert.equal(pendingEvents(s), 8);
  });

  test('a same-run hello with nothing missed asks for nothing', () => {
    const s = started();
    reduce(s, events(cs(1, 1, null, 'pending')), T0);
    assert.deepEqual(reduce(s, hello({ seq: 1 }), T0), { kind: 'hello', mode: 'same-run' });
  });

  test('a resync replaces the present but keeps histories of connections still listed', () => {
    const s = started();
    reduce(
      s,
      events(
        cs(1, 1, null, 'pending'),
        cs(2, 2, null, 'pending'),
        cs(3, 1, 'pending', 'established'),
        cs(4, 3, null, 'pending'),
        cs(5, 3, 'pending', 'canceled', { reason: 'aborted' }),
      ),
      T0,
    );
    const out = reduce(s, hello({ resync: true, seq: 50, conns: [info(1, { bytesIn: 999 })] }), T0);
    assert.deepEqual(out, { kind: 'hello', mode: 'resync' });
    assert.equal(s.conns.get(1)?.bytesIn, 999);
    assert.equal(s.conns.get(1)?.history.length, 2, 'history kept');
    assert.equal(s.conns.has(2), false, 'a live conn no longer listed is dropped');
    assert.equal(s.conns.get(3)?.state, 'canceled', 'ended conns stay for the timeline');
    assert.equal(s.lastSeq, 50);
    assert.equal(s.log.size, 5, 'the log keeps what it saw');
    assert.equal(s.feed.resyncs, 1);
  });

  test('a jump (the page fell behind): the next hello of the run is a resync with one mark in the log, and no count is lost', () => {
    const s = started();
    reduce(s, events(cs(1, 1, null, 'pending'), cs(2, 1, 'pending', 'established')), T0);
    const loggedBefore = s.logged;
    wantJump(s, 3400);
    // The server went on to seq 900 meanwhile; its snapshot lists what is live now.
    const out = reduce(s, hello({ seq: 900, conns: [info(1), info(7, { type: 'inbound' })] }), T0 + 5000);
    assert.deepEqual(out, { kind: 'hello', mode: 'resync' }, 'a resync: no resume of the backlog, no backfill');
    assert.equal(s.lastSeq, 900);
    assert.deepEqual([...s.conns.keys()].sort(), [1, 7], 'the present is the snapshot');
    assert.equal(s.log.size, 3);
    const mark = s.log.last()!;
    assert.deepEqual(mark.ev, { kind: 'page:jump', seq: 900, at: T0, from: 3, to: 900, lagMs: 3400 });
    assert.equal(mark.text, 'Fell 3.4 s behind — jumped to a fresh snapshot; skipped seq 3–900 (898 events)');
    assert.equal(s.logged - loggedBefore, 898, 'skipped events still count for the events rate');
    assert.deepEqual({ count: s.jumps.count, skipped: s.jumps.skipped }, { count: 1, skipped: 898 });
    // Live events go on from the snapshot; a later ordinary reconnect resumes as before.
    reduce(s, events(cs(901, 1, 'established', 'disconnected', { reason: 'remote-closed' })), T0 + 5100);
    assert.equal(s.lastSeq, 901);
    assert.deepEqual(reduce(s, hello({ seq: 905 }), T0 + 6000), { kind: 'hello', mode: 'same-run', resumeFrom: 901 });
    assert.equal(s.jumps.count, 1);
  });

  test('read-only hello is recorded', () => {
    const s = createModelState();
    const h = { ...hello({ canControl: false }), readOnlyReason: 'open the page with ?token=…' };
    reduce(s, h, T0);
    assert.equal(s.canControl, false);
    assert.equal(s.readOnlyReason, 'open the page with ?token=…');
  });
});

describe('reducer: the server clock in lab slow motion', () => {
  const lab = (speed: number): LabState => ({
    enabled: true,
    seed: 1,
    peers: [],
    flood: { active: false, connections: 0, ratePerSec: 0, opened: 0, closedByServer: 0 },
    addressBook: { size: 0, tried: 0 },
    speed,
  });

  test('at 0.25× "now" moves a quarter as fast as the local clock; frozen, it stands still; back at 1×, it is learned afresh', () => {
    const s = createModelState();
    reduce(s, hello({ at: T0 }), 5_000); // local 5 s ↔ server T0
    assert.equal(estimateServerNow(s, 6_000), T0 + 1_000, 'real speed: local clock plus the offset');
    reduce(s, events({ seq: 1, at: T0 + 1_000, kind: 'lab:state', state: lab(0.25) }), 6_000);
    assert.equal(estimateServerNow(s, 10_000), T0 + 1_000 + 1_000, '4 s local = 1 s of manager time');
    reduce(s, events({ seq: 2, at: T0 + 2_000, kind: 'lab:state', state: lab(0) }), 10_000);
    assert.equal(estimateServerNow(s, 60_000), T0 + 2_000, 'frozen: time stands still');
    reduce(s, events({ seq: 3, at: T0 + 2_000, kind: 'lab:state', state: lab(1) }), 70_000);
    // The offset learned before slow motion (T0 − 5 s) would put now 65 s ahead; it was dropped.
    assert.equal(estimateServerNow(s, 71_000), T0 + 3_000);
  });
});

describe('reducer: events', () => {
  test('config:changed updates the configuration the views read (rules changed live), and the limits', () => {
    const s = createModelState();
    reduce(s, hello(), T0);
    reduce(s, events({ seq: 1, at: T0, kind: 'config:changed', backoff: 'exponential', retryDelayMs: 500, maxInbound: 3 }), T0);
    assert.equal(s.config?.backoff, 'exponential');
    assert.equal(s.config?.retryDelayMs, 500);
    assert.equal(s.config?.maxInbound, 3);
    assert.equal(s.config?.maxRetryDelayMs, config.maxRetryDelayMs, 'what did not change stays');
    assert.equal(s.limits.maxInbound, 3);
    // The timeline marks the change where it happened.
    assert.deepEqual(s.configMarks.toArray(), [
      { seq: 1, at: T0, text: 'config changed: backoff = exponential, retryDelayMs = 500, maxInbound = 3' },
    ]);
    reduce(s, hello({ runId: 'run-b' }), T0); // a new run: its rules are the snapshot's, no marks
    assert.equal(s.configMarks.size, 0);
  });

  test('conn:state builds a connection and its history', () => {
    const s = started();
    const out = reduce(
      s,
      events(
        cs(1, 4, null, 'pending', { type: 'manual', persistent: true, reason: 'requested' }),
        cs(2, 4, 'pending', 'failing', { type: 'manual', persistent: true, attempt: 1, retryAt: T0 + 5200, code: 'ECONNREFUSED' }),
        cs(3, 4, 'failing', 'pending', { type: 'manual', persistent: true, reason: 'retry', attempt: 1 }),
        cs(4, 4, 'pending', 'established', { type: 'manual', persistent: true }),
      ),
      T0 + 500,
    );
    assert.deepEqual(out, { kind: 'events', applied: 4, ignored: 0 });
    const c = s.conns.get(4)!;
    assert.equal(c.state, 'established');
    assert.equal(c.persistent, true);
    assert.equal(c.attempt, 1);
    assert.equal(c.retryAt, undefined, 'retryAt only while failing');
    assert.equal(c.establishedAt, T0 + 400);
    assert.equal(c.createdAt, T0 + 100);
    assert.deepEqual(
      c.history.map((h) => [h.from, h.to, h.reason]),
      [
        [null, 'pending', 'requested'],
        ['pending', 'failing', 'dial-refused'],
        ['failing', 'pending', 'retry'],
        ['pending', 'established', 'dial-succeeded'],
      ],
    );
    assert.equal(c.history[1]?.code, 'ECONNREFUSED');
    assert.equal(c.history[1]?.retryAt, T0 + 5200);
    assert.equal(s.lastSeq, 4);
    assert.equal(s.log.size, 4);
    assert.match(
      s.log.at(1)!.text,
      /#4 persistent manual 127\.0\.0\.1:9004: pending → failing \(dial-refused, ECONNREFUSED\); attempt 1, next try in 5\.0 s/,
    );
  });

  test('duplicates (seq <= lastSeq) are ignored', () => {
    const s = started();
    reduce(s, events(cs(1, 1, null, 'pending'), cs(2, 1, 'pending', 'established')), T0);
    const out = reduce(
      s,
      events(cs(2, 1, 'pending', 'established'), cs(3, 1, 'established', 'disconnected', { reason: 'remote-closed' })),
      T0,
    );
    assert.deepEqual(out, { kind: 'events', applied: 1, ignored: 1 });
    assert.equal(s.conns.get(1)?.history.length, 3);
  });

  test('a gap stops the batch and asks to resume from the last applied seq', () => {
    const s = started();
    const out = reduce(
      s,
      events(cs(1, 1, null, 'pending'), cs(2, 1, 'pending', 'established'), cs(5, 2, null, 'pending'), cs(6, 2, 'pending', 'established')),
      T0,
    );
    assert.deepEqual(out, { kind: 'events', applied: 2, ignored: 0, gap: { expected: 3, got: 5 }, resumeFrom: 2 });
    assert.equal(s.lastSeq, 2);
    assert.equal(s.conns.has(2), false);
    assert.equal(pendingEvents(s), 4);
    // The resume answer fills the hole; the overlap is ignored.
    const fill = reduce(
      s,
      events(
        cs(3, 3, null, 'pending'),
        cs(4, 3, 'pending', 'canceled', { reason: 'aborted' }),
        cs(5, 2, null, 'pending'),
        cs(6, 2, 'pending', 'established'),
      ),
      T0,
    );
    assert.deepEqual(fill, { kind: 'events', applied: 4, ignored: 0 });
    assert.equal(s.lastSeq, 6);
    assert.equal(pendingEvents(s), 0);
  });

  test('ended connections are bounded: the oldest ended are evicted, live ones never', () => {
    const s = createModelState({ endedConns: 2 });
    reduce(s, hello(), T0);
    let seq = 0;
    const evs: WireEvent[] = [cs(++seq, 100, null, 'pending')];
    for (let id = 1; id <= 4; id += 1)
      evs.push(cs(++seq, id, null, 'pending'), cs(++seq, id, 'pending', 'canceled', { reason: 'aborted' }));
    reduce(s, events(...evs), T0);
    assert.deepEqual(
      [...s.conns.keys()].sort((a, b) => a - b),
      [3, 4, 100],
    );
    assert.deepEqual([...s.ended], [3, 4]);
  });

  test('history per connection is bounded', () => {
    const s = createModelState({ historyPerConn: 3 });
    reduce(s, hello(), T0);
    const evs: WireEvent[] = [cs(1, 1, null, 'pending', { persistent: true })];
    for (let i = 2; i <= 10; i += 1)
      evs.push(cs(i, 1, i % 2 === 0 ? 'pending' : 'failing', i % 2 === 0 ? 'failing' : 'pending', { persistent: true }));
    reduce(s, events(...evs), T0);
    assert.deepEqual(
      s.conns.get(1)!.history.map((h) => h.seq),
      [8, 9, 10],
    );
  });

  test('the log is bounded', () => {
    const s = createModelState({ logEntries: 3 });
    reduce(s, hello(), T0);
    reduce(s, events(cs(1, 1, null, 'pending'), cs(2, 2, null, 'pending'), cs(3, 3, null, 'pending'), cs(4, 4, null, 'pending')), T0);
    assert.deepEqual(
      s.log.toArray().map((e) => e.ev.seq),
      [2, 3, 4],
    );
    assert.equal(s.log.total, 4);
  });

  test('the other event kinds update their part of the model', () => {
    const s = started();
    const lab = {
      enabled: true,
      seed: 1,
      peers: [],
      flood: { active: true, connections: 200, ratePerSec: 50, opened: 0, closedByServer: 0 },
      addressBook: { size: 10, tried: 0 },
    };
    reduce(
      s,
      events(
        { seq: 1, at: T0, kind: 'listener:state', address: '127.0.0.1:8333', state: 'paused', reason: 'limit' },
        { seq: 2, at: T0, kind: 'outbound:throttled', failedAttempts: 25, delayMs: 5000, rule: 'outage-pause' },
        { seq: 3, at: T0, kind: 'config:changed', targetOutbound: 12 },
        { seq: 4, at: T0, kind: 'manager:state', state: 'stopping' },
        { seq: 5, at: T0, kind: 'lab:state', state: lab },
        {
          seq: 6,
          at: T0,
          kind: 'inbound:rejected',
          remote: '127.0.0.1:40000',
          listener: '127.0.0.1:8333',
          reason: 'limit',
          rule: 'inbound-limit-shed',
        },
      ),
      T0,
    );
    assert.deepEqual(s.listeners.get('127.0.0.1:8333'), { address: '127.0.0.1:8333', state: 'paused', reason: 'limit' });
    assert.deepEqual(s.throttle, { failedAttempts: 25, delayMs: 5000, at: T0 });
    assert.equal(s.limits.targetOutbound, 12);
    assert.equal(s.config?.targetOutbound, 12);
    assert.equal(s.managerState, 'stopping');
    assert.equal(s.lab?.flood.active, true);
    // lab:state is the Lab panel's, not a log row (a flood sends several a second).
    assert.equal(s.log.size, 5);
    assert.equal(s.log.at(4)?.text, 'inbound from 127.0.0.1:40000 rejected on 127.0.0.1:8333 (limit)');
    assert.equal(s.lastSeq, 6);
  });

  test('lab:state updates the lab only: no log row, not counted as an event, counted as a lab update', () => {
    const s = started();
    const lab = (opened: number) => ({
      enabled: true,
      seed: 1,
      peers: [{ peerId: 'p1', behaviour: 'stable' as const, addr: '127.0.0.1:28938', state: 'running' as const, accepted: opened }],
      flood: { active: true, connections: 200, ratePerSec: 50, opened, closedByServer: 0 },
      addressBook: { size: 10, tried: 0 },
    });
    reduce(s, statsMsg(T0, 0), T0);
    const evs: WireEvent[] = [];
    for (let i = 1; i <= 10; i += 1) evs.push({ seq: i, at: T0 + i, kind: 'lab:state', state: lab(i) });
    evs.push(cs(11, 1, null, 'pending'), cs(12, 1, 'pending', 'established'));
    reduce(s, events(...evs), T0 + 500);
    assert.equal(s.lab?.flood.opened, 10);
    assert.deepEqual(
      s.log.toArray().map((e) => e.ev.kind),
      ['conn:state', 'conn:state'],
    );
    assert.equal(s.labUpdates, 10);
    assert.equal(s.lastSeq, 12, 'applied all the same: the seq stays gap-free');
    // The server numbered 12 events this second; the rate counts the 2 the log shows.
    reduce(s, statsMsg(T0 + 1000, 12), T0 + 1000);
    assert.equal(s.samples.last()?.eventsPerSec, 2);
  });
});

describe('reducer: stats and clock', () => {
  test('stats update counters, limits and the chart ring with an events rate', () => {
    const s = started();
    reduce(s, statsMsg(T0 + 1000, 0, { targetOutbound: 4 }), T0 + 1000);
    const evs: WireEvent[] = [];
    for (let i = 1; i <= 40; i += 1) evs.push(cs(i, i, null, 'pending'));
    reduce(s, events(...evs), T0 + 2000);
    reduce(s, statsMsg(T0 + 3000, 50), T0 + 3000);
    assert.equal(s.limits.targetOutbound, 8);
    assert.equal(s.samples.size, 2);
    assert.equal(s.samples.at(1)?.eventsPerSec, 20, '40 events applied in 2 s');
    assert.equal(s.serverSeq, 50);
  });

  test('the chart samples live counts from the model, not from the stats message', () => {
    // Two sources taken at different moments disagreed on screen; the model is the one source.
    const s = createModelState();
    reduce(s, hello({ seq: 2, conns: [info(1), info(2, { state: 'pending' })] }), T0);
    reduce(s, statsMsg(T0 + 1000, 2, { currByState: { pending: 7, established: 9, failing: 4 } }), T0 + 1000);
    assert.deepEqual(
      (({ pending, established, failing, inbound, outbound, manual }) => ({ pending, established, failing, inbound, outbound, manual }))(
        s.samples.last()!,
      ),
      { pending: 1, established: 1, failing: 0, inbound: 0, outbound: 2, manual: 0 },
    );
  });

  test('the server clock offset follows the latest lower bound', () => {
    const s = createModelState();
    reduce(s, hello({ at: T0 + 5000 }), T0); // server is ≥ 5 s ahead
    assert.equal(s.clockOffsetMs, 5000);
    reduce(s, statsMsg(T0 + 7000, 0), T0 + 1000); // now ≥ 6 s ahead
    assert.equal(s.clockOffsetMs, 6000);
    reduce(s, statsMsg(T0 + 2000, 0), T0 + 1000); // a late message only nudges it down
    assert.ok(s.clockOffsetMs! < 6000 && s.clockOffsetMs! > 5800);
  });

  test('lag is the delivery delay of the last batch', () => {
    const s = createModelState();
    reduce(s, hello({ at: T0 }), T0);
    reduce(s, events(cs(1, 1, null, 'pending', { at: T0 - 400 })), T0);
    assert.equal(s.lagMs, 400);
  });

  test('replies do not change the model', () => {
    const s = started();
    const before = s.lastSeq;
    const out = reduce(s, { v: PROTOCOL_VERSION, type: 'reply', id: 1, ok: true, command: 'disconnect', result: null }, T0);
    assert.deepEqual(out, { kind: 'reply' });
    assert.equal(s.lastSeq, before);
  });

  test('the fixtures are valid protocol messages', () => {
    for (const msg of [hello({ conns: [info(1)] }), events(cs(1, 1, null, 'pending')), statsMsg(T0, 1)]) {
      const parsed = parseServerMessage(JSON.stringify(msg));
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
    }
  });
});

describe('describeEvent', () => {
  test('reads every kind', () => {
    assert.equal(describeEvent(cs(1, 3, null, 'pending')), '#3 outbound 127.0.0.1:9003: → pending (requested)');
    assert.equal(
      describeEvent({ seq: 1, at: 0, kind: 'outbound:throttled', failedAttempts: 25, delayMs: 5000, rule: 'outage-pause' }),
      'automatic outbound throttled after 25 failures in a row; next attempt in 5.0 s',
    );
    assert.equal(describeEvent({ seq: 1, at: 0, kind: 'config:changed', targetOutbound: 3 }), 'config changed: targetOutbound = 3');
    assert.equal(
      describeEvent({ seq: 1, at: 0, kind: 'listener:state', address: 'a:1', state: 'paused', reason: 'limit' }),
      'listener a:1 paused (limit)',
    );
  });
});

describe('Ring', () => {
  test('keeps the newest `capacity` items, indexed oldest first', () => {
    const r = new Ring<number>(3);
    assert.equal(r.push(1), undefined);
    r.push(2);
    r.push(3);
    assert.equal(r.push(4), 1);
    assert.deepEqual(r.toArray(), [2, 3, 4]);
    assert.equal(r.at(0), 2);
    assert.equal(r.at(3), undefined);
    assert.equal(r.last(), 4);
    assert.equal(r.total, 4);
    r.clear();
    assert.equal(r.size, 0);
    assert.throws(() => new Ring(0), TypeError);
  });
});

describe('reducer: backfill (history reply)', () => {
  function historyReply(evs: WireEvent[]): ServerMessage {
    return { v: PROTOCOL_VERSION, type: 'reply', id: 'h1', ok: true, command: 'history', result: { events: evs, firstSeq: 1 } };
  }

  test('a fresh hello asks for the events before its snapshot; a resync does not', () => {
    const s = createModelState();
    const first = reduce(s, hello({ seq: 12, conns: [info(1)] }), T0);
    assert.deepEqual(first, { kind: 'hello', mode: 'first', backfillBefore: 13 });
    const resync = reduce(s, hello({ seq: 20, resync: true, conns: [info(1)] }), T0);
    assert.equal(resync.kind === 'hello' && resync.backfillBefore, undefined);
    const restart = reduce(s, hello({ runId: 'run-b', seq: 3 }), T0);
    assert.deepEqual(restart, { kind: 'hello', mode: 'restart', backfillBefore: 4 });
    assert.deepEqual(reduce(createModelState(), hello({ seq: 0 }), T0), { kind: 'hello', mode: 'first' }, 'nothing before seq 1');
  });

  test('merges the past into the log and histories without touching present state', () => {
    const s = createModelState();
    reduce(s, hello({ seq: 6, conns: [info(1, { state: 'established' })] }), T0);
    reduce(s, events(cs(7, 1, 'established', 'disconnected', { reason: 'remote-closed' })), T0);
    const out = reduce(
      s,
      historyReply([
        cs(1, 1, null, 'pending'),
        cs(2, 2, null, 'pending'),
        cs(3, 1, 'pending', 'established'),
        cs(4, 2, 'pending', 'canceled'),
        cs(5, 3, null, 'pending'), // its end is after the snapshot? no: 3 is not in the snapshot and not ended
        { seq: 6, at: T0 + 600, kind: 'config:changed', targetOutbound: 4 },
        cs(7, 1, 'established', 'disconnected'), // already held: ignored
      ]),
      T0,
    );
    assert.deepEqual(out, { kind: 'backfill', applied: 6 });
    assert.deepEqual(
      s.log.toArray().map((e) => e.ev.seq),
      [1, 2, 3, 4, 5, 6, 7],
      'the log reads in order',
    );
    const one = s.conns.get(1)!;
    assert.deepEqual(
      one.history.map((t) => `${t.seq}:${t.to}`),
      ['1:pending', '3:established', '7:disconnected'],
    );
    assert.equal(one.state, 'disconnected', 'present state untouched');
    assert.equal(one.createdAt, T0, 'the snapshot stays the authority on the present record');
    const two = s.conns.get(2)!;
    assert.equal(two.state, 'canceled', 'a connection that ended before the snapshot comes back as an ended lane');
    assert.deepEqual(
      two.history.map((t) => t.to),
      ['pending', 'canceled'],
    );
    assert.equal(s.conns.has(3), false, 'without its final event it is left out');
    assert.equal(s.limits.targetOutbound, 8, 'an old config:changed does not change the present');
    assert.equal(s.lastSeq, 7);
    assert.deepEqual([...s.ended], [2, 1], 'backfilled endings are the oldest, evicted first');
  });

  test('a second, overlapping history reply adds nothing', () => {
    const s = createModelState();
    reduce(s, hello({ seq: 2, conns: [] }), T0);
    const evs = [cs(1, 1, null, 'pending'), cs(2, 1, 'pending', 'canceled')];
    assert.deepEqual(reduce(s, historyReply(evs), T0), { kind: 'backfill', applied: 2 });
    assert.deepEqual(reduce(s, historyReply(evs), T0), { kind: 'backfill', applied: 0 });
    assert.equal(s.conns.get(1)!.history.length, 2);
  });

  test('lab:state in the past is counted, not logged; an overlapping reply adds nothing, even of lab updates only', () => {
    const s = createModelState();
    reduce(s, hello({ seq: 3, conns: [] }), T0);
    const lab = {
      enabled: true,
      seed: 1,
      peers: [],
      flood: { active: false, connections: 0, ratePerSec: 0, opened: 0, closedByServer: 0 },
      addressBook: { size: 0, tried: 0 },
    };
    const evs: WireEvent[] = [
      { seq: 1, at: T0, kind: 'lab:state', state: lab },
      { seq: 2, at: T0, kind: 'lab:state', state: lab },
      { seq: 3, at: T0, kind: 'lab:state', state: lab },
    ];
    assert.deepEqual(reduce(s, historyReply(evs), T0), { kind: 'backfill', applied: 3 });
    assert.equal(s.log.size, 0);
    assert.equal(s.labUpdates, 3);
    assert.deepEqual(reduce(s, historyReply(evs), T0), { kind: 'backfill', applied: 0 });
    assert.equal(s.labUpdates, 3);
  });

  test('Ring.prepend keeps newer items and fills only free room', () => {
    const r = new Ring<number>(4);
    r.push(3);
    r.push(4);
    assert.equal(r.prepend([0, 1, 2]), 2);
    assert.deepEqual(r.toArray(), [1, 2, 3, 4]);
    assert.equal(r.prepend([0]), 0, 'full: newer items are never evicted for older ones');
    r.push(5);
    assert.deepEqual(r.toArray(), [2, 3, 4, 5]);
  });
});

describe('reducer: stalled feed', () => {
  test('events numbered before the previous stats and still missing trigger a resume', () => {
    const s = started();
    assert.deepEqual(reduce(s, statsMsg(T0 + 1000, 3), T0), { kind: 'stats' }, 'seq 1..3 may still be in flight');
    reduce(s, events(cs(1, 1, null, 'pending'), cs(2, 1, 'pending', 'established')), T0);
    assert.deepEqual(reduce(s, statsMsg(T0 + 2000, 3), T0), { kind: 'stats', resumeFrom: 2 }, 'seq 3 is a second late');
    reduce(s, events(cs(3, 1, 'established', 'disconnected', { reason: 'remote-closed' })), T0);
    assert.deepEqual(reduce(s, statsMsg(T0 + 3000, 5), T0), { kind: 'stats' });
  });
});

describe('reducer: snapshot stand-in history', () => {
  test('a connection known only from the snapshot gets one synthetic transition, replaced by backfill', () => {
    const s = createModelState();
    reduce(
      s,
      hello({
        seq: 9,
        conns: [info(4, { state: 'failing', attempt: 2, retryAt: T0 + 4000, createdAt: T0 - 60_000, reason: 'dial-refused' })],
      }),
      T0,
    );
    const c = s.conns.get(4)!;
    assert.deepEqual(c.history, [
      { seq: 9, at: T0 - 60_000, from: null, to: 'failing', reason: 'dial-refused', attempt: 2, retryAt: T0 + 4000, synthetic: true },
    ]);
    reduce(
      s,
      {
        v: PROTOCOL_VERSION,
        type: 'reply',
        id: 'h',
        ok: true,
        command: 'history',
        result: { events: [cs(8, 4, 'pending', 'failing', { persistent: true })], firstSeq: 8 },
      },
      T0,
    );
    assert.deepEqual(
      c.history.map((t) => [t.seq, t.to, t.synthetic ?? false]),
      [[8, 'failing', false]],
    );
  });
});

describe('reducer: a backfill lost with the link', () => {
  test('is asked again after a reconnect to the same run, and not once answered', () => {
    const s = createModelState();
    assert.deepEqual(reduce(s, hello({ seq: 5 }), T0), { kind: 'hello', mode: 'first', backfillBefore: 6 });
    // the socket dropped before the history reply; same run again:
    assert.deepEqual(reduce(s, hello({ seq: 5 }), T0), { kind: 'hello', mode: 'same-run', backfillBefore: 6 });
    reduce(s, { v: PROTOCOL_VERSION, type: 'reply', id: 'h', ok: true, command: 'history', result: { events: [], firstSeq: 1 } }, T0);
    assert.deepEqual(reduce(s, hello({ seq: 5 }), T0), { kind: 'hello', mode: 'same-run' });
  });
});
