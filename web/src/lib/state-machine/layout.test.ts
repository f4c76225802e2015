import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONN_STATES, CONN_TRANSITIONS } from '$protocol';
import { edgeKey, focusOf, layoutStateMachine, type SmLayout, type SmNode } from './layout.ts';

const layout = layoutStateMachine(CONN_TRANSITIONS);
const shapes = [layout, layoutStateMachine(CONN_TRANSITIONS, 'tall')];

/** The curve's three points, read back from its SVG path. */
function curve(d: string): { x: number; y: number }[] {
  const nums = (d.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
  assert.equal(nums.length, 6, d);
  return [0, 2, 4].map((i) => ({ x: nums[i]!, y: nums[i + 1]! }));
}
const node = (l: SmLayout, id: SmNode['id']): SmNode => l.nodes.find((n) => n.id === id)!;
/** Distance from a point to a node's edge (0 on it, negative inside). */
function distanceOut(p: { x: number; y: number }, n: SmNode): number {
  if (n.id === 'start') return Math.hypot(p.x - n.x, p.y - n.y) - n.hw;
  return Math.max(Math.abs(p.x - n.x) - n.hw, Math.abs(p.y - n.y) - n.hh);
}

for (const l of shapes) {
  const shape = l.width > l.height * 1.5 ? 'wide' : 'tall';

  test(`${shape}: one arrow per row of the transition table, from its box to its box, and a box per state`, () => {
    assert.deepEqual(
      l.edges.map((e) => e.key),
      CONN_TRANSITIONS.map((t) => edgeKey(t.from, t.to)),
    );
    assert.equal(new Set(l.edges.map((e) => e.key)).size, CONN_TRANSITIONS.length);
    assert.deepEqual(l.nodes.map((n) => n.id).sort(), [...CONN_STATES, 'start'].sort());
    for (const e of l.edges) {
      const [p0, , p1] = curve(e.d);
      const tip = e.head.split(' ')[0]!.split(',').map(Number);
      const from = node(l, e.from ?? 'start');
      const to = node(l, e.to);
      // It starts at its source's edge and its head's tip touches its target's edge (a few units off).
      assert.ok(distanceOut(p0!, from) >= 0 && distanceOut(p0!, from) <= 6, `${e.key} starts at ${JSON.stringify(p0)}`);
      const tipPt = { x: tip[0]!, y: tip[1]! };
      assert.ok(distanceOut(tipPt, to) >= 0 && distanceOut(tipPt, to) <= 6, `${e.key} points at ${JSON.stringify(tipPt)}`);
      assert.ok(distanceOut(p1!, to) > distanceOut(tipPt, to), `${e.key}: the line stops behind its head`);
      assert.equal(e.when, CONN_TRANSITIONS.find((t) => edgeKey(t.from, t.to) === e.key)!.when);
    }
  });

  test(`${shape}: nothing is drawn outside the diagram, no box overlaps another, no arrow runs through a third box`, () => {
    for (const n of l.nodes) {
      assert.ok(n.x - n.hw >= 0 && n.x + n.hw <= l.width && n.y - n.hh >= 0 && n.y + n.hh <= l.height, n.id);
      for (const m of l.nodes) {
        if (m !== n) assert.ok(Math.abs(m.x - n.x) > m.hw + n.hw || Math.abs(m.y - n.y) > m.hh + n.hh, `${n.id} × ${m.id}`);
      }
    }
    for (const e of l.edges) {
      const [a, c, b] = curve(e.d);
      for (let i = 0; i <= 20; i += 1) {
        const t = i / 20;
        const p = {
          x: (1 - t) ** 2 * a!.x + 2 * (1 - t) * t * c!.x + t * t * b!.x,
          y: (1 - t) ** 2 * a!.y + 2 * (1 - t) * t * c!.y + t * t * b!.y,
        };
        assert.ok(p.x >= 0 && p.x <= l.width && p.y >= 0 && p.y <= l.height, `${e.key} leaves the diagram`);
        for (const n of l.nodes) {
          if (n.id !== (e.from ?? 'start') && n.id !== e.to) assert.ok(distanceOut(p, n) > 0, `${e.key} runs through ${n.id}`);
        }
      }
    }
  });

  test(`${shape}: the two arrows of a pair bow apart, a lone one is straight, and the layout is the same every time`, () => {
    const mid = (key: string) => l.edges.find((e) => e.key === key)!.mid;
    for (const [a, b] of [
      ['pending>established', 'established>pending'],
      ['pending>failing', 'failing>pending'],
    ] as const) {
      assert.ok(Math.hypot(mid(a).x - mid(b).x, mid(a).y - mid(b).y) > 30, `${a} and ${b} apart`);
    }
    assert.equal(l.edges.find((e) => e.key === 'established>disconnected')!.bend, 0);
    assert.deepEqual(layoutStateMachine(CONN_TRANSITIONS, shape), l);
  });
}

test('fixed places: the wide shape by lifecycle, left to right', () => {
  assert.deepEqual(Object.fromEntries(layout.nodes.map((n) => [n.id, [n.x, n.y]])), {
    start: [340, 20],
    pending: [200, 108],
    established: [480, 108],
    disconnected: [710, 108],
    failing: [340, 234],
    canceled: [110, 234],
  });
});

test("the focus: the connection's state and the arrow of its last transition", () => {
  const retried = {
    state: 'failing' as const,
    history: [
      { from: null, to: 'pending' as const },
      { from: 'pending' as const, to: 'failing' as const },
    ],
  };
  assert.deepEqual(focusOf(layout, retried), { state: 'failing', edge: 'pending>failing' });
  assert.deepEqual(focusOf(layout, { state: 'established', history: [{ from: null, to: 'established' }] }), {
    state: 'established',
    edge: '->established',
  });
  // A snapshot stand-in says where it is, not how it got there; no history, no arrow.
  assert.deepEqual(focusOf(layout, { state: 'failing', history: [{ from: null, to: 'failing', synthetic: true }] }), {
    state: 'failing',
    edge: null,
  });
  assert.deepEqual(focusOf(layout, { state: 'pending', history: [] }), { state: 'pending', edge: null });
  // A transition the table lacks gets no arrow (the manager never makes one).
  assert.deepEqual(focusOf(layout, { state: 'failing', history: [{ from: null, to: 'failing' }] }), { state: 'failing', edge: null });
  assert.deepEqual(focusOf(layout, undefined), { state: null, edge: null });
});
