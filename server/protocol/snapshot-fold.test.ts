/**
 * The snapshot fold against a real manager: a varied session on real loopback sockets
 * (server/bridge/recorded-session.ts) recorded by the bridge's own recorder; folding its events
 * must give, at every event, the snapshot the manager itself had when it emitted that event.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { recordSession, type RecordedSession } from '../bridge/recorded-session.ts';
import { assertHandlesBackTo, tcpHandleCount } from '../connmgr/test-helpers.ts';
import { applyEvent, labStateAt, parseRecording, seqRange, snapshotAt, type ConnStats, type Recording, type Snapshot } from './index.ts';

let session: RecordedSession;
let recording: Recording;

before(async () => {
  const baseline = tcpHandleCount();
  session = await recordSession({ stopManager: true });
  await assertHandlesBackTo(baseline);
  const parsed = parseRecording(session.text);
  assert.ok(parsed.ok, parsed.ok ? '' : `line ${parsed.line}: ${parsed.message}`);
  recording = parsed.recording;
});

/** What the fold must know exactly of a snapshot (README "Record and replay"; the module comment). */
function exact(s: Snapshot): unknown {
  return {
    seq: s.seq,
    state: s.state,
    config: s.config,
    listeners: s.listeners,
    conns: s.conns.map((c) => ({
      id: c.id,
      type: c.type,
      persistent: c.persistent,
      addr: c.addr,
      state: c.state,
      attempt: c.attempt,
      retryAt: c.retryAt,
      reason: c.reason,
      establishedAt: c.establishedAt,
      endedAt: c.endedAt,
    })),
  };
}

/** Counters an event determines as it is emitted (the module comment lists them). */
function countersAtEvent(st: ConnStats): unknown {
  const { currByType, currByState, currConnections, persistentEntries, targetOutbound, maxInbound, maxPersistent } = st;
  const { totalAccepted, totalEstablished, totalFailedDials, rejected, disconnects, acceptingConns } = st;
  return {
    currByType,
    currByState,
    currConnections,
    persistentEntries,
    targetOutbound,
    maxInbound,
    maxPersistent,
    totalAccepted,
    totalEstablished,
    totalFailedDials,
    rejected,
    disconnects,
    acceptingConns,
  };
}

test('the session is varied: every kind of transition the fold handles is in it', () => {
  const kinds = new Set(recording.events.map((e) => e.kind));
  for (const k of ['conn:state', 'inbound:rejected', 'listener:state', 'manager:state', 'config:changed'])
    assert.ok(kinds.has(k as never), k);
  const paths = new Set(recording.events.flatMap((e) => (e.kind === 'conn:state' ? [`${e.from}>${e.to}:${e.reason}`] : [])));
  for (const p of [
    'null>pending:requested',
    'pending>established:dial-succeeded',
    'pending>canceled:dial-refused',
    'pending>failing:dial-refused',
    'failing>pending:retry',
    'established>pending:remote-closed',
    'null>established:accepted',
    'established>disconnected:local-disconnect',
    'failing>canceled:local-remove',
    'established>canceled:shutdown',
  ]) {
    assert.ok(
      paths.has(p) || (p === 'established>canceled:shutdown' && [...paths].some((x) => x.endsWith(':shutdown'))),
      `${p} in ${[...paths].join(' ')}`,
    );
  }
  assert.ok(
    recording.events.some((e) => e.kind === 'listener:state' && e.state === 'paused'),
    'the listener paused',
  );
  assert.ok(session.keyframes >= 3, `${session.keyframes} keyframes`);
  assert.ok(recording.stats.length >= 3, `${recording.stats.length} stats samples`);
});

test('folding every event from the start gives the manager’s own snapshot at each event', () => {
  const snap = structuredClone(recording.header.snapshot);
  let compared = 0;
  for (const ev of recording.events) {
    applyEvent(snap, ev);
    const live = session.atEvent.get(ev.seq);
    if (!live) continue; // lab:state (none here)
    assert.deepEqual(exact(snap), exact(live), `at seq ${ev.seq} (${ev.kind})`);
    assert.deepEqual(countersAtEvent(snap.stats), countersAtEvent(live.stats), `counters at seq ${ev.seq}`);
    compared += 1;
  }
  assert.equal(compared, recording.events.length);
});

test('snapshotAt (keyframes and stats samples) equals the manager’s snapshot at every seq', () => {
  const { first, last } = seqRange(recording);
  for (let seq = first + 1; seq <= last; seq++) {
    const live = session.atEvent.get(seq)!;
    const at = snapshotAt(recording, seq);
    assert.deepEqual(exact(at), exact(live), `at seq ${seq}`);
    assert.deepEqual(countersAtEvent(at.stats), countersAtEvent(live.stats), `counters at seq ${seq}`);
  }
});

test('at a quiet moment every counter an event determines is the manager’s, dials and retries included', () => {
  // Without the samples too: the counters then come from the events alone.
  const noSamples: Recording = { ...recording, stats: [], keyframes: [] };
  for (const q of session.quiet) {
    for (const [rec, what] of [
      [recording, 'with samples'],
      [noSamples, 'from the events alone'],
    ] as const) {
      const at = snapshotAt(rec, q.seq);
      assert.deepEqual(exact(at), exact(q.snapshot), `at seq ${q.seq}, ${what}`);
      assert.deepEqual(
        { ...(countersAtEvent(at.stats) as object), totalDials: at.stats.totalDials, retries: at.stats.retries },
        { ...(countersAtEvent(q.stats) as object), totalDials: q.stats.totalDials, retries: q.stats.retries },
        `counters at seq ${q.seq}, ${what}`,
      );
    }
  }
  // The last quiet moment is after the shutdown: nothing live, the listener closed, stopped.
  const end = snapshotAt(recording, Number.MAX_SAFE_INTEGER);
  assert.equal(end.state, 'stopped');
  assert.deepEqual(end.conns, []);
  assert.deepEqual(
    end.listeners.map((l) => l.state),
    ['closed'],
  );
});

test('a fold through any keyframe equals the fold from the start, at every seq, in what a fold knows', () => {
  // (A keyframe knows more: local addresses and bytes of connections that began after the start.)
  const { first, last } = seqRange(recording);
  const noKeyframes: Recording = { ...recording, keyframes: [] };
  for (let seq = first; seq <= last; seq++) {
    const viaKeyframe = snapshotAt(recording, seq);
    const fromStart = snapshotAt(noKeyframes, seq);
    assert.deepEqual(exact(viaKeyframe), exact(fromStart), `at seq ${seq}`);
    assert.deepEqual(countersAtEvent(viaKeyframe.stats), countersAtEvent(fromStart.stats), `counters at seq ${seq}`);
  }
  // And at a keyframe itself, snapshotAt is that keyframe, whole.
  for (const k of recording.keyframes) assert.deepEqual(snapshotAt(recording, k.seq).conns, k.conns, `keyframe ${k.seq}`);
});

test('snapshotAt clamps to the recording, never mutates it, and returns a new object', () => {
  const before = JSON.stringify(recording);
  const { first, last } = seqRange(recording);
  assert.deepEqual(snapshotAt(recording, first - 10), snapshotAt(recording, first));
  assert.deepEqual(snapshotAt(recording, last + 10), snapshotAt(recording, last));
  assert.deepEqual(snapshotAt(recording, first), recording.header.snapshot);
  const a = snapshotAt(recording, last);
  a.conns.push(a.conns[0]!);
  assert.notDeepEqual(snapshotAt(recording, last), a);
  assert.equal(JSON.stringify(recording), before);
});

test('labStateAt: the header’s lab until a lab:state event, then that event’s state', () => {
  const lab = {
    enabled: true,
    seed: 1,
    peers: [],
    flood: { active: false, connections: 0, ratePerSec: 0, opened: 0, closedByServer: 0 },
    addressBook: { size: 0, tried: 0 },
  };
  const later = { ...lab, seed: 2 };
  const { first } = seqRange(recording);
  const withLab: Recording = {
    ...recording,
    header: { ...recording.header, lab },
    events: recording.events.map((e) => (e.seq === first + 3 ? { seq: e.seq, at: e.at, kind: 'lab:state' as const, state: later } : e)),
  };
  assert.deepEqual(labStateAt(withLab, first + 2), lab);
  assert.deepEqual(labStateAt(withLab, first + 3), later);
  assert.deepEqual(labStateAt(withLab, first + 30), later);
  assert.equal(labStateAt(recording, first + 3), null);
});
