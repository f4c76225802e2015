import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnStats, FleetNode } from '$protocol';
import { stats } from '../model/test-fixtures.ts';
import { describeRow, formatRanges, healthText, lagText, nodeRow, nodeRows, rangeEvents, totalsText } from './node-list.ts';

const connStats = (): ConnStats =>
  stats({
    currByType: { inbound: 2, outbound: 3, manual: 1 },
    currByState: { pending: 1, established: 4, failing: 1 },
    // Established ones only (the manager's own counter); the page counts live ones from currByState.
    currConnections: 4,
  });

const node = (over: Partial<FleetNode> = {}): FleetNode => ({
  node: 'a',
  health: 'live',
  runId: '0123456789abcdef',
  runs: 1,
  startedAt: 1000,
  lastSeenAt: 9_500,
  lastSeq: 120,
  receivedSeq: 120,
  lagEvents: 0,
  lagMs: 12,
  lastEventAt: 7_000,
  missing: [],
  droppedEvents: 0,
  buffered: 0,
  control: 'open',
  hasLab: false,
  managerState: 'running',
  stats: connStats(),
  eventsPerSec: 2.5,
  series: [
    { at: 8000, conns: 4, eventsPerSec: 1 },
    { at: 9000, conns: 6, eventsPerSec: 2.5 },
  ],
  ...over,
});

test('formatRanges and rangeEvents: single seqs, ranges, and a cut-off tail', () => {
  assert.equal(formatRanges([]), '');
  assert.equal(
    formatRanges([
      [12, 40],
      [77, 77],
    ]),
    '12–40, 77',
  );
  assert.equal(
    formatRanges([
      [1, 2],
      [4, 4],
      [6, 9],
      [11, 11],
      [20, 30],
    ]),
    '1–2, 4, 6–9 +2 more',
  );
  assert.equal(
    rangeEvents([
      [12, 40],
      [77, 77],
    ]),
    30,
  );
});

test('healthText and lagText', () => {
  assert.equal(healthText('live', 300), 'live');
  assert.equal(healthText('stale', 12_400), 'stale 12 s');
  assert.equal(healthText('stopped', 180_000), 'stopped 3 min ago');
  assert.equal(lagText(0, null), 'in step');
  assert.equal(lagText(1, 40), '1 event behind · delivered in 40 ms');
  assert.equal(lagText(12, 1500), '12 events behind · delivered in 1.5 s');
});

test('nodeRow: counts, ages on the dashboard clock, the short run and the missing ranges', () => {
  const r = nodeRow(
    node({
      missing: [
        [50, 59],
        [61, 61],
      ],
      droppedEvents: 11,
      control: 'read-only',
    }),
    10_000,
  );
  assert.equal(r.seenAgoMs, 500);
  assert.equal(r.lastEventText, 'last event 3.0 s ago');
  assert.equal(r.runShort, '01234567');
  assert.deepEqual([r.conns, r.byType, r.byState], [6, { inbound: 2, outbound: 3, manual: 1 }, { pending: 1, established: 4, failing: 1 }]);
  assert.deepEqual([r.missingText, r.missingEvents, r.droppedEvents], ['50–59, 61', 11, 11]);
  assert.deepEqual(r.series, [4, 6]);
  assert.equal(r.readOnly, true);
  assert.equal(nodeRow(node({ lastEventAt: null }), 10_000).lastEventText, 'no events yet');
  // A heartbeat stamped after the message (clock granularity) is not a negative age.
  assert.equal(nodeRow(node({ lastSeenAt: 10_200 }), 10_000).seenAgoMs, 0);
  assert.equal(
    describeRow(r),
    'node a, live; 6 live connections: 4 established, 1 pending, 1 failing; 2 inbound, 3 outbound, 1 manual; in step · delivered in 12 ms; missing 50–59, 61; 11 dropped by the node',
  );
});

test('nodeRows: sorted by name, whatever order the message has', () => {
  const rows = nodeRows({ at: 10_000, nodes: [node({ node: 'c' }), node({ node: 'a' }), node({ node: 'b', health: 'stale' })] });
  assert.deepEqual(
    rows.map((r) => [r.node, r.healthText]),
    [
      ['a', 'live'],
      ['b', 'stale 500 ms'],
      ['c', 'live'],
    ],
  );
});

test('totalsText: stale, stopped and dropped only when there are any', () => {
  const t = {
    nodes: 3,
    live: 2,
    stale: 1,
    stopped: 0,
    connections: 42,
    byType: { inbound: 10, outbound: 30, manual: 2 },
    byState: { pending: 2, established: 38, failing: 2 },
    eventsPerSec: 12.46,
    droppedEvents: 0,
  };
  assert.equal(totalsText(t), '3 nodes · 2 live · 1 stale · 42 live connections · 12 events/s');
  const one = { pending: 0, established: 0, failing: 1 };
  assert.equal(
    totalsText({ ...t, nodes: 1, live: 0, stale: 0, stopped: 1, connections: 0, byState: one, eventsPerSec: 0.25, droppedEvents: 5 }),
    '1 node · 0 live · 1 stopped · 1 live connection · 0.3 events/s · 5 dropped',
  );
});
