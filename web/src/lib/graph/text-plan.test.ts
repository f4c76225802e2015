import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MarkText } from '../model/limits.ts';
import type { ConnView } from '../model/types.ts';
import { sectorExtents } from './geometry.ts';
import { gauges, type GroupKey } from './groups.ts';
import { boxesOverlap, boxInside, labelFonts, TextWidths, type Box } from './labels.ts';
import { GraphLayout } from './layout.ts';
import { conn, fakeMeasure } from './test-fixtures.ts';
import { labelRoomFor, planText, type TextPlan } from './text-plan.ts';
import { FIT_PAD, fitRings, labelAllowance } from './view.ts';

const fonts = labelFonts('sans-serif');
const LIMITS = { targetOutbound: 8, maxInbound: 117, maxPersistent: 8 };
/** Phone, small laptop, the dashboard's pane at 1440 wide, a big screen. */
const PANES: readonly [number, number][] = [
  [340, 320],
  [700, 420],
  [960, 410],
  [1400, 820],
];

type Counts = Record<GroupKey, number>;

/** Outbound established, inbound established, manual = failing persistent peers (two-line labels). */
function population(counts: Counts): Map<number, ConnView> {
  const conns = new Map<number, ConnView>();
  let id = 1;
  for (let i = 0; i < counts.outbound; i++, id++) conns.set(id, conn(id, { type: 'outbound' }));
  for (let i = 0; i < counts.manual; i++, id++) {
    conns.set(id, conn(id, { type: 'manual', persistent: true, state: 'failing', retryAt: 4000 + i * 1000, attempt: 2 }));
  }
  for (let i = 0; i < counts.inbound; i++, id++) conns.set(id, conn(id, { type: 'inbound', addr: `127.0.0.1:${40000 + i}` }));
  return conns;
}

/** The frame's text as Graph.svelte plans it: fit the rings, then place captions, pills, labels. */
function plan(
  layout: GraphLayout,
  width: number,
  height: number,
  widths: TextWidths,
  extra: { selectedId?: number; activeId?: number; marks?: MarkText[] } = {},
): TextPlan {
  const labelPx = labelRoomFor(layout.nodes, layout.sizings, widths, fonts);
  const allowance = labelAllowance(labelPx, width, height);
  const transform = fitRings(sectorExtents(layout.bands, layout.sizings, allowance), width, height, FIT_PAD);
  return planText(
    {
      width,
      height,
      transform,
      nodes: layout.nodes,
      sizings: layout.sizings,
      bands: layout.bands,
      gauges: gauges(layout.counts, LIMITS),
      labelPx: allowance,
      serverNow: 1000,
      selectedId: extra.selectedId ?? null,
      activeId: extra.activeId ?? null,
      dimmed: new Set(),
      // The zoom buttons (top right) and the caption line (bottom left), as Graph.svelte lays them out.
      overlays: [
        { x: width - 130, y: 10, w: 120, h: 30 },
        { x: 12, y: height - 24, w: Math.min(300, width - 24), h: 16 },
      ],
      previous: new Set(),
      marks: extra.marks ?? [],
    },
    widths,
    fonts,
  );
}

/** Every invariant of a frame's text: inside the pane, and no two pieces of text overlapping. */
function assertReadable(p: TextPlan, width: number, height: number, context: string): void {
  const pane = { x: 0, y: 0, w: width, h: height };
  const all: { box: Box; what: string }[] = [
    ...p.captions.map((c) => ({ box: c.box, what: `caption "${c.text}"` })),
    ...p.marks.map((m) => ({ box: m.box, what: `mark "${m.text}"` })),
    ...p.pills.map((c) => ({ box: c.box, what: `pill #${c.id}` })),
    ...p.labels.map((l) => ({ box: l.box, what: `label #${l.id}` })),
  ];
  for (const t of all) assert.ok(boxInside(t.box, pane), `${context}: ${t.what} is inside the pane`);
  for (let i = 0; i < all.length; i++) {
    for (const o of p.overlays) if (boxesOverlap(all[i]!.box, o)) assert.fail(`${context}: ${all[i]!.what} is under an HTML overlay`);
    for (let j = i + 1; j < all.length; j++) {
      if (boxesOverlap(all[i]!.box, all[j]!.box)) assert.fail(`${context}: ${all[i]!.what} overlaps ${all[j]!.what}`);
    }
  }
}

test('no text overlaps at any population from 1 to 300 per sector, in every pane size', () => {
  const widths = new TextWidths(fakeMeasure);
  for (const [w, h] of PANES) {
    // Three mixes: all sectors growing together, and each one growing next to the other two
    // at the populations of the issue (12 outbound, 16 inbound, 8 failing persistent).
    const mixes: ((n: number) => Counts)[] = [
      (n) => ({ outbound: n, inbound: n, manual: n }),
      (n) => ({ outbound: n, inbound: 16, manual: 8 }),
      (n) => ({ outbound: 12, inbound: n, manual: 8 }),
      (n) => ({ outbound: 12, inbound: 16, manual: n }),
    ];
    for (const [m, mix] of mixes.entries()) {
      // One layout grows peer by peer, as in a live session: new peers start where the layout
      // puts them, unsettled (neighbours may even overlap), the hardest case for labels.
      const layout = new GraphLayout();
      for (let n = 1; n <= 300; n++) {
        layout.sync(population(mix(n)), { serverNow: 1000, localNow: n, reducedMotion: true });
        const p = plan(layout, w, h, widths, { selectedId: 1, activeId: 2 });
        assertReadable(p, w, h, `${w}×${h} mix ${m} n=${n}`);
        assert.equal(p.captions.length, 4, 'three sector captions and "this node" are always drawn');
      }
    }
  }
});

test('settled rings: labels are shown where they fit, and never overlap', () => {
  const widths = new TextWidths(fakeMeasure);
  const layout = new GraphLayout();
  const counts = { outbound: 12, inbound: 16, manual: 8 };
  layout.sync(population(counts), { serverNow: 1000, localNow: 0, reducedMotion: true });
  layout.settle(10_000);
  for (const [w, h] of PANES) {
    const p = plan(layout, w, h, widths);
    assertReadable(p, w, h, `${w}×${h}`);
    // Not vacuous: a good share of the 36 peers carry their address.
    const min = w >= 1400 ? 30 : w >= 700 ? 12 : 6;
    assert.ok(p.labels.length >= min, `${w}×${h}: ${p.labels.length} labels (want ≥ ${min})`);
  }
  // On a big screen a few peers all carry labels, and failing ones their countdown too.
  const small = new GraphLayout();
  small.sync(population({ outbound: 4, inbound: 2, manual: 3 }), { serverNow: 1000, localNow: 0, reducedMotion: true });
  small.settle(10_000);
  const p = plan(small, 1400, 820, widths);
  assert.equal(p.labels.length, 9);
  assert.equal(p.labels.filter((l) => l.sub !== null).length, 3);
});

test('a label shown last frame keeps its place against a newcomer', () => {
  const widths = new TextWidths(fakeMeasure);
  const layout = new GraphLayout();
  layout.sync(population({ outbound: 12, inbound: 0, manual: 0 }), { serverNow: 1000, localNow: 0, reducedMotion: true });
  layout.settle(10_000);
  const base = plan(layout, 700, 420, widths);
  const shown = new Set(base.labels.map((l) => l.id));
  assert.ok(shown.size > 0 && shown.size < 12, `some but not all labelled (${shown.size})`);
  const hidden = layout.nodes.map((n) => n.id).filter((id) => !shown.has(id));
  // Prefer the hidden ones this time: they get labels, and the former ones yield.
  const labelPx = labelRoomFor(layout.nodes, layout.sizings, widths, fonts);
  const allowance = labelAllowance(labelPx, 700, 420);
  const input = {
    width: 700,
    height: 420,
    transform: fitRings(sectorExtents(layout.bands, layout.sizings, allowance), 700, 420, FIT_PAD),
    nodes: layout.nodes,
    sizings: layout.sizings,
    bands: layout.bands,
    gauges: gauges(layout.counts, LIMITS),
    labelPx: allowance,
    serverNow: 1000,
    selectedId: null,
    activeId: null,
    dimmed: new Set<number>(),
    overlays: [],
  };
  const again = planText({ ...input, previous: shown }, widths, fonts);
  assert.deepEqual(new Set(again.labels.map((l) => l.id)), shown, 'same labels as last frame');
  const swapped = planText({ ...input, previous: new Set(hidden) }, widths, fonts);
  assert.ok(swapped.labels.some((l) => hidden.includes(l.id)));
});

test('text is measured once per string: a second frame measures nothing new', () => {
  let measured = 0;
  const widths = new TextWidths((t, f) => {
    measured++;
    return fakeMeasure(t, f);
  });
  const layout = new GraphLayout();
  layout.sync(population({ outbound: 12, inbound: 16, manual: 8 }), { serverNow: 1000, localNow: 0, reducedMotion: true });
  layout.settle(10_000);
  plan(layout, 960, 410, widths, { selectedId: 1 });
  const first = measured;
  assert.ok(first > 0);
  for (let i = 0; i < 10; i++) plan(layout, 960, 410, widths, { selectedId: 1 });
  assert.equal(measured, first, 'frames after the first are served from the cache');
});

/** Every mark at once: "shed" and "paused" at the inbound sector, the throttle banner at the outbound one. */
const ALL_MARKS: MarkText[] = [
  { key: 'shed', text: 'shed', sub: null },
  { key: 'paused', text: 'paused: 117/117', sub: null },
  { key: 'throttle', text: 'outbound throttled', sub: 'next try in 25s' },
];

test("the limits' marks keep clear of every other text, at any population, in every pane size", () => {
  const widths = new TextWidths(fakeMeasure);
  for (const [w, h] of PANES) {
    const layout = new GraphLayout();
    for (let n = 1; n <= 300; n += 7) {
      layout.sync(population({ outbound: n, inbound: n, manual: Math.min(n, 8) }), { serverNow: 1000, localNow: n, reducedMotion: true });
      const p = plan(layout, w, h, widths, { selectedId: 1, activeId: 2, marks: ALL_MARKS });
      assertReadable(p, w, h, `${w}×${h} n=${n}`);
      assert.deepEqual(
        p.marks.map((m) => m.key),
        ['shed', 'paused', 'throttle'],
        'every mark is drawn',
      );
      assert.equal(p.captions.length, 4, 'the captions keep their places');
    }
  }
});

test('the marks sit at their sectors: inbound ones left of the centre, the banner upper right', () => {
  const widths = new TextWidths(fakeMeasure);
  const layout = new GraphLayout();
  layout.sync(population({ outbound: 12, inbound: 16, manual: 8 }), { serverNow: 1000, localNow: 0, reducedMotion: true });
  layout.settle(10_000);
  for (const [w, h] of PANES.filter(([pw]) => pw >= 700)) {
    const p = plan(layout, w, h, widths, { marks: ALL_MARKS });
    const box = (key: string) => p.marks.find((m) => m.key === key)?.box ?? assert.fail(`no ${key} mark`);
    assert.ok(box('shed').cx < w / 2 && box('paused').cx < w / 2, `${w}×${h}: inbound marks on the left`);
    assert.ok(box('shed').cy < box('paused').cy, '"shed" above "paused"');
    assert.ok(box('throttle').cx > w / 2 && box('throttle').cy < h / 2, `${w}×${h}: the banner upper right`);
    // The banner has two lines (its countdown under the title).
    assert.ok(box('throttle').hh * 2 >= 30);
  }
  // No limit reached: no marks, and the plan is as before.
  assert.deepEqual(plan(layout, 960, 410, widths).marks, []);
});

test('churn: a peer that comes and goes within its fade-in is never labelled; one that faded in is', () => {
  const widths = new TextWidths(fakeMeasure);
  const conns = population({ outbound: 3, inbound: 0, manual: 0 });
  const layout = new GraphLayout();
  layout.sync(conns, { serverNow: 0, localNow: 0, reducedMotion: false });
  // A short-lived inbound peer: appears at 100, ends at 140 (its fade-in lasts 400 ms).
  conns.set(50, conn(50, { type: 'inbound', addr: '127.0.0.1:50050' }));
  layout.sync(conns, { serverNow: 100, localNow: 100, reducedMotion: false });
  const labelled = (p: TextPlan) => p.labels.map((l) => l.id);
  assert.equal(labelled(plan(layout, 960, 410, widths)).includes(50), false, 'not while fading in');
  Object.assign(conns.get(50)!, { state: 'disconnected', endedAt: 140 });
  layout.sync(conns, { serverNow: 600, localNow: 600, reducedMotion: false });
  assert.equal(layout.byId.get(50)?.live, false, 'its ghost still fades');
  assert.equal(labelled(plan(layout, 960, 410, widths)).includes(50), false, 'nor as a ghost');
  // One that stays: labelled once it has faded in.
  conns.set(51, conn(51, { type: 'inbound', addr: '127.0.0.1:50051' }));
  layout.sync(conns, { serverNow: 700, localNow: 700, reducedMotion: false });
  assert.equal(labelled(plan(layout, 960, 410, widths)).includes(51), false);
  layout.sync(conns, { serverNow: 1200, localNow: 1200, reducedMotion: false });
  assert.equal(labelled(plan(layout, 960, 410, widths)).includes(51), true);
  assert.equal(layout.byId.get(1)?.fadedIn, true, 'the first load needs no fade-in: its peers may be labelled at once');
});
