/**
 * Messages that carry events, built from events serialized once (see EventLog): the message is
 * serialized with an empty `events` array and the events' texts are put in its place. Its size is
 * known before the (possibly large) text is built, so a budget can refuse it without building it.
 */
import { PROTOCOL_VERSION, type EventsMessage } from '../protocol/index.ts';
import type { EncodedEvents } from './event-log.ts';

/** The empty array the events go into. A JSON string never contains it unescaped, so it is found only as a key. */
const SLOT = '"events":[]';

export interface EncodedMessage {
  /** Its size in UTF-8 bytes. */
  readonly bytes: number;
  /** Builds the text. */
  text(): string;
}

/** `message` (which has `events: []`, e.g. `{ v, type: 'events', events: [] }`) with `events` in that array. */
export function withEvents(message: object, events: EncodedEvents): EncodedMessage {
  const shell = JSON.stringify(message);
  const at = shell.indexOf(SLOT);
  if (at < 0) throw new Error('withEvents: the message has no empty events array');
  const cut = at + SLOT.length - 1; // just before the closing bracket
  const n = events.json.length;
  return {
    bytes: Buffer.byteLength(shell) + events.bytes + Math.max(0, n - 1),
    text: () => (n === 0 ? shell : `${shell.slice(0, cut)}${events.json.join(',')}${shell.slice(cut)}`),
  };
}

/**
 * An `events` message of these serialized events. `bytes` is their size if known; without it,
 * the result's `bytes` counts the envelope and commas only.
 */
export function eventsMessage(json: string[], bytes = 0): EncodedMessage {
  return withEvents({ v: PROTOCOL_VERSION, type: 'events', events: [] } satisfies EventsMessage, { json, bytes });
}
