import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressBook } from './address-book.ts';
import { isLabError } from './errors.ts';
import { createRng } from './prng.ts';

const ADDRS = Array.from({ length: 8 }, (_, i) => `127.0.0.1:${21000 + i}`);

function book(seed = 1, addrs = ADDRS): AddressBook {
  let t = 0;
  const b = new AddressBook({ rng: createRng(seed, 'book'), now: () => ++t });
  for (const a of addrs) b.add(a);
  return b;
}

test('every untried address is handed out before any is tried twice', () => {
  const b = book();
  const first = Array.from({ length: ADDRS.length }, () => b.take());
  assert.deepEqual([...first].sort(), [...ADDRS].sort());
  assert.equal(b.tried, ADDRS.length);
  // Untried ones are picked at random (seeded), not in insertion order.
  assert.notDeepEqual(first, ADDRS);
});

test('after that, the least recently tried comes first (a full round in the same order)', () => {
  const b = book();
  const round1 = Array.from({ length: ADDRS.length }, () => b.take());
  const round2 = Array.from({ length: ADDRS.length }, () => b.take());
  assert.deepEqual(round2, round1);
  assert.equal(b.get(round1[0]!)?.attempts, 2);
});

test('a newly added address is preferred over tried ones', () => {
  const b = book();
  for (let i = 0; i < ADDRS.length; i++) b.take();
  b.add('127.0.0.1:29999');
  assert.equal(b.take(), '127.0.0.1:29999');
});

test('same seed, same picks; another seed, another order', () => {
  const picks = (seed: number): string[] => {
    const b = book(seed);
    return Array.from({ length: 20 }, () => b.take());
  };
  assert.deepEqual(picks(9), picks(9));
  assert.notDeepEqual(picks(9), picks(10));
});

test('addresses in use are skipped; none left rejects with ERR_LAB_NO_ADDRESS', async () => {
  const b = book(1, ADDRS.slice(0, 2));
  b.setInUse(ADDRS[0]!, true);
  assert.equal(b.take(), ADDRS[1]);
  assert.equal(b.take(), ADDRS[1]);
  b.setInUse(ADDRS[1]!, true);
  await assert.rejects(b.getNewAddress(), (err) => isLabError(err, 'ERR_LAB_NO_ADDRESS') && /in use/.test(err.message));
  b.setInUse(ADDRS[0]!, false);
  assert.equal(await b.getNewAddress(), ADDRS[0]);
});

test('an empty book rejects (a promise, never a throw) with ERR_LAB_NO_ADDRESS', async () => {
  const b = new AddressBook({ rng: createRng(1) });
  const p = b.getNewAddress();
  assert.ok(p instanceof Promise);
  await assert.rejects(p, (err) => isLabError(err, 'ERR_LAB_NO_ADDRESS') && /empty/.test(err.message));
});

test('the book is bounded: past maxSize the most-tried address without success goes', () => {
  const b = new AddressBook({ rng: createRng(1), maxSize: 3 });
  for (const a of ADDRS.slice(0, 3)) b.add(a);
  const tried = [b.take(), b.take(), b.take()];
  b.markGood(tried[0]!);
  b.markGood(tried[1]!);
  b.take(); // tried[0] again: 2 attempts, but it worked once
  b.add('127.0.0.1:29999');
  assert.equal(b.size, 3);
  assert.equal(b.has(tried[2]!), false, 'the never-good address is evicted');
  assert.equal(b.has(tried[0]!), true);
});

test('refresh: a tried address comes around again as news, handed out before the untried ones; not while in use', () => {
  const b = book();
  const tried = [b.take(), b.take(), b.take()];
  const last = tried.at(-1)!; // the most recently tried: without refresh it would come after every other
  assert.equal(b.refresh(tried[0]!), true);
  assert.equal(b.refresh(last), true);
  assert.equal(b.get(last)?.attempts, 0);
  assert.equal(b.tried, 1);
  // The latest news first, then the other, then the never-tried ones (five remain untried).
  assert.deepEqual([b.take(), b.take()], [last, tried[0]]);
  assert.equal(b.get(last)?.attempts, 1);
  const rest = Array.from({ length: ADDRS.length - 3 }, () => b.take());
  assert.ok(
    rest.every((a) => b.get(a)?.attempts === 1),
    'then every untried one, once',
  );
  b.setInUse(tried[1]!, true);
  assert.equal(b.refresh(tried[1]!), false, 'in use');
  assert.equal(b.refresh('127.0.0.1:1'), false, 'unknown');
  assert.notEqual(b.take(), tried[1]);
});
