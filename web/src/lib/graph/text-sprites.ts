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

/** Draws `text` with its halo into a new canvas sized for it (browser only). */
export function makeLabelSprite(text: string, s: LabelStyle): Sprite<HTMLCanvasElement> {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d')!;
  ctx.font = s.font;
  const m = ctx.measureText(text);
  const pad = Math.ceil(HALO_PX / 2) + 1;
  const half = Math.ceil(Math.max(m.fontBoundingBoxAscent ?? 10, m.fontBoundingBoxDescent ?? 4, 7)) + pad;
  const w = Math.ceil(m.width) + 2 * pad;
  const h = 2 * half;
  canvas.width = Math.max(1, Math.ceil(w * s.ratio));
  canvas.height = Math.max(1, Math.ceil(h * s.ratio));
  ctx.scale(s.ratio, s.ratio);
  ctx.font = s.font; // resizing the canvas reset it
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = HALO_PX;
  ctx.strokeStyle = s.halo;
  ctx.strokeText(text, pad, half);
  ctx.fillStyle = s.fill;
  ctx.fillText(text, pad, half);
  return { image: canvas, w, h, pad };
}
