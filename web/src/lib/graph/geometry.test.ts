import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bandFor,
  clamp,
  constrainToSector,
  gaugeRadiusPx,
  hash01,
  MAX_FIRST_RING,
  MIN_RING,
  packedPositions,
  ringCapacity,
  ringRows,
  sectorExtents,
  sizingFor,
  startPosition,
  wrapAngle,
} from './geometry.ts';
import { SECTORS } from './groups.ts';

const close = (a: number, b: number, eps = 1e-9): boolean => Math.abs(a - b) <= eps;

test('wrapAngle maps into [-π, π)', () => {
  const table: [number, number][] = [
    [0, 0],
    [Math.PI / 2, Math.PI / 2],
    [Math.PI, -Math.PI],
    [-Math.PI, -Math.PI],
    [3 * Math.PI, -Math.PI],
    [2 * Math.PI + 0.5, 0.5],
    [-2 * Math.PI - 0.5, -0.5],
  ];
  for (const [a, want] of table) assert.ok(close(wrapAngle(a), want), `${a} → ${wrapAngle(a)}, want ${want}`);
});

test('clamp and hash01', () => {
  assert.equal(clamp(5, 0, 3), 3);
  assert.equal(clamp(-1, 0, 3), 0);
  assert.equal(clamp(2, 0, 3), 2);
  for (let i = 0; i < 1000; i++) {
    const h = hash01(i);
    assert.ok(h >= 0 && h < 1);
    assert.equal(hash01(i), h, 'deterministic');
  }
});

test('sectors do not overlap and leave gaps', () => {
  const arcs = Object.values(SECTORS).map((s) => [s.center - s.span / 2, s.center + s.span / 2] as const);
  const total = Object.values(SECTORS).reduce((a, s) => a + s.span, 0);
  assert.ok(total < 2 * Math.PI, 'room for gaps');
  for (let i = 0; i < arcs.length; i++) {
    for (let j = i + 1; j < arcs.length; j++) {
      // Sample each arc; no sample of one lies inside the other.
      for (let t = 0; t <= 1; t += 0.05) {
        const a = arcs[i]![0] + (arcs[i]![1] - arcs[i]![0]) * t;
        const sj = Object.values(SECTORS)[j]!;
        assert.ok(Math.abs(wrapAngle(a - sj.center)) > sj.span / 2 - 1e-9 || t === 0 || t === 1, `sector ${i} overlaps ${j}`);
      }
    }
  }
});

test('sizingFor: labelled while the sector fits on one ring, smaller dots as it grows', () => {
  const span = SECTORS.outbound.span;
  const fits = ringCapacity(span, MAX_FIRST_RING, 34);
  assert.equal(sizingFor(0, span).labels, true);
  assert.equal(sizingFor(fits, span).labels, true);
  assert.equal(sizingFor(fits + 1, span).labels, false);
  const radii = [fits + 1, 300, 1000, 5000].map((n) => sizingFor(n, span).radius);
  for (let i = 1; i < radii.length; i++) assert.ok(radii[i]! <= radii[i - 1]!, `radius shrinks: ${radii}`);
  assert.ok(sizingFor(0, span).charge < 0, 'a single ring spreads by repulsion');
  assert.equal(sizingFor(5000, span).charge, 0, 'stacked sectors do not pay for many-body');
});

test('bandFor: one ring for few peers, stacked rings for many, never inside MIN_RING', () => {
  const span = SECTORS.inbound.span;
  const few = bandFor(5, span, 34);
  assert.equal(few.r0, MIN_RING);
  assert.equal(few.r1, few.r0);
  const ring = bandFor(20, span, 34);
  assert.equal(ring.r1, ring.r0, '20 labelled inbound peers fit on one ring');
  const stacked = bandFor(2000, span, 9);
  assert.equal(stacked.r0, MAX_FIRST_RING);
  assert.ok(stacked.r1 > stacked.r0 + 50);
  assert.ok(bandFor(4000, span, 9).r1 > stacked.r1, 'grows with the count');
});

test('ringRows places every peer, rows widen outwards', () => {
  const rows = ringRows(1000, SECTORS.inbound.span, 300, 9);
  assert.equal(
    rows.reduce((a, r) => a + r.n, 0),
    1000,
  );
  for (let i = 1; i < rows.length - 1; i++) assert.ok(rows[i]!.n >= rows[i - 1]!.n);
  assert.deepEqual(ringRows(0, 1, 100, 10), []);
});

test('packedPositions: all inside the sector and band, none closer than ~spacing', () => {
  for (const [count, spacing] of [
    [300, 12],
    [40, 17],
    [7, 34],
  ] as const) {
    const sector = SECTORS.inbound;
    const band = bandFor(count, sector.span, spacing);
    const pts = packedPositions(count, sector, band, spacing);
    assert.equal(pts.length, count);
    for (const p of pts) assert.ok(constrainToSector(p.x, p.y, sector, { r0: band.r0 - 1e-6, r1: band.r1 + 1e-6 }, 0).inside);
    let min = Infinity;
    for (let i = 0; i < pts.length; i++) {
      for (let j = i + 1; j < pts.length; j++) min = Math.min(min, Math.hypot(pts[i]!.x - pts[j]!.x, pts[i]!.y - pts[j]!.y));
    }
    assert.ok(min >= spacing * 0.85, `${count} peers: min distance ${min.toFixed(1)} < ${spacing}`);
  }
});

test('startPosition is deterministic and inside its sector', () => {
  const sector = SECTORS.outbound;
  const band = bandFor(100, sector.span, 17);
  for (let id = 1; id < 200; id++) {
    const p = startPosition(id, sector, band, 17);
    assert.deepEqual(startPosition(id, sector, band, 17), p);
    assert.ok(constrainToSector(p.x, p.y, sector, band, 0).inside, `id ${id}`);
  }
});

test('constrainToSector clamps radius and angle, and leaves inside points alone', () => {
  const sector = { center: 0, span: Math.PI / 2 };
  const band = { r0: 100, r1: 200 };
  assert.deepEqual(constrainToSector(150, 0, sector, band, 0), { x: 150, y: 0, inside: true });
  const tooFar = constrainToSector(300, 0, sector, band, 0);
  assert.ok(!tooFar.inside && close(tooFar.x, 200) && close(tooFar.y, 0));
  const tooClose = constrainToSector(10, 0, sector, band, 0);
  assert.ok(close(tooClose.x, 100));
  const outsideAngle = constrainToSector(0, -150, sector, band, 0); // straight up, sector is ±45°
  assert.ok(close(Math.atan2(outsideAngle.y, outsideAngle.x), -Math.PI / 4));
  assert.ok(close(Math.hypot(outsideAngle.x, outsideAngle.y), 150));
  // The wrap-around: a sector centred on π accepts -179°.
  const left = { center: Math.PI, span: Math.PI / 2 };
  assert.ok(constrainToSector(-150, -1, left, band, 0).inside);
});

test('gauge radius and extents: world part scales with zoom, label room does not', () => {
  const band = { r0: 200, r1: 200 };
  const labelled = sizingFor(5, 1);
  const r1 = gaugeRadiusPx(band, labelled, 1, 100);
  const r2 = gaugeRadiusPx(band, labelled, 2, 100);
  assert.ok(close(r2 - r1, band.r1 + labelled.spacing / 2));
  const dots = sizingFor(5000, 1);
  assert.ok(gaugeRadiusPx(band, dots, 1, 100) < gaugeRadiusPx(band, { ...dots, labels: true }, 1, 100));
  const ext = sectorExtents({ outbound: band, inbound: band, manual: band }, { outbound: labelled, inbound: dots, manual: dots }, 90);
  assert.equal(ext.length, 3);
  assert.ok(ext.some((e) => e.px > 90) && ext.some((e) => e.px < 90));
});
