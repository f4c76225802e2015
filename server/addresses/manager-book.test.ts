/**
 * The manager with an `addressBook` (README "Address sources"), on real loopback sockets: it dials
 * what the book hands out and reports back, so failed addresses cool down, connected ones are not
 * handed out twice, and a closed one may be dialed again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTcpPeer } from '../bridge/testing.ts';
import { ConnManager } from '../connmgr/index.ts';
import { quietLogger, refusedAddr, waitFor } from '../test-support.ts';
import { AddressBook } from './address-book.ts';

test('automatic outbound from an AddressBook: dials are reported back, a refused address cools down, a closed one is free again', async () => {
  const a = await startTcpPeer();
  const b = await startTcpPeer();
  const dead = await refusedAddr();
  const book = new AddressBook({ cooldownMs: 60_000, logger: quietLogger });
  book.add(dead);
  book.add(a.addr);
  book.add(b.addr);
  const cm = new ConnManager({ addressBook: book, targetOutbound: 2, retryDelayMs: 50, logger: quietLogger });
  const atA = a.nextConnection();
  try {
    await cm.start();
    await waitFor(
      () => cm.stats().currByType.outbound === 2 && cm.list().every((c) => c.state === 'established'),
      'two automatic connections',
    );
    const state = (addr: string): string | undefined => book.entries().find((e) => e.addr === addr)?.state;
    assert.equal(state(dead), 'cooling', 'the refused address waits out its cooldown');
    assert.equal(state(a.addr), 'connected');
    assert.equal(state(b.addr), 'connected');
    await assert.rejects(book.getNewAddress(), /3 known \(1 cooling, 2 connected\)/);

    // The peer at `a` hangs up: the book may hand `a` out again, and the manager redials it.
    const id = cm.list().find((c) => c.addr === a.addr)!.id;
    (await atA).destroy();
    await waitFor(() => cm.get(id) === undefined, 'the dropped connection to end');
    await waitFor(
      () => cm.list().some((c) => c.addr === a.addr && c.state === 'established' && c.id !== id),
      'a redial of the freed address',
    );
    assert.equal(state(a.addr), 'connected');
    assert.throws(
      () => new ConnManager({ addressBook: book, getNewAddress: async () => a.addr }),
      /getNewAddress or addressBook, not both/,
    );
  } finally {
    await cm.stop();
    await a.close();
    await b.close();
  }
});
