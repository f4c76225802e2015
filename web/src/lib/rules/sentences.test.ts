import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULE_IDS } from '$protocol';
import { backoffFormula, RULE_SECTION, ruleLineOf, ruleSentence, type RuleConfig } from './sentences.ts';

const config: RuleConfig = {
  backoff: 'linear',
  retryDelayMs: 2000,
  maxRetryDelayMs: 30_000,
  maxFailedAttempts: 25,
  maxInbound: 16,
  inboundPolicy: 'shed',
  idleTimeoutMs: 60_000,
  dialTimeoutMs: 5000,
  targetOutbound: 8,
};

test('persistent backoff: attempt, the wait from the event, and the formula with its numbers', () => {
  assert.equal(
    ruleSentence({ rule: 'persistent-backoff', at: 1000, attempt: 3, retryAt: 7000, reason: 'dial-refused' }, config),
    'attempt 3: next try in 6.0 s (6.0 s = 3 × 2.0 s).',
  );
  assert.equal(
    ruleSentence({ rule: 'persistent-backoff', at: 0, attempt: 20, retryAt: 30_000 }, config),
    'attempt 20: next try in 30 s (30 s = 20 × 2.0 s, capped at 30 s).',
  );
});

test('exponential backoff says the range the wait was drawn from', () => {
  assert.equal(backoffFormula({ ...config, backoff: 'exponential' }, 3), 'drawn from [4.0 s, 8.0 s) = half to all of 2.0 s × 2^2');
  assert.match(backoffFormula({ ...config, backoff: 'exponential' }, 10), /capped at 30 s$/);
});

test('a disconnect of a persistent peer says why it backs off', () => {
  assert.match(
    ruleSentence({ rule: 'persistent-backoff', at: 0, attempt: 1, retryAt: 2000, reason: 'local-disconnect' }, config),
    /always backs off/,
  );
});

test('inbound limit: slots and policy', () => {
  assert.equal(ruleSentence({ rule: 'inbound-limit-shed', at: 0 }, config), 'shed: 16 of 16 inbound slots used, policy shed.');
  assert.match(
    ruleSentence({ rule: 'inbound-limit-pause', at: 0 }, { ...config, inboundPolicy: 'pause' }),
    /^paused: 16 of 16 inbound slots used, policy pause/,
  );
});

test('outage: failures in a row and one attempt per delay', () => {
  assert.equal(
    ruleSentence({ rule: 'outage-pause', at: 0, failedAttempts: 25, delayMs: 2000 }, config),
    'outage: 25 automatic failures in a row (limit 25), so one new attempt per 2.0 s until one succeeds.',
  );
});

test('every rule id has a sentence and a README section, with and without the configuration', () => {
  for (const rule of RULE_IDS) {
    for (const cfg of [config, null]) {
      const s = ruleSentence({ rule, at: 0, attempt: 2, retryAt: 4000, reason: 'remote-closed' }, cfg);
      assert.ok(s.length > 10 && s.endsWith('.'), `${rule}: ${s}`);
      assert.doesNotMatch(s, /undefined|NaN/, rule);
    }
    assert.match(RULE_SECTION[rule], /^(rules? [\d, ]+|states|errors)$/, rule);
  }
});

test("an event log row: the rule line of each kind that names a rule, with the event's numbers", () => {
  const base = { seq: 9, at: 1000 } as const;
  assert.deepEqual(
    ruleLineOf(
      {
        ...base,
        kind: 'conn:state',
        id: 3,
        type: 'manual',
        persistent: true,
        addr: '127.0.0.1:9001',
        from: 'pending',
        to: 'failing',
        reason: 'dial-refused',
        code: 'ECONNREFUSED',
        attempt: 2,
        retryAt: 5000,
        rule: 'persistent-backoff',
      },
      config,
    ),
    { rule: 'persistent-backoff', sentence: 'attempt 2: next try in 4.0 s (4.0 s = 2 × 2.0 s).', section: 'rule 2' },
  );
  assert.deepEqual(
    ruleLineOf(
      {
        ...base,
        kind: 'inbound:rejected',
        remote: '127.0.0.1:5000',
        listener: '127.0.0.1:8333',
        reason: 'limit',
        rule: 'inbound-limit-shed',
      },
      config,
    ),
    { rule: 'inbound-limit-shed', sentence: 'shed: 16 of 16 inbound slots used, policy shed.', section: 'rule 6' },
  );
  assert.deepEqual(ruleLineOf({ ...base, kind: 'outbound:throttled', failedAttempts: 26, delayMs: 2000, rule: 'outage-pause' }, config), {
    rule: 'outage-pause',
    sentence: 'outage: 26 automatic failures in a row (limit 25), so one new attempt per 2.0 s until one succeeds.',
    section: 'rule 1',
  });
  // A listener's pause names its rule; its other changes, and events about no rule, have no line.
  assert.equal(
    ruleLineOf({ ...base, kind: 'listener:state', address: '127.0.0.1:8333', state: 'paused', rule: 'inbound-limit-pause' }, config)
      ?.section,
    'rule 6',
  );
  assert.equal(ruleLineOf({ ...base, kind: 'listener:state', address: '127.0.0.1:8333', state: 'listening' }, config), null);
  assert.equal(ruleLineOf({ ...base, kind: 'manager:state', state: 'running' }, config), null);
  assert.equal(ruleLineOf({ ...base, kind: 'page:jump' }, config), null);
  // Before the first hello (no configuration yet) the sentence still reads, without the numbers.
  assert.equal(
    ruleLineOf({ ...base, kind: 'inbound:rejected', remote: 'a:1', listener: 'b:2', reason: 'limit', rule: 'inbound-limit-shed' }, null)
      ?.sentence,
    'shed: every inbound slot used, policy shed.',
  );
});
