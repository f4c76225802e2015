/**
 * Seeded randomness for the lab: the same seed gives the same peer mix, ports, lifetimes and
 * address-book picks. mulberry32 (32-bit state, fast, good enough for a simulation — not crypto).
 *
 * Why named streams: each consumer (ports, the mix, the book, one per peer, …) draws from its own
 * stream derived from (seed, name), so adding a peer or a dial at run time does not shift the
 * numbers every other consumer sees.
 */

/** A source of numbers in [0, 1) plus the helpers the lab needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer uniform in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number;
  /** Float uniform in [min, max). */
  between(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** The raw mulberry32 generator: returns a function giving floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a seed and a stream name into one 32-bit seed (FNV-1a over the name, then a finalizer). */
export function streamSeed(seed: number, stream: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < stream.length; i++) {
    h ^= stream.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // murmur3 finalizer: spreads nearby seeds (1, 2, 3…) far apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seeded generator for one named stream.
 * @throws TypeError when `seed` is not a finite number.
 */
export function createRng(seed: number, stream = ''): Rng {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TypeError(`seed must be a finite number, got ${String(seed)}`);
  const next = mulberry32(streamSeed(Math.trunc(seed), stream));
  const int = (min: number, maxExclusive: number): number => {
    if (!(maxExclusive > min)) throw new RangeError(`empty range [${min}, ${maxExclusive})`);
    return min + Math.floor(next() * (maxExclusive - min));
  };
  return {
    next,
    int,
    between: (min, max) => min + next() * (max - min),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty array');
      return items[int(0, items.length)] as (typeof items)[number];
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
