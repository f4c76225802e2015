/**
 * The timeline's accessible mirror: one listbox option per lane on screen, with its name, its
 * state and its last transition in words. Pure: the component renders the rows. While paused the
 * rows speak of the picture — the state as of the pause, not the live one.
 */
import type { ConnView } from '../model/types.ts';
import { describeTransition, laneName } from './describe.ts';
import { countUpToSeq } from './segments.ts';

export interface MirrorRow {
  id: number;
  name: string;
  state: string;
  selected: boolean;
  /** The last transition shown ("" for none). */
  last: string;
}

export interface MirrorInput {
  conns: ReadonlyMap<number, ConnView>;
  /** Every lane, top to bottom; rows `[first, end)` are on screen. */
  ids: readonly number[];
  first: number;
  end: number;
  selectedId: number | null;
  /** Transitions with a larger seq are after the pause (Infinity while following). */
  maxSeq: number;
}

/**
 * A cheap fingerprint of what the mirror would show: when it is unchanged the rows are too, so a
 * frame skips rebuilding them (and Svelte skips the DOM).
 */
export function mirrorKey(m: MirrorInput): string {
  let key = `${m.first}:${m.end}:${m.selectedId}:${m.maxSeq}`;
  for (let i = m.first; i < m.end; i++) {
    const c = m.conns.get(m.ids[i]!);
    key += `|${m.ids[i]}:${c?.state}:${c?.history.length}`;
  }
  return key;
}

export function mirrorRows(m: MirrorInput, tzOffsetMs: number): MirrorRow[] {
  const rows: MirrorRow[] = [];
  for (let i = m.first; i < m.end; i++) {
    const c = m.conns.get(m.ids[i]!);
    if (!c) continue;
    const shownCount = countUpToSeq(c.history, m.maxSeq);
    const last = shownCount > 0 ? c.history[shownCount - 1] : undefined;
    const state = m.maxSeq === Infinity || !last ? c.state : last.to;
    rows.push({
      id: c.id,
      name: laneName({ ...c, state }),
      state,
      selected: c.id === m.selectedId,
      last: last ? describeTransition(last, tzOffsetMs) : '',
    });
  }
  return rows;
}

/** The mirror's rows, rebuilt only when what they would show changed. */
export class Mirror {
  #key = '';

  /** New rows for `m`, or null when the current ones still hold. */
  update(m: MirrorInput, tzOffsetMs: number): MirrorRow[] | null {
    const key = mirrorKey(m);
    if (key === this.#key) return null;
    this.#key = key;
    return mirrorRows(m, tzOffsetMs);
  }
}
