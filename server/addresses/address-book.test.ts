import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isConnMgrError } from '../connmgr/errors.ts';
import { waitFor } from '../test-support.ts';
import { AddressBook, type SeedResolver } from './address-book.ts';

const quiet = { warn: () => undefined };

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('hands out never-tried addresses first, in the order learned, then the least recently tried', async () => {
  const c = clock();
  const book = new AddressBook({ now: c.now, logger: quiet });
  for (const p of [1, 2, 3]) book.add(`127.0.0.1:${9000 + p}`);
  assert.equal(await book.getNewAddress(), '127.0.0.1:9001');
  c.advance(1);
  assert.equal(await book.getNewAddress(), '127.0.0.1:9002');
  c.advance(1);
  book.markGood('127.0.0.1:9001');
  book.markGood('127.0.0.1:9002');
  assert.equal(await book.getNewAddress(), '127.0.0.1:9003');
  book.markGood('127.0.0.1:9003');
  // All connected: none to give, and the error says so.
  await assert.rejects(book.getNewAddress(), (err) => isConnMgrError(err, 'ERR_NO_ADDRESS') && /3 known \(3 connected\)/.test(err.message));
  book.markClosed('127.0.0.1:9002');
  book.markClosed('127.0.0.1:9001');
  assert.equal(await book.getNewAddress(), '127.0.0.1:9001', 'the least recently tried of the two');
});

test('a failing address cools down, twice as long after each failure in a row; a success clears it', async () => {
  const c = clock();
  const book = new AddressBook({ now: c.now, cooldownMs: 1000, maxCooldownMs: 5000, logger: quiet });
  book.add('127.0.0.1:9001');
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    assert.equal(await book.getNewAddress(), '127.0.0.1:9001');
    book.markFailed('127.0.0.1:9001');
    await assert.rejects(book.getNewAddress(), /1 cooling/);
    let waited = 0;
    while (book.entries()[0]!.state !== 'ready') {
      c.advance(100);
      waited += 100;
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 5000, 5000]);
  book.markGood('127.0.0.1:9001');
  book.markClosed('127.0.0.1:9001');
  assert.equal(await book.getNewAddress(), '127.0.0.1:9001', 'a success clears the cooldown');
  assert.deepEqual(
    [1, 2, 3, 4, 10].map((f) => book.cooldownFor(f)),
    [1000, 2000, 4000, 5000, 5000],
  );
});

test('banned addresses are skipped; an empty book names its sources', async () => {
  const banned = new Set(['127.0.0.1:9001']);
  const book = new AddressBook({ isBanned: (a) => banned.has(a), logger: quiet });
  await assert.rejects(book.getNewAddress(), /the address book is empty \(no sources/);
  book.add('127.0.0.1:9001');
  book.add('127.0.0.1:9002');
  assert.equal(await book.getNewAddress(), '127.0.0.1:9002');
  await assert.rejects(book.getNewAddress(), /2 known \(1 banned, 1 dialing\)/);
  assert.deepEqual(
    book.entries().map((e) => [e.addr, e.state]),
    [
      ['127.0.0.1:9001', 'banned'],
      ['127.0.0.1:9002', 'dialing'],
    ],
  );
  assert.throws(() => new AddressBook({ dnsSeeds: ['no-port'] }), /DNS seed "no-port" must be name:port/);
  assert.throws(
    () => book.add('not an address'),
    (err) => isConnMgrError(err, 'ERR_INVALID_ADDRESS'),
  );
});

test('DNS seeds: A and AAAA answers become addresses; a failing seed is reported and the book keeps what it had', async () => {
  const answers: Record<string, { v4: string[]; v6: string[] } | Error> = {
    'seed.test': { v4: ['10.0.0.1', '10.0.0.2'], v6: ['fd00::1'] },
  };
  const resolver: SeedResolver = {
    resolve4: async (n) => {
      const a = answers[n];
      if (a instanceof Error || a === undefined) throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      return a.v4;
    },
    resolve6: async (n) => {
      const a = answers[n];
      if (a instanceof Error || a === undefined) throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      return a.v6;
    },
  };
  const warnings: string[] = [];
  const book = new AddressBook({ dnsSeeds: ['seed.test:8333', 'gone.test:8333'], resolver, logger: { warn: (m) => warnings.push(m) } });
  await book.start();
  try {
    assert.deepEqual(
      book.entries().map((e) => [e.addr, e.source]),
      [
        ['10.0.0.1:8333', 'dns:seed.test:8333'],
        ['10.0.0.2:8333', 'dns:seed.test:8333'],
        ['[fd00::1]:8333', 'dns:seed.test:8333'],
      ],
    );
    assert.deepEqual(warnings, ['address book: DNS seed gone.test:8333 gave no address (ENOTFOUND / ENOTFOUND)']);
    answers['seed.test'] = new Error('down');
    await book.refreshSeeds();
    assert.equal(book.size, 3, 'a seed that fails later takes nothing away');
  } finally {
    book.stop();
  }
});

test('a file of addresses is read at start and again when it changes (a removed line leaves the book)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'addrbook-'));
  const path = join(dir, 'peers.txt');
  writeFileSync(path, '# my peers\n127.0.0.1:9001\n\n127.0.0.1:9002  # the second\nnot-an-address\n');
  const warnings: string[] = [];
  const book = new AddressBook({ file: path, fileCheckMs: 20, logger: { warn: (m) => warnings.push(m) } });
  try {
    await book.start();
    assert.deepEqual(
      book.entries().map((e) => e.addr),
      ['127.0.0.1:9001', '127.0.0.1:9002'],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /peers\.txt line 5: /);
    writeFileSync(path, '127.0.0.1:9002\n127.0.0.1:9003\n');
    // A different modification time, also on file systems with coarse timestamps.
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    await waitFor(
      () =>
        book
          .entries()
          .map((e) => e.addr)
          .join() === '127.0.0.1:9002,127.0.0.1:9003',
      'the changed file to be read',
      5000,
    );
  } finally {
    book.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
