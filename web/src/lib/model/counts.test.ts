import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countLive, emptyLiveCounts } from './counts.ts';
import type { ConnView } from './types.ts';

type C = Pick<ConnView, 'type' | 'persistent' | 'state'>;

test('live counts: by type and by state, ended ones left out, persistent counted among manual', () => {
  const conns: C[] = [
    { type: 'outbound', persistent: false, state: 'established' },
    { type: 'outbound', persistent: false, state: 'pending' },
    { type: 'outbound', persistent: false, state: 'canceled' },
    { type: 'inbound', persistent: false, state: 'established' },
    { type: 'inbound', persistent: false, state: 'disconnected' },
    { type: 'manual', persistent: true, state: 'failing' },
    { type: 'manual', persistent: false, state: 'established' },
  ];
  assert.deepEqual(countLive(conns), {
    total: 5,
    outbound: 2,
    inbound: 1,
    manual: 2,
    persistent: 1,
    pending: 1,
    established: 3,
    failing: 1,
  });
});

test('live counts of nothing are zero, and the two tallies always add up to the total', () => {
  assert.deepEqual(countLive([]), emptyLiveCounts());
  const states = ['pending', 'established', 'failing', 'disconnected', 'canceled'] as const;
  const types = ['outbound', 'inbound', 'manual'] as const;
  const conns: C[] = [];
  for (let i = 0; i < 200; i += 1)
    conns.push({ type: types[(i * 7) % 3]!, persistent: i % 5 === 0 && (i * 7) % 3 === 2, state: states[(i * 3) % 5]! });
  const c = countLive(conns);
  assert.equal(c.outbound + c.inbound + c.manual, c.total);
  assert.equal(c.pending + c.established + c.failing, c.total);
});
