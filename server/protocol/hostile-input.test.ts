/**
 * Hostile input, property-based (README "Security"): the protocol's decoders take whatever a
 * client or a server sends — valid messages, valid ones mutated, and hostile text (deep nesting,
 * `__proto__` keys, huge numbers and strings, random JSON and random bytes) — and never throw,
 * always answering with a named error; what they accept is a message of the schema, and nothing
 * they read reaches `Object.prototype`. RUNS cases per property, 10,000+ in all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { COMMAND_TYPES, MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from './commands.ts';
import { parseClientMessage, parseServerMessage, peekClientMessage } from './messages.ts';
import { parseRecording } from './recording.ts';

const RUNS = 4000;
const ERROR_CODES = new Set(['ERR_BAD_MESSAGE', 'ERR_TOO_LARGE']);

/** One valid message of each command (the field values vary). */
const validCommand: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    id: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), fc.string({ minLength: 1, maxLength: 20 })),
    port: fc.integer({ min: 1, max: 65535 }),
    n: fc.integer({ min: 0, max: 100 }),
    connId: fc.integer({ min: 1, max: 1e6 }),
  })
  .chain(({ id, port, n, connId }) =>
    fc
      .constantFrom<Record<string, unknown>>(
        { type: 'connect', addr: `127.0.0.1:${port}`, persistent: n % 2 === 0 },
        { type: 'addPersistent', addr: `127.0.0.1:${port}` },
        { type: 'disconnect', connId },
        { type: 'remove', connId },
        { type: 'setTargetOutbound', n },
        { type: 'configure', retryDelayMs: (n + 1) * 100 },
        { type: 'lab.addPeer', behaviour: 'stable' },
        { type: 'lab.stopFlood' },
        { type: 'resume', fromSeq: n },
        { type: 'history', beforeSeq: n + 1, limit: n + 1 },
        { type: 'inspect', connId },
        { type: 'lab.setSpeed', speed: 0.5 },
        { type: 'penalize', connId, transient: n, reason: 'garbage' },
        { type: 'ban', host: `10.0.0.${n + 1}`, durationMs: (n + 1) * 1000 },
        { type: 'unban', host: `10.0.0.${n + 1}` },
      )
      .map((m) => ({ v: PROTOCOL_VERSION, id, ...m })),
  );

/** Something a key may be set to: anything JSON can say, and the awkward values. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(1e308, -1e308, -0, 2 ** 53 + 1, 1.5, -1, '', ' ', '\u0000', '__proto__', [], {}, null, true),
  fc.string({ maxLength: 40 }),
);

/** A valid command with one key changed, removed or added (also `__proto__` and `constructor`). */
const mutatedCommand: fc.Arbitrary<string> = fc
  .tuple(
    validCommand,
    fc.constantFrom('v', 'id', 'type', 'addr', 'connId', 'n', 'host', 'reason', 'durationMs', 'token', '__proto__', 'constructor', 'extra'),
    oddValue,
    fc.boolean(),
  )
  .map(([msg, key, value, remove]) => {
    const copy: Record<string, unknown> = { ...msg };
    if (remove) delete copy[key];
    else Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
    return JSON.stringify(copy);
  });

/** Text built to hurt: nesting far past any schema, prototype keys at depth, huge numbers and strings. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 5000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.integer({ min: 1, max: 2000 }).map((d) => `{"v":1,"id":1,"type":"connect","addr":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
  fc.constantFrom(
    '{"__proto__":{"polluted":true},"v":1,"id":1,"type":"ping"}',
    '{"constructor":{"prototype":{"polluted":true}},"v":1,"id":1,"type":"ping"}',
    '{"v":1,"id":1e999,"type":"ping"}',
    '{"v":1,"id":-0,"type":"disconnect","connId":1e308}',
    `{"v":1,"id":1,"type":"connect","addr":"${'9'.repeat(MAX_MESSAGE_BYTES)}"}`,
    `{"v":1,"id":"${'x'.repeat(4 * MAX_MESSAGE_BYTES)}","type":"ping"}`,
    '"just a string"',
    'null',
    '[1,2,3]',
    '',
    '\uFEFF{}',
  ),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.jsonValue({ maxDepth: 6 }).map((j) => JSON.stringify(j)),
);

function assertNamedError(r: { ok: boolean; error?: { code: string; message: string } }): void {
  if (r.ok) return;
  assert.ok(r.error && ERROR_CODES.has(r.error.code), `unnamed error: ${JSON.stringify(r.error)}`);
  assert.ok(r.error.message.length > 0 && r.error.message.length < 2000, 'a short message');
}

function assertPrototypeClean(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was changed');
}

test(`client messages: ${RUNS} valid ones are accepted as they are`, () => {
  fc.assert(
    fc.property(validCommand, (msg) => {
      const r = parseClientMessage(JSON.stringify(msg));
      assert.ok(r.ok, r.ok ? '' : `${JSON.stringify(msg)}: ${r.error.message}`);
      assert.equal(r.msg.type, msg.type);
      assert.ok(COMMAND_TYPES.includes(r.msg.type));
    }),
    { numRuns: RUNS },
  );
});

test(`client messages: ${RUNS} mutated and hostile ones never throw and always get a named error or a valid message`, () => {
  fc.assert(
    fc.property(fc.oneof(mutatedCommand, hostileText), (text) => {
      const r = parseClientMessage(text);
      assertNamedError(r);
      if (r.ok) assert.ok(COMMAND_TYPES.includes(r.msg.type));
      // The rate limiter's peek must hold on the same text.
      const peek = peekClientMessage(text);
      assert.equal(typeof peek, 'object');
      assertPrototypeClean();
    }),
    { numRuns: RUNS },
  );
});

test(`server messages and recordings: ${RUNS / 2} hostile texts each never throw`, () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      assertNamedError(parseServerMessage(text));
      const rec = parseRecording(text);
      if (!rec.ok) assert.ok(rec.line >= 1 && rec.message.length > 0);
      assertPrototypeClean();
    }),
    { numRuns: RUNS / 2 },
  );
});
