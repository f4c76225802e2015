/**
 * server/protocol — the wire protocol between the server and the page: every message's runtime
 * schema (valibot) and the types inferred from it. Imports nothing from Node, `ws` or the rest of
 * the server, so the page can import it too. See messages.ts for how a conversation goes.
 */
export * from './events.ts';
export * from './snapshot.ts';
export * from './commands.ts';
export * from './messages.ts';
export * from './lab.ts';
export * from './lessons.ts';
export * from './recording.ts';
export * from './snapshot-fold.ts';
export * from './fleet.ts';

/** For exhaustive switches: a missing `case` makes the call a compile error. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
