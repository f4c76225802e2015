import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnMgrError } from './errors.ts';
import { CONN_STATES, TRANSITIONS, assertTransition, isFinal, isLegalTransition, type ConnState } from './states.ts';

describe('state table', () => {
  const legal = new Set([
    '-:pending',
    '-:established',
    'pending:established',
    'pending:failing',
    'pending:canceled',
    'established:failing',
    'established:pending',
    'established:disconnected',
    'failing:pending',
    'failing:canceled',
  ]);

  test('exactly the transitions of the README state table are legal', () => {
    const froms: Array<ConnState | null> = [null, ...CONN_STATES];
    for (const from of froms) {
      for (const to of CONN_STATES) {
        const key = `${from ?? '-'}:${to}`;
        assert.equal(isLegalTransition(from, to), legal.has(key), key);
      }
    }
    assert.equal(TRANSITIONS.length, legal.size);
  });

  test('an illegal transition throws ERR_ILLEGAL_TRANSITION', () => {
    const illegal: Array<[ConnState | null, ConnState]> = [
      [null, 'failing'],
      [null, 'disconnected'],
      ['pending', 'disconnected'],
      ['pending', 'pending'],
      ['established', 'canceled'],
      ['failing', 'established'],
      ['failing', 'disconnected'],
      ['disconnected', 'pending'],
      ['canceled', 'pending'],
      ['canceled', 'established'],
    ];
    for (const [from, to] of illegal) {
      assert.throws(
        () => assertTransition(from, to),
        (err: unknown) => err instanceof ConnMgrError && err.code === 'ERR_ILLEGAL_TRANSITION',
        `${from} -> ${to}`,
      );
    }
  });

  test('a legal transition does not throw', () => {
    for (const t of TRANSITIONS) assert.doesNotThrow(() => assertTransition(t.from, t.to));
  });

  test('final states have no way out', () => {
    for (const state of CONN_STATES) {
      const exits = TRANSITIONS.filter((t) => t.from === state);
      assert.equal(isFinal(state), exits.length === 0, state);
    }
    assert.deepEqual(CONN_STATES.filter(isFinal), ['disconnected', 'canceled']);
  });
});
