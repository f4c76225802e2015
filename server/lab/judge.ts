/**
 * The lab node's judge (README "Ban score", "The lab"): the application side of the lab's
 * manager, as a real node has one. It reads every connection's lines (`onConnection`) and
 * penalizes a host for each line no lab peer would send — control bytes, or a line longer than
 * MAX_LINE_BYTES — so a `misbehave` peer earns a ban from real bytes on a real socket, through the
 * manager's public `penalize`. Lab lines are printable ASCII: greetings, `ping`, flood chatter.
 */
import type { Socket } from 'node:net';
import type { ConnInfo } from '../connmgr/index.ts';

/** Transient points per garbage line: the warning at the 3rd line, the ban (100) at the 5th. */
export const GARBAGE_PENALTY = 20;
/** A line longer than this (no newline yet) is garbage too, and is not kept. */
export const MAX_LINE_BYTES = 512;

export interface Penalizer {
  penalize(id: number, penalty: { transient?: number; persistent?: number; reason: string }): unknown;
}

/** Whether a line (without its newline) is one a lab peer sends: printable ASCII, tab, CR. */
export function isLabLine(line: Buffer): boolean {
  for (const byte of line) {
    if (byte === 0x09 || byte === 0x0d) continue;
    if (byte < 0x20 || byte > 0x7e) return false;
  }
  return true;
}

/**
 * An `onConnection` handler: reads the socket (so that it never fills) and penalizes garbage.
 * `manager` is read at each penalty: the lab's manager is made after its handler.
 */
export function labJudge(manager: () => Penalizer | undefined): (conn: ConnInfo, socket: Socket) => void {
  return (conn, socket) => {
    let pending: Buffer = Buffer.alloc(0);
    const penalize = (why: string): void => {
      try {
        manager()?.penalize(conn.id, { transient: GARBAGE_PENALTY, reason: why });
      } catch {
        // The connection ended meanwhile (ERR_NOT_FOUND) or the manager is stopping: nothing to judge.
      }
    };
    socket.on('data', (chunk: Buffer) => {
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      for (let nl = data.indexOf(0x0a); nl >= 0 && !socket.destroyed; nl = data.indexOf(0x0a)) {
        if (!isLabLine(data.subarray(0, nl))) penalize('garbage from peer');
        data = data.subarray(nl + 1);
      }
      if (data.length > MAX_LINE_BYTES) {
        penalize(`a line longer than ${MAX_LINE_BYTES} bytes`);
        data = Buffer.alloc(0);
      }
      pending = Buffer.from(data); // a copy: the chunk is not kept alive by a tail
    });
  };
}
