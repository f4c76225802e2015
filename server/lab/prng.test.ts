import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, mulberry32, streamSeed } from './prng.ts';

const draw = (seed: number, stream: string, n = 50): number[] => {
  const rng = createRng(seed, stream);
  return Array.from({ length: n }, () => rng.next());
};

test('the same seed and stream give the same sequence; another seed or stream does not', () => {
  assert.deepEqual(draw(42, 'a'), draw(42, 'a'));
  assert.notDeepEqual(draw(42, 'a'), draw(43, 'a'));
  assert.notDeepEqual(draw(42, 'a'), draw(42, 'b'));
  // Adjacent seeds must not give shifted copies of one sequence.
  assert.notDeepEqual(draw(1, '').slice(1), draw(2, '').slice(0, 49));
});

test('mulberry32 is the reference generator (known first outputs for seed 0)', () => {
  const next = mulberry32(0);
  // Reference values of mulberry32(0), as 32-bit integers.
  const ints = Array.from({ length: 3 }, () => Math.floor(next() * 4294967296));
  assert.deepEqual(ints, [1144304738, 1416247, 958946056]);
});

test('values stay in range and cover it', () => {
  const rng = createRng(7, 'range');
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const x = rng.next();
    assert.ok(x >= 0 && x < 1);
    const n = rng.int(3, 9);
    assert.ok(Number.isInteger(n) && n >= 3 && n < 9, `int out of range: ${n}`);
    seen.add(n);
    const f = rng.between(10, 20);
    assert.ok(f >= 10 && f < 20);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7, 8]);
  assert.throws(() => rng.int(5, 5), RangeError);
  assert.throws(() => rng.pick([]), RangeError);
  assert.throws(() => createRng(Number.NaN), TypeError);
});

test('shuffle is a deterministic permutation that leaves its input alone', () => {
  const input = Array.from({ length: 20 }, (_, i) => i);
  const a = createRng(5, 'mix').shuffle(input);
  const b = createRng(5, 'mix').shuffle(input);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, input);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    input,
  );
  assert.deepEqual(
    input,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test('streamSeed spreads nearby seeds and names', () => {
  const seeds = new Set<number>();
  for (let s = 0; s < 100; s++) for (const name of ['ports', 'book', 'mix']) seeds.add(streamSeed(s, name));
  assert.equal(seeds.size, 300);
});
