import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GridHash } from './hit.ts';

interface P {
  id: number;
  x: number;
  y: number;
}

test('GridHash finds the nearest point within the radius', () => {
  const g = new GridHash<P>(10);
  g.rebuild([
    { id: 1, x: 0, y: 0 },
    { id: 2, x: 12, y: 0 },
    { id: 3, x: -35, y: -40 },
  ]);
  assert.equal(g.find(1, 1, 5)?.id, 1);
  assert.equal(g.find(8, 0, 5)?.id, 2, 'nearest, across a cell border');
  assert.equal(g.find(-34, -41, 3)?.id, 3, 'negative coordinates');
  assert.equal(g.find(6, 30, 5), null, 'nothing within the radius');
  assert.equal(g.find(2, 30, 40)?.id, 1, 'a radius wider than a cell scans further cells');
});

test('GridHash: accept filter, rebuild replaces, empty grid', () => {
  const g = new GridHash<P>(10);
  g.rebuild([
    { id: 1, x: 0, y: 0 },
    { id: 2, x: 3, y: 0 },
  ]);
  assert.equal(g.find(0, 0, 5, (p) => p.id !== 1)?.id, 2);
  g.rebuild([{ id: 9, x: 100, y: 100 }], 25);
  assert.equal(g.find(0, 0, 5), null);
  assert.equal(g.find(101, 99, 4)?.id, 9);
  g.rebuild([]);
  assert.equal(g.find(0, 0, 100), null);
});

test('GridHash agrees with a linear scan on random points', () => {
  let seed = 1;
  const rnd = (): number => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const pts: P[] = Array.from({ length: 2000 }, (_, i) => ({ id: i, x: rnd() * 1000 - 500, y: rnd() * 1000 - 500 }));
  const g = new GridHash<P>(9);
  g.rebuild(pts);
  for (let q = 0; q < 300; q++) {
    const x = rnd() * 1000 - 500;
    const y = rnd() * 1000 - 500;
    let best: P | null = null;
    let bd = 8 * 8;
    for (const p of pts) {
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d <= bd) {
        bd = d;
        best = p;
      }
    }
    assert.equal(g.find(x, y, 8)?.id ?? null, best?.id ?? null);
  }
});
