import assert from 'node:assert/strict';
import { test } from 'node:test';
import { config } from '../model/test-fixtures.ts';
import { describeChange, formFrom, rulesPatch } from './config-form.ts';

test('only the fields the user changed are sent', () => {
  const form = { ...formFrom(config), backoff: 'exponential' as const, retryDelayMs: 500 };
  assert.deepEqual(rulesPatch(config, form), { ok: true, patch: { backoff: 'exponential', retryDelayMs: 500 } });
  assert.deepEqual(rulesPatch(config, formFrom(config)), { ok: true, patch: {} });
});

test('a slip is named by its field before anything is sent', () => {
  assert.deepEqual(rulesPatch(config, { ...formFrom(config), retryDelayMs: null }), {
    ok: false,
    field: 'retryDelayMs',
    message: 'retry step (ms) must be a whole number from 1 to 86400000',
  });
  const cap = rulesPatch(config, { ...formFrom(config), retryDelayMs: 10_000, maxRetryDelayMs: 5000 });
  assert.equal(cap.ok, false);
  assert.equal(cap.ok ? '' : cap.field, 'maxRetryDelayMs');
  assert.equal(rulesPatch(config, { ...formFrom(config), maxInbound: -1 }).ok, false);
  assert.equal(rulesPatch(config, { ...formFrom(config), idleTimeoutMs: 0 }).ok, true, '0 turns the idle timeout off');
});

test('the status line says what changed, or that nothing did', () => {
  assert.equal(describeChange({ backoff: 'exponential', retryDelayMs: 500 }), 'changed: backoff exponential, retryDelayMs 500');
  assert.match(describeChange({}), /^nothing changed/);
});
