import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnView } from '../model/types.ts';
import { constrainToSector } from './geometry.ts';
import { SECTORS } from './groups.ts';
import {
  END_FADE_MS,
  GraphLayout,
  MAX_FADING_PER_SECTOR,
  REDUCED_END_OPACITY,
  REHEAT_ALPHA,
  STATE_FADE_MS,
  type SyncClock,
} from './layout.ts';
import { conn, many } from './test-fixtures.ts';

const clock = (serverNow: number, localNow = serverNow, reducedMotion = false): SyncClock => ({
  serverNow,
  localNow,
  reducedMotion,
});

function cool(layout: GraphLayout): void {
  layout.settle(10_000);
  assert.equal(layout.hot, false);
}

test('sync creates one node per live connection and keeps the same objects across updates', () => {
  const conns = new Map<number, ConnView>([
    [1, conn(1)],
    [2, conn(2, { type: 'inbound' })],
    [3, conn(3, { type: 'manual', persistent: true, state: 'failing', retryAt: 5000 })],
  ]);
  const layout = new GraphLayout();
  const r = layout.sync(conns, clock(0));
  assert.equal(r.added, 3);
  assert.equal(layout.nodes.length, 3);
  const first = layout.byId.get(1)!;
  layout.sync(conns, clock(16));
  assert.equal(layout.byId.get(1), first, 'node object reused');
  assert.deepEqual(layout.counts, { outbound: 1, inbound: 1, manual: 1, persistent: 1, total: 3 });
});

test('a state change never moves anything: no reheat, same positions', () => {
  const conns = many(10, 'outbound');
  const layout = new GraphLayout();
  layout.sync(conns, clock(0));
  cool(layout);
  const before = layout.nodes.map((n) => [n.x, n.y]);
  conns.get(3)!.state = 'failing';
  conns.get(3)!.retryAt = 4000;
  const r = layout.sync(conns, clock(100));
  assert.equal(r.added + r.removed, 0);
  assert.equal(layout.hot, false, 'not reheated');
  layout.step();
  assert.deepEqual(
    layout.nodes.map((n) => [n.x, n.y]),
    before,
  );
  const n3 = layout.byId.get(3)!;
  assert.equal(n3.state, 'failing');
  assert.equal(n3.fromState, 'established');
  assert.ok(r.animating, 'the colour cross-fade runs');
  layout.sync(conns, clock(100 + STATE_FADE_MS));
  assert.equal(n3.mix, 1);
});

test('adding a node reheats its sector gently, and only its sector', () => {
  const conns = new Map([...many(10, 'outbound'), ...many(10, 'inbound', 100)]);
  const layout = new GraphLayout();
  layout.sync(conns, clock(0));
  cool(layout);
  conns.set(500, conn(500, { type: 'inbound' }));
  const r = layout.sync(conns, clock(10));
  assert.equal(r.added, 1);
  assert.ok(Math.abs(layout.alpha('inbound') - REHEAT_ALPHA) < 1e-9);
  assert.equal(layout.isHot('outbound'), false, 'outbound peers stay put');
  const newcomer = layout.byId.get(500)!;
  assert.ok(constrainToSector(newcomer.x, newcomer.y, SECTORS.inbound, layout.bands.inbound, 0).inside, 'starts in its sector');
});

test('ended connections fade out over END_FADE_MS after endedAt, then leave the layout', () => {
  const conns = many(3, 'outbound');
  const layout = new GraphLayout();
  layout.sync(conns, clock(0));
  const c = conns.get(2)!;
  c.state = 'disconnected';
  c.endedAt = 1000;
  layout.sync(conns, clock(1000 + END_FADE_MS / 2));
  const node = layout.byId.get(2)!;
  assert.ok(Math.abs(node.opacity - 0.5) < 1e-9, `opacity ${node.opacity}`);
  assert.equal(node.live, false);
  assert.equal(layout.counts.total, 2, 'not counted as live');
  const r = layout.sync(conns, clock(1000 + END_FADE_MS));
  assert.equal(r.removed, 1);
  assert.equal(layout.byId.has(2), false);
  assert.equal(layout.nodes.length, 2);
});

test('reduced motion: no fades (a fixed dim step), no cross-fade', () => {
  const conns = many(3, 'outbound');
  const layout = new GraphLayout();
  layout.sync(conns, clock(0, 0, true));
  conns.set(9, conn(9));
  layout.sync(conns, clock(10, 10, true));
  assert.equal(layout.byId.get(9)!.opacity, 1, 'no fade-in');
  const c = conns.get(1)!;
  c.state = 'canceled';
  c.endedAt = 10;
  layout.sync(conns, clock(20, 20, true));
  assert.equal(layout.byId.get(1)!.opacity, REDUCED_END_OPACITY);
  assert.equal(layout.byId.get(1)!.mix, 1);
  layout.sync(conns, clock(10 + END_FADE_MS, 30, true));
  assert.equal(layout.byId.has(1), false);
});

test('connections that ended before we saw them are shown only within their fade', () => {
  const conns = new Map([
    [1, conn(1, { state: 'canceled', endedAt: 0 })],
    [2, conn(2, { state: 'disconnected', endedAt: 9_000 })],
  ]);
  const layout = new GraphLayout();
  layout.sync(conns, clock(10_000));
  assert.deepEqual(
    layout.nodes.map((n) => n.id),
    [2],
  );
});

test('churn: at most MAX_FADING_PER_SECTOR ended peers fade per sector, the rest leave at once; live peers stay', () => {
  const conns = many(150, 'inbound');
  for (let id = 1000; id < 1010; id += 1) conns.set(id, conn(id, { type: 'outbound' }));
  const layout = new GraphLayout();
  layout.sync(conns, clock(0));
  // 100 inbound peers end at once, then 50 more that the page never drew end too.
  for (let id = 1; id <= 100; id += 1) Object.assign(conns.get(id)!, { state: 'disconnected', endedAt: 100 });
  for (let id = 2000; id < 2050; id += 1) conns.set(id, conn(id, { type: 'inbound', state: 'disconnected', endedAt: 100 }));
  layout.sync(conns, clock(200));
  const fadingInbound = layout.nodes.filter((n) => n.group === 'inbound' && !n.live);
  assert.equal(fadingInbound.length, MAX_FADING_PER_SECTOR);
  assert.equal(layout.nodes.filter((n) => n.live).length, 60, 'every live peer is still drawn');
  assert.equal(layout.counts.inbound, 50);
  // One outbound peer ends too: its sector has its own places.
  Object.assign(conns.get(1000)!, { state: 'disconnected', endedAt: 200 });
  layout.sync(conns, clock(300));
  assert.equal(layout.byId.get(1000)?.live, false, 'fades in its own sector');
  // Once the fades are over, a new leaver fades again.
  layout.sync(conns, clock(200 + END_FADE_MS));
  assert.equal(layout.nodes.filter((n) => !n.live).length, 0);
  Object.assign(conns.get(101)!, { state: 'disconnected', endedAt: 2000 });
  layout.sync(conns, clock(2000));
  assert.equal(layout.byId.get(101)?.live, false);
});

test('ids the model forgot are dropped at once', () => {
  const conns = many(5, 'inbound');
  const layout = new GraphLayout();
  layout.sync(conns, clock(0));
  conns.delete(3);
  const r = layout.sync(conns, clock(1));
  assert.equal(r.removed, 1);
  assert.equal(layout.byId.has(3), false);
});

test('after settling, every node is inside its sector and nodes do not overlap', () => {
  const conns = new Map([...many(8, 'outbound', 1), ...many(60, 'inbound', 100), ...many(5, 'manual', 1000, { persistent: true })]);
  const layout = new GraphLayout();
  layout.sync(conns, clock(0));
  // Newcomers one by one (not packed): the simulation has to place them.
  for (let i = 0; i < 20; i++) {
    conns.set(2000 + i, conn(2000 + i, { type: 'inbound' }));
    layout.sync(conns, clock(i));
    layout.step();
  }
  cool(layout);
  for (const n of layout.nodes) {
    const band = layout.bands[n.group];
    const slack = layout.sizings[n.group].spacing;
    const inside = constrainToSector(n.x, n.y, SECTORS[n.group], { r0: band.r0 - slack, r1: band.r1 + slack }, -slack).inside;
    assert.ok(inside, `node ${n.id} (${n.group}) at ${n.x.toFixed(0)},${n.y.toFixed(0)}`);
  }
  const inbound = layout.nodes.filter((n) => n.group === 'inbound');
  let min = Infinity;
  for (let i = 0; i < inbound.length; i++) {
    for (let j = i + 1; j < inbound.length; j++) {
      min = Math.min(min, Math.hypot(inbound[i]!.x - inbound[j]!.x, inbound[i]!.y - inbound[j]!.y));
    }
  }
  assert.ok(min > layout.sizings.inbound.spacing * 0.6, `closest pair ${min.toFixed(1)}`);
});

test("a big sector under churn: the newcomer takes the leaver's spot and nothing is reheated", () => {
  const conns = many(800, 'inbound');
  const layout = new GraphLayout();
  layout.sync(conns, clock(0));
  cool(layout);
  const leaver = conns.get(400)!;
  const spot = { x: layout.byId.get(400)!.x, y: layout.byId.get(400)!.y };
  leaver.state = 'disconnected';
  leaver.endedAt = 100;
  conns.set(5000, conn(5000, { type: 'inbound' }));
  const r = layout.sync(conns, clock(100));
  assert.equal(r.added, 1);
  const newcomer = layout.byId.get(5000)!;
  assert.deepEqual({ x: newcomer.x, y: newcomer.y }, spot);
  assert.equal(layout.hot, false, 'no reheat for a like-for-like replacement');
});

test('2,000 peers: first sync packs them (no overlap to untangle) in reasonable time', () => {
  const conns = new Map([...many(100, 'outbound', 1), ...many(1860, 'inbound', 1000), ...many(40, 'manual', 5000)]);
  const layout = new GraphLayout();
  const t0 = performance.now();
  layout.sync(conns, clock(0));
  const syncMs = performance.now() - t0;
  assert.equal(layout.nodes.length, 2000);
  assert.ok(syncMs < 500, `first sync took ${syncMs.toFixed(0)} ms`);
  const before = layout.nodes.map((n) => [n.x, n.y] as const);
  for (let i = 0; i < 10; i++) layout.step();
  let moved = 0;
  for (const [i, n] of layout.nodes.entries()) moved = Math.max(moved, Math.hypot(n.x - before[i]![0], n.y - before[i]![1]));
  assert.ok(moved < layout.sizings.inbound.spacing * 2, `packed nodes barely move (max ${moved.toFixed(1)})`);
});
