/**
 * One node as the fleet dashboard follows it (node-track.ts), on an explicit clock: in-order
 * delivery from out-of-order arrival, a reported drop shown as missing and bridged by a fresh
 * baseline, health by heartbeat age, a new run on restart. Also the protocol's name rules and
 * range merging it relies on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GONE_AFTER_MS,
  STALE_AFTER_MS,
  addToRanges,
  eventMsgId,
  nodeNameProblem,
  nodeOfSubject,
  parseEventMsgId,
  type ConnStats,
  type NodeStatus,
  type SeqRange,
  type Snapshot,
} from '../protocol/index.ts';
import { GAP_GRACE_MS, NodeTrack } from './node-track.ts';

const STATS = {
  currByType: { inbound: 0, outbound: 0, manual: 0 },
  currByState: { pending: 0, established: 0, failing: 0 },
  currConnections: 0,
  persistentEntries: 0,
  targetOutbound: 0,
  maxInbound: 0,
  maxPersistent: 8,
  totalDials: 0,
  totalEstablished: 0,
  totalFailedDials: 0,
  totalAccepted: 0,
  rejected: { limit: 0, duplicate: 0, shutdown: 0, 'per-host-limit': 0, 'rate-limit': 0 },
  disconnects: {},
  retries: 0,
  idleKicks: 0,
  acceptingConns: true,
  listenDisabledNum: 0,
  timeInListenDisabledMs: 0,
  consecutiveFailedAttempts: 0,
  throttledAttempts: 0,
} as unknown as ConnStats;

function status(runId: string, lastSeq: number, extra: Partial<NodeStatus> = {}): NodeStatus {
  return {
    v: 1,
    node: 'n',
    runId,
    app: 'connscope test',
    state: 'running',
    startedAt: 0,
    updatedAt: lastSeq * 10,
    at: 0,
    lastSeq,
    publishedSeq: lastSeq,
    lastEventAt: null,
    buffered: 0,
    bufferMax: 10,
    droppedEvents: 0,
    dropped: [],
    disconnects: 0,
    control: 'open',
    hasLab: false,
    managerState: 'running',
    stats: STATS,
    ...extra,
  };
}

const snapshot = (seq: number): Snapshot =>
  ({
    seq,
    state: 'running',
    at: 0,
    config: {} as Snapshot['config'],
    conns: [],
    listeners: [],
    stats: STATS,
  }) as Snapshot;

const event = (seq: number): string => JSON.stringify({ seq, at: 1000 + seq, kind: 'manager:state', state: 'running' });

function track() {
  const delivered: number[] = [];
  const resets: string[] = [];
  const t = new NodeTrack('n', {
    events: (jsons) => delivered.push(...jsons.map((j) => (JSON.parse(j) as { seq: number }).seq)),
    reset: (cause) => resets.push(cause),
  });
  return { t, delivered, resets };
}

test('events wait for a baseline, then go out in seq order however they arrive', () => {
  const { t, delivered, resets } = track();
  t.heartbeat(status('r1', 3), 0);
  assert.equal(t.needsBaseline, true);
  t.event('r1', 3, event(3), 0);
  t.event('r1', 2, event(2), 0);
  assert.deepEqual(delivered, [], 'held until a baseline');
  assert.equal(t.baseline('r1', snapshot(1), null, 0), true);
  assert.deepEqual(delivered, [2, 3]);
  t.event('r1', 5, event(5), 0);
  t.event('r1', 3, event(3), 0); // a duplicate
  assert.deepEqual(delivered, [2, 3]);
  t.event('r1', 4, event(4), 0);
  assert.deepEqual(delivered, [2, 3, 4, 5]);
  assert.equal(t.receivedSeq, 5);
  assert.equal(t.snapshot()?.seq, 5, 'the snapshot is folded up to what was delivered: a hello at seq 5');
  assert.deepEqual(resets, ['run', 'run']);
  assert.equal(t.view(0)?.lagEvents, 0);
  assert.equal(t.lagMs, 0, 'received at 0 ms, event at 1005 ms: no negative lag');
});

test('a reported drop is missing exactly; the view is bridged by a fresh baseline', () => {
  const { t, delivered, resets } = track();
  t.heartbeat(status('r1', 2), 0);
  t.baseline('r1', snapshot(2), null, 0);
  t.event('r1', 3, event(3), 0);
  t.event('r1', 7, event(7), 0);
  assert.deepEqual(delivered, [3]);
  t.heartbeat(status('r1', 7, { droppedEvents: 3, dropped: [[4, 6]] }), 10);
  assert.deepEqual(t.view(10)?.missing, [[4, 6]] satisfies SeqRange[]);
  assert.equal(t.receivedSeq, 6);
  assert.equal(t.needsBaseline, true, 'the fold cannot cross the hole');
  assert.equal(t.baseline('r1', snapshot(5), null, 10), false, 'a snapshot before the hole does not connect');
  assert.equal(t.baseline('r1', snapshot(6), null, 10), true);
  assert.deepEqual(delivered, [3, 7]);
  assert.equal(resets.at(-1), 'gap');
});

test('an unreported hole is waited for GAP_GRACE_MS, then bridged without calling it missing', () => {
  const { t, delivered } = track();
  t.heartbeat(status('r1', 1), 0);
  t.baseline('r1', snapshot(1), null, 0);
  t.event('r1', 3, event(3), 0);
  t.heartbeat(status('r1', 3), 100);
  assert.equal(t.needsBaseline, false, 'within the grace');
  t.heartbeat(status('r1', 3), 100 + GAP_GRACE_MS + 1);
  assert.equal(t.needsBaseline, true);
  assert.deepEqual(t.view(GAP_GRACE_MS + 101)?.missing, []);
  t.baseline('r1', snapshot(3), null, GAP_GRACE_MS + 200);
  assert.deepEqual(delivered, []);
  assert.equal(t.receivedSeq, 3);
});

test('health: live, stale after STALE_AFTER_MS, stopped when said, gone after GONE_AFTER_MS; a restart is a new run', () => {
  const { t, resets } = track();
  t.heartbeat(status('r1', 1), 1000);
  assert.equal(t.health(1000 + STALE_AFTER_MS), 'live');
  assert.equal(t.health(1001 + STALE_AFTER_MS), 'stale');
  assert.equal(t.gone(1000 + GONE_AFTER_MS), false);
  assert.equal(t.gone(1001 + GONE_AFTER_MS), true);
  t.heartbeat(status('r1', 1, { state: 'stopped' }), 2000);
  assert.equal(t.health(2000), 'stopped');
  t.heartbeat(status('r2', 1), 3000);
  assert.equal(t.runId, 'r2');
  assert.equal(t.runs, 2);
  assert.equal(t.health(3000), 'live');
  assert.equal(t.receivedSeq, 0);
  assert.equal(resets.filter((r) => r === 'run').length, 2);
  // Late events of the old run are old news.
  assert.equal(t.event('r1', 2, event(2), 3000), false);
});

test('the list shows what is connected as of receivedSeq, not as of the last heartbeat', () => {
  const { t } = track();
  t.heartbeat(status('r1', 1), 0);
  // The baseline (seq 1) lists one connection still dialing.
  const pending = { id: 1, type: 'manual', persistent: false, addr: '127.0.0.1:9', state: 'pending', attempt: 0 };
  t.baseline('r1', { ...snapshot(1), conns: [pending as Snapshot['conns'][number]] }, null, 0);
  const established = JSON.stringify({
    seq: 2,
    at: 1002,
    kind: 'conn:state',
    id: 1,
    type: 'manual',
    persistent: false,
    addr: '127.0.0.1:9',
    from: 'pending',
    to: 'established',
    reason: 'dial-succeeded',
    rule: 'dial-succeeded',
    attempt: 0,
  });
  assert.equal(t.event('r1', 2, established, 10), true);
  const listed = t.view(10)?.stats;
  assert.equal(listed?.currByType.manual, 1, 'the heartbeat (seq 1) said none; the event at seq 2 says one');
  assert.equal(listed?.currConnections, 1);
  assert.equal(listed?.totalDials, STATS.totalDials, 'totals stay the heartbeat’s');
  t.heartbeat(status('r1', 2), 20);
  assert.equal(t.view(20)?.stats.currByType.manual, 0, 'a heartbeat as new as the fold is taken as it is');
});

test('an invalid event is counted and never relayed', () => {
  const { t, delivered } = track();
  t.heartbeat(status('r1', 0), 0);
  t.baseline('r1', snapshot(0), null, 0);
  assert.equal(t.event('r1', 1, '{"seq":1,"kind":"nope"}', 0), false);
  assert.equal(t.event('r1', 1, event(2), 0), false, 'a seq that disagrees with its msg id');
  assert.equal(t.invalid, 2);
  assert.deepEqual(delivered, []);
});

test('node names, subjects and msg ids', () => {
  assert.equal(nodeNameProblem('edge-1_B'), undefined);
  assert.match(nodeNameProblem('a>b') ?? '', /has ">"/);
  assert.match(nodeNameProblem('') ?? '', /empty/);
  assert.equal(nodeOfSubject('connscope.edge-1.events'), 'edge-1');
  assert.equal(nodeOfSubject('connscope.a.b.events'), undefined);
  assert.deepEqual(parseEventMsgId(eventMsgId('3f2a-uuid', 42)), { runId: '3f2a-uuid', seq: 42 });
  assert.equal(parseEventMsgId('run:k42'), undefined, 'a keyframe id is not an event id');
  const r: SeqRange[] = [];
  addToRanges(r, 5);
  addToRanges(r, 7);
  addToRanges(r, 6);
  addToRanges(r, 1, 2);
  addToRanges(r, 10, 12);
  assert.deepEqual(r, [
    [1, 2],
    [5, 7],
    [10, 12],
  ]);
});
