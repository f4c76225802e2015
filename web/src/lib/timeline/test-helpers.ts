/** Builders for timeline tests (not a test file itself). */
import type { ConnState, ConnView, Transition } from '../model/types.ts';

/** A history from `[at, to, reason?]` steps; seqs are `seq0`, `seq0 + step`, … */
export function history(steps: readonly (readonly [number, ConnState, string?])[], seq0 = 1, seqStep = 1): Transition[] {
  let from: ConnState | null = null;
  return steps.map(([at, to, reason], i) => {
    const t: Transition = { seq: seq0 + i * seqStep, at, from, to, reason: reason ?? 'requested' };
    from = to;
    return t;
  });
}

export function conn(id: number, h: Transition[], extra: Partial<ConnView> = {}): ConnView {
  const last = h.at(-1);
  return {
    id,
    type: 'outbound',
    persistent: false,
    addr: `127.0.0.1:${9000 + id}`,
    localAddr: null,
    state: last?.to ?? 'pending',
    attempt: 0,
    createdAt: h[0]?.at ?? 0,
    bytesIn: 0,
    bytesOut: 0,
    lastActivityAt: 0,
    history: h,
    ...extra,
  };
}
