/**
 * `history` and `resume` answered from the event log within a client's replay budget (see
 * client-budget.ts): the size of an answer is known before it is built, so one over the budget
 * costs neither serialization nor bandwidth. `history` is then refused with a clear error; a
 * `resume` falls back to a resync (one `hello`) instead of streaming.
 */
import type { CommandError, CommandOf } from '../protocol/index.ts';
import { REPLAY_BUDGET, formatBytes } from './client-budget.ts';
import { okReply } from './commands.ts';
import type { EventLog } from './event-log.ts';
import type { TokenBucket } from './rate-limit.ts';
import { eventsMessage, withEvents } from './wire-json.ts';

/** What `history` and `resume` read: the bridge's EventLog, or a recording's events (server/replay). */
export type ReplayableLog = Pick<EventLog, 'firstSeq' | 'beforeEncoded' | 'sinceEncoded'>;

/** Events a `history` command gets when it names no `limit`. */
export const DEFAULT_HISTORY_EVENTS = 2000;

/** The `history` reply's text, taken from `budget` — or the error to reply when it does not fit. */
export function historyAnswer(
  log: ReplayableLog,
  budget: TokenBucket,
  msg: CommandOf<'history'>,
): { ok: true; text: string } | { ok: false; error: CommandError } {
  const events = log.beforeEncoded(msg.beforeSeq, msg.limit ?? DEFAULT_HISTORY_EVENTS);
  const reply = withEvents(okReply(msg.id, 'history', { events: [], firstSeq: log.firstSeq }), events);
  if (budget.take(reply.bytes)) return { ok: true, text: reply.text() };
  const retrySec = (budget.msUntil(reply.bytes) / 1000).toFixed(1);
  return {
    ok: false,
    error: {
      code: 'ERR_RATE_LIMITED',
      message:
        `this history reply (${formatBytes(reply.bytes)}) is over the client's replay budget ` +
        `(${formatBytes(REPLAY_BUDGET.burst)} at once, then ${formatBytes(REPLAY_BUDGET.perSec)} per second, ` +
        `shared by history and resume): retry in ${retrySec} s, or ask for fewer events (limit)`,
    },
  };
}

/**
 * The `events` messages that resume a client after `fromSeq` (in batches of `batchMax`), taken
 * from `budget`; `undefined` when the client must be resynced instead: the events are gone, or
 * streaming them is over the budget.
 */
export function resumeAnswer(
  log: ReplayableLog,
  budget: TokenBucket,
  fromSeq: number,
  batchMax: number,
): { messages: string[]; events: number } | undefined {
  const missed = log.sinceEncoded(fromSeq);
  if (missed === undefined) return undefined;
  const batches: string[][] = [];
  for (let i = 0; i < missed.json.length; i += batchMax) batches.push(missed.json.slice(i, i + batchMax));
  // The events' own bytes, plus each message's envelope and commas.
  const bytes = missed.bytes + batches.reduce((sum, batch) => sum + eventsMessage(batch).bytes, 0);
  if (!budget.take(bytes)) return undefined;
  return { messages: batches.map((batch) => eventsMessage(batch).text()), events: missed.json.length };
}
