/**
 * The graph's accessible mirror: one option per live peer, in list order, named in words (what
 * the canvas shows by colour and dimming). Rebuilt only when something it shows can have changed
 * — a new batch, a new filter, or (while a peer is failing) its countdown — and a row that did
 * not change is the same object as before, so the keyed `{#each}` touches only rows that did.
 * Pure: the component assigns the rows it returns.
 */
import type { ConnState, ConnType, ConnView } from '../model/types.ts';
import { accessibleName, compareForList } from './groups.ts';

/** One option of the mirror. */
export interface MirrorItem {
  id: number;
  name: string;
  state: ConnState;
  type: ConnType;
  persistent: boolean;
  /** Whether the filter matches it (the canvas dims it otherwise). */
  match: boolean;
}

/** While a peer is failing, its countdown in the names is brought up to date this often (ms). */
export const COUNTDOWN_REFRESH_MS = 250;

/** An option's name: the peer in words, and that the filter dims it (the canvas says so by colour). */
export function mirrorName(c: ConnView, match: boolean, now: number): string {
  const name = accessibleName(c, now);
  return match ? name : `${name}, dimmed by the filter`;
}

/**
 * The rows for the live peers `live` (any order), reusing each row of `prev` that reads the same.
 * `changed` is false when the result equals `prev` row for row (then `rows` is a new array of
 * the same objects, and nothing needs to be assigned).
 */
export function buildMirror(
  prev: readonly MirrorItem[],
  live: readonly ConnView[],
  dimmed: ReadonlySet<number>,
  now: number,
): { rows: MirrorItem[]; changed: boolean } {
  const sorted = [...live].sort(compareForList);
  const before = new Map<number, MirrorItem>();
  for (const it of prev) before.set(it.id, it);
  let changed = prev.length !== sorted.length;
  const rows: MirrorItem[] = new Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    const match = !dimmed.has(c.id);
    const name = mirrorName(c, match, now);
    const old = before.get(c.id);
    const row =
      old && old.name === name && old.match === match && old.state === c.state
        ? old
        : { id: c.id, name, state: c.state, type: c.type, persistent: c.persistent, match };
    rows[i] = row;
    if (!changed && prev[i] !== row) changed = true;
  }
  return { rows, changed };
}

/** What the mirror depends on, per frame. */
export interface MirrorSource {
  /** The model's batch counter. */
  version: number;
  /** The filter (a new function per filter change). */
  matches: unknown;
  /** Whether any peer is failing (its countdown is in its name). */
  failing: boolean;
  /** The frame's local time (ms), for the countdown refresh. */
  frameAt: number;
}

/** The mirror's rows across frames: knows when they are due for a rebuild. */
export class MirrorRows {
  rows: readonly MirrorItem[] = [];
  #version = -1;
  #matches: unknown = null;
  #at = Number.NEGATIVE_INFINITY;

  /** Whether `src` may show something the rows do not (a rebuild is due). */
  due(src: MirrorSource): boolean {
    return (
      src.version !== this.#version || src.matches !== this.#matches || (src.failing && src.frameAt - this.#at >= COUNTDOWN_REFRESH_MS)
    );
  }

  /**
   * Rebuilds when due. Null when not due; otherwise the rows before and whether any changed
   * (`rows` then holds the new ones).
   */
  update(
    src: MirrorSource,
    live: () => readonly ConnView[],
    dimmed: ReadonlySet<number>,
    now: number,
  ): { before: readonly MirrorItem[]; changed: boolean } | null {
    if (!this.due(src)) return null;
    this.#version = src.version;
    this.#matches = src.matches;
    this.#at = src.frameAt;
    const before = this.rows;
    const { rows, changed } = buildMirror(before, live(), dimmed, now);
    if (changed) this.rows = rows;
    return { before, changed };
  }
}
