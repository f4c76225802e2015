/** Test helpers shared by the graph unit tests: ConnView fixtures. */
import type { ConnState, ConnType, ConnView } from '../model/types.ts';

/** A ConnView with sensible defaults; override any field. */
export function conn(id: number, over: Partial<ConnView> = {}): ConnView {
  return {
    id,
    type: 'outbound' as ConnType,
    persistent: false,
    addr: `127.0.0.1:${9000 + id}`,
    localAddr: null,
    state: 'established' as ConnState,
    attempt: 0,
    createdAt: 0,
    bytesIn: 0,
    bytesOut: 0,
    lastActivityAt: 0,
    history: [],
    ...over,
  };
}

/** A Map of `n` connections of one type, ids from `firstId`. */
export function many(n: number, type: ConnType, firstId = 1, over: Partial<ConnView> = {}): Map<number, ConnView> {
  const m = new Map<number, ConnView>();
  for (let i = 0; i < n; i++) m.set(firstId + i, conn(firstId + i, { type, ...over }));
  return m;
}

/** A fake canvas text measure: 7 px per character at 12 px, scaled by the font's size. */
export function fakeMeasure(text: string, font: string): number {
  const size = Number(/(\d+)px/.exec(font)?.[1] ?? 12);
  return text.length * 7 * (size / 12);
}
