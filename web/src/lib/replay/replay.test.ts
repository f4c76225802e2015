import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_VERSION, type ConnInfo, type Recording, type Snapshot, type StatsMessage, type WireEvent } from '$protocol';
import { createModelState, reduce, type ModelState } from '../model/reducer.ts';
import { config, stats } from '../model/test-fixtures.ts';
import { Replay } from './replay.ts';

const T0 = 1_700_000_000_000;

function snapshot(seq: number, conns: ConnInfo[] = [], at = T0): Snapshot {
  return { seq, state: 'running', at, config, conns, listeners: [], stats: stats() };
}

/**
 * A small session: 30 automatic connections each dial, establish, and 2 of 3 close again; a
 * persistent peer fails with a growing attempt; a stats sample every 10 events; keyframes every 20.
 */
function session(): Recording {
  const events: WireEvent[] = [];
  const statsMsgs: StatsMessage[] = [];
  const keyframes: Snapshot[] = [];
  let seq = 0;
  const push = (e: Omit<WireEvent, 'seq' | 'at'> & Record<string, unknown>): void => {
    seq += 1;
    events.push({ ...e, seq, at: T0 + seq * 100 } as WireEvent);
    if (seq % 10 === 0)
      statsMsgs.push({
        v: PROTOCOL_VERSION,
        type: 'stats',
        at: T0 + seq * 100,
        seq,
        stats: stats({ totalDials: seq }),
        bridge: { clients: 1, behindClients: 0, eventsTotal: seq, eventsSent: seq, droppedClients: 0, resyncs: 0 },
      });
  };
  const base = { kind: 'conn:state', type: 'outbound', persistent: false } as const;
  for (let id = 1; id <= 30; id++) {
    const addr = `127.0.0.1:${9000 + id}`;
    push({ ...base, id, addr, from: null, to: 'pending', reason: 'requested', rule: 'outbound-fill', attempt: 0 });
    push({ ...base, id, addr, from: 'pending', to: 'established', reason: 'dial-succeeded', rule: 'dial-succeeded' });
    if (id % 3 !== 0) push({ ...base, id, addr, from: 'established', to: 'disconnected', reason: 'remote-closed', rule: 'peer-closed' });
    if (id % 5 === 0) {
      push({
        ...base,
        kind: 'conn:state',
        type: 'manual',
        persistent: true,
        id: 100,
        addr: '127.0.0.1:9999',
        from: id === 5 ? null : 'failing',
        to: 'pending',
        reason: id === 5 ? 'requested' : 'retry',
        rule: id === 5 ? 'persistent-add' : 'persistent-retry',
        attempt: id / 5 - 1,
      });
      push({
        ...base,
        kind: 'conn:state',
        type: 'manual',
        persistent: true,
        id: 100,
        addr: '127.0.0.1:9999',
        from: 'pending',
        to: 'failing',
        reason: 'dial-refused',
        rule: 'persistent-backoff',
        attempt: id / 5,
        retryAt: T0 + seq * 100 + 5000,
      });
    }
  }
  // Keyframes: the live model's connections at those points (what the server's snapshot would say).
  const live = createModelState();
  reduce(
    live,
    { v: PROTOCOL_VERSION, type: 'hello', runId: 'r', resync: false, config, snapshot: snapshot(0), lab: null, canControl: false },
    T0,
  );
  for (const e of events) {
    reduce(live, { v: PROTOCOL_VERSION, type: 'events', events: [e] }, e.at);
    if (e.seq % 20 === 0) keyframes.push(snapshot(e.seq, liveConns(live), e.at));
  }
  return {
    header: {
      type: 'recording',
      format: 'connscope-recording',
      version: 1,
      protocol: PROTOCOL_VERSION as 1,
      app: 'test',
      runId: 'r',
      startedAt: T0,
      config,
      snapshot: snapshot(0),
      lab: null,
    },
    events,
    stats: statsMsgs,
    keyframes,
  };
}

function liveConns(s: ModelState): ConnInfo[] {
  const out: ConnInfo[] = [];
  for (const c of s.conns.values()) {
    if (c.state === 'disconnected' || c.state === 'canceled') continue;
    const { history: _h, reason: _r, ...info } = c;
    out.push({ ...info, state: c.state } as ConnInfo);
  }
  return out;
}

/** What the views show of a model: each connection's state and attempt, the counters, the log. */
function view(s: ModelState): unknown {
  return {
    conns: [...s.conns.values()].map((c) => [c.id, c.state, c.attempt, c.history.length]).sort((a, b) => Number(a[0]) - Number(b[0])),
    lastSeq: s.lastSeq,
    dials: s.stats?.totalDials ?? null,
    log: s.log.size,
  };
}

test('a replay at the last event shows what the live page showed', () => {
  const rec = session();
  const live = createModelState();
  reduce(
    live,
    { v: PROTOCOL_VERSION, type: 'hello', runId: 'r', resync: false, config, snapshot: rec.header.snapshot, lab: null, canControl: false },
    T0,
  );
  let si = 0;
  for (const e of rec.events) {
    for (; si < rec.stats.length && rec.stats[si]!.seq < e.seq; si++) reduce(live, rec.stats[si]!, 0);
    reduce(live, { v: PROTOCOL_VERSION, type: 'events', events: [e] }, e.at);
  }
  for (; si < rec.stats.length; si++) reduce(live, rec.stats[si]!, 0);
  const r = new Replay(rec);
  assert.deepEqual(view(r.seek(r.lastSeq)), view(live));
  assert.equal(r.now, rec.events.at(-1)!.at, "the clock is the event's own time");
});

test('stepping forward then back returns exactly the same state', () => {
  const r = new Replay(session());
  const at37 = view(r.seek(37));
  r.step(1);
  r.step(1);
  assert.notDeepEqual(view(r.state), at37);
  r.step(-1);
  r.step(-1);
  assert.deepEqual(view(r.state), at37);
  assert.equal(r.seq, 37);
  // The counters are those sent by then (the sample after event 30), not the latest.
  assert.equal(r.state.stats?.totalDials, 30);
});

test('positions are clamped to the recording', () => {
  const r = new Replay(session());
  r.seek(-5);
  assert.equal(r.seq, 0);
  r.seek(1e9);
  assert.equal(r.seq, r.lastSeq);
});

test('a far seek back starts from the nearest keyframe instead of replaying everything', () => {
  const rec = session();
  const r = new Replay(rec, { rebuildFromStart: 10 });
  r.seek(r.lastSeq);
  r.applied = 0;
  const state = view(r.seek(65));
  assert.ok(r.applied <= 20, `${r.applied} events applied to reach 65 from the keyframe at 60`);
  // Same live connections and states as a full replay (histories before the keyframe are not known).
  const full = new Replay(rec);
  const pick = (v: unknown): unknown =>
    (v as { conns: unknown[][] }).conns.filter((c) => c[1] !== 'disconnected').map((c) => c.slice(0, 3));
  assert.deepEqual(pick(state), pick(view(full.seek(65))));
});

test('a connection’s transitions, the error marks and time → position', () => {
  const rec = session();
  const r = new Replay(rec);
  const persistent = r.transitionsOf(100);
  assert.equal(persistent.length, 12);
  assert.ok(persistent.every((seq) => (rec.events[seq - 1] as { id: number }).id === 100));
  assert.equal(r.errorSeqs().length, 6, 'the six refused dials');
  assert.equal(r.seqAtTime(T0 + 4250), 42);
  assert.equal(r.seqAtTime(T0 - 1), 0);
  assert.equal(r.timeAt(42), T0 + 4200);
});

test('steps back rebuild from a checkpoint near the cursor, and end in the same state as a fresh replay', () => {
  const rec = session();
  const r = new Replay(rec, { checkpointEvery: 10 });
  r.seek(r.lastSeq);
  let applied = 0;
  let far = 0;
  for (let i = 0; i < 60; i++) {
    r.applied = 0;
    r.step(-1);
    applied += r.applied;
    if (r.applied > 10) far += 1; // from further than the checkpoint interval: a rebuild that lays new checkpoints
    assert.deepEqual(view(r.state), view(new Replay(rec).seek(r.seq)), `at ${r.seq}`);
  }
  // From the start each step would apply ~80 events on average; checkpoints bring it to a few.
  assert.ok(applied < 60 * 12, `${applied} events applied over 60 steps back`);
  assert.ok(far <= 3, `${far} far rebuilds in 60 steps`);
  // Moving forward again from a rebuilt model is the same as well.
  r.seek(r.lastSeq);
  assert.deepEqual(view(r.state), view(new Replay(rec).seek(r.lastSeq)));
});
