/**
 * Labels drawn once, blitted every frame. A peer's radial label is text with a halo; stroking the
 * halo (glyph outlines, rotated) on every frame was the largest part of the graph's software
 * raster under churn (README "Benchmarks", page speed). Here each distinct label (text, font,
 * colours, pixel ratio) is drawn into a small bitmap once; a frame only places it (rotated).
 */

/** A label's bitmap and its size in CSS px; the text's start is `pad` px in, its middle at `h / 2`. */
export interface Sprite<C> {
  image: C;
  w: number;
  h: number;
  pad: number;
}

/** Bounded cache of things made once per key: full, it starts over (labels of departed peers go with it). */
export class SpriteCache<T> {
  readonly #items = new Map<string, T>();
  readonly #limit: number;
  /** How many were made (not served from the cache). */
  made = 0;

  constructor(limit = 512) {
    this.#limit = limit;
  }

  /** The item for `key`, made by `make` the first time. */
  get(key: string, make: () => T): T {
    let item = this.#items.get(key);
    if (item === undefined) {
      if (this.#items.size >= this.#limit) this.#items.clear();
      item = make();
      this.#items.set(key, item);
      this.made += 1;
    }
    return item;
  }

  get size(): number {
    return this.#items.size;
  }
}

/** Halo width (px) around the glyphs; the sprite leaves room for it. */
export const HALO_PX = 3.5;

export interface LabelStyle {
  font: string;
  fill: string;
  halo: string;
  ratio: number;
}

/** The key of one label's bitmap. */
export function spriteKey(text: string, s: LabelStyle): string {
  return `${s.ratio}\u0000${s.font}\u0000${s.fill}\u0000${s.halo}\u0000${text}`;
}
