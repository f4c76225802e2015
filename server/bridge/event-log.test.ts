import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLog } from './event-log.ts';

const ev = (n: number) => ({ at: n, kind: 'config:changed' as const, targetOutbound: n });

test('numbers events 1, 2, 3… and returns exactly those after fromSeq', () => {
  const log = new EventLog(10);
  assert.equal(log.lastSeq, 0);
  assert.deepEqual(log.since(0), []);
  for (let i = 0; i < 5; i += 1) assert.equal(log.append(ev(i)).seq, i + 1);
  assert.deepEqual(
    log.since(2)?.map((e) => e.seq),
    [3, 4, 5],
  );
  assert.deepEqual(log.since(5), []);
  assert.deepEqual(
    log.since(0, 2)?.map((e) => e.seq),
    [1, 2],
  );
  assert.equal(log.since(1)?.[0]?.at, 1, 'the event itself is kept, not a copy of another');
});

test('once the ring wraps, resuming from before the oldest kept event is refused', () => {
  const log = new EventLog(3);
  for (let i = 0; i < 7; i += 1) log.append(ev(i));
  assert.equal(log.firstSeq, 5);
  assert.deepEqual(
    log.since(4)?.map((e) => e.seq),
    [5, 6, 7],
  );
  assert.equal(log.since(3), undefined, 'seq 4 is gone');
  assert.equal(log.since(0), undefined);
});

test('a fromSeq beyond the latest (another server run) is refused', () => {
  const log = new EventLog(3);
  log.append(ev(1));
  assert.equal(log.since(2), undefined);
  assert.equal(log.since(0, 5), undefined);
});

test('a ring size below 1 is refused at once', () => {
  assert.throws(() => new EventLog(0), TypeError);
  assert.throws(() => new EventLog(1.5), TypeError);
});

test('the serialized views hold each event as JSON.stringify writes it, with the exact UTF-8 size', () => {
  const log = new EventLog(4);
  for (let i = 0; i < 6; i += 1) log.append({ at: i, kind: 'listener:state', address: `h€st:${i}`, state: 'error', reason: 'ünïcode' });
  assert.equal(log.lastJson, JSON.stringify(log.since(5)![0]));
  const since = log.sinceEncoded(3)!;
  assert.deepEqual(
    since.json,
    log.since(3)!.map((e) => JSON.stringify(e)),
  );
  assert.equal(
    since.bytes,
    since.json.reduce((n, j) => n + Buffer.byteLength(j), 0),
  );
  assert.equal(log.sinceEncoded(1), undefined, 'evicted, as since()');
  const before = log.beforeEncoded(6, 2);
  assert.deepEqual(
    before.json,
    log.before(6, 2).map((e) => JSON.stringify(e)),
  );
  assert.deepEqual(new EventLog(2).beforeEncoded(5, 10), { json: [], bytes: 0 });
});

test('appendOf builds the same wire text as append({ kind, ...fields }): seq, kind, then the fields', () => {
  const a = new EventLog(4);
  const b = new EventLog(4);
  const fields = {
    at: 5,
    id: 7,
    type: 'outbound',
    persistent: false,
    addr: 'h€st:1',
    from: null,
    to: 'pending',
    reason: 'requested',
    rule: 'R1',
  } as const;
  a.append({ kind: 'conn:state', ...fields } as never);
  b.appendOf('conn:state', fields as never);
  assert.equal(b.lastJson, a.lastJson);
  assert.ok(b.lastJson?.startsWith('{"seq":1,"kind":"conn:state","at":5,'));
  assert.deepEqual(b.sinceEncoded(0), a.sinceEncoded(0));
  // An event with no fields of its own, and text needing escapes, come out the same too.
  a.append({ kind: 'manager:state' } as never);
  b.appendOf('manager:state', {} as never);
  a.append({ kind: 'listener:state', at: 1, address: 'a"b\\c\n', state: 'error', reason: '\u2028' } as never);
  b.appendOf('listener:state', { at: 1, address: 'a"b\\c\n', state: 'error', reason: '\u2028' } as never);
  assert.deepEqual(b.sinceEncoded(0), a.sinceEncoded(0));
  assert.deepEqual(b.since(0), a.since(0));
});
