/** Small builders for the table's tests: a connection view and a conn:state event. */
import type { WireEventOf } from '$protocol';
import type { ConnView, Transition } from '../model/types.ts';

export const T0 = 1_700_000_000_000;

export function conn(id: number, over: Partial<ConnView> = {}): ConnView {
  return {
    id,
    type: 'outbound',
    persistent: false,
    addr: `127.0.0.1:${9000 + id}`,
    localAddr: null,
    state: 'established',
    attempt: 0,
    createdAt: T0,
    establishedAt: T0,
    bytesIn: 0,
    bytesOut: 0,
    lastActivityAt: T0,
    history: [],
    ...over,
  };
}

export function step(
  seq: number,
  from: Transition['from'],
  to: Transition['to'],
  reason: string,
  over: Partial<Transition> = {},
): Transition {
  return { seq, at: T0 + seq, from, to, reason, ...over };
}

type Conn = WireEventOf<'conn:state'>;
export function connEvent(
  seq: number,
  id: number,
  addr: string,
  from: Conn['from'],
  to: Conn['to'],
  reason: string,
  over: Partial<Conn> = {},
): Conn {
  return {
    seq,
    at: T0 + seq * 10,
    kind: 'conn:state',
    id,
    type: 'outbound',
    persistent: false,
    addr,
    from,
    to,
    reason: reason as Conn['reason'],
    rule: 'peer-closed',
    ...over,
  };
}
