import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withEvents } from './wire-json.ts';

test('withEvents builds what JSON.stringify would, and knows its size in bytes before building it', () => {
  const events = [
    { seq: 1, note: 'plain' },
    { seq: 2, note: 'ünïcode €' },
    { seq: 3, note: '"events":[]' },
  ];
  const json = events.map((e) => JSON.stringify(e));
  const encoded = { json, bytes: json.reduce((n, j) => n + Buffer.byteLength(j), 0) };
  // An id that looks like the slot must not be taken for it.
  const message = { v: 1, type: 'reply', id: '"events":[]', ok: true, result: { events: [], firstSeq: 1 } };
  const built = withEvents(message, encoded);
  const expected = JSON.stringify({ ...message, result: { events, firstSeq: 1 } });
  assert.equal(built.text(), expected);
  assert.equal(built.bytes, Buffer.byteLength(expected));
  const empty = withEvents({ v: 1, type: 'events', events: [] }, { json: [], bytes: 0 });
  assert.equal(empty.text(), '{"v":1,"type":"events","events":[]}');
  assert.equal(empty.bytes, empty.text().length);
  assert.throws(() => withEvents({ v: 1 }, encoded), /no empty events array/);
});
