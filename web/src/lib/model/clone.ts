/**
 * A deep copy of a page model (replay checkpoints, replay/replay.ts): the copy and the original
 * never share anything the reducer changes in place. What the reducer never changes once made is
 * shared: a ring's items (log entries, samples, marks) and a connection's transitions. The large
 * maps (connections, addresses) are copied by hand — several times faster than `structuredClone`
 * for thousands of entries; the rest is small plain data.
 */
import type { AddrBook } from './addr-stats.ts';
import type { ModelState } from './reducer.ts';
import { Ring } from './ring.ts';
import type { ConnView } from './types.ts';

export function cloneModelState(s: ModelState): ModelState {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === 'caps')
      out[key] = value; // never changed after creation
    else if (key === 'conns') out[key] = cloneConns(value as Map<number, ConnView>);
    else if (key === 'addrs') out[key] = cloneAddrs(value as AddrBook);
    else if (value instanceof Ring) out[key] = value.clone();
    else out[key] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
  return out as unknown as ModelState;
}

function cloneConns(conns: Map<number, ConnView>): Map<number, ConnView> {
  const out = new Map<number, ConnView>();
  for (const [id, c] of conns) out.set(id, { ...c, history: c.history.slice() });
  return out;
}

function cloneAddrs(book: AddrBook): AddrBook {
  const byAddr = new Map();
  for (const [addr, a] of book.byAddr) byAddr.set(addr, { ...a, ids: new Set(a.ids), live: new Set(a.live) });
  return { ...book, byAddr };
}
