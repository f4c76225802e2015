import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RULE_IDS } from '$protocol';
import { inlineRuns, parseRuleTable } from './readme-rules.ts';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

test("the README's rule table lists exactly the manager's rule ids, in order, each with when it applies", () => {
  const rows = parseRuleTable(readme);
  assert.deepEqual(
    rows.map((r) => r.rule),
    [...RULE_IDS],
  );
  for (const r of rows) {
    assert.ok(r.when.length > 10, r.rule);
    assert.match(r.section, /^([\d, ]+|—)$/, r.rule);
  }
});

test('a README without the section or its table is an error, not an empty list', () => {
  assert.throws(() => parseRuleTable('# x\n\n### Other\n'), /no "### Rule ids" section/);
  assert.throws(() => parseRuleTable('# x\n\n### Rule ids\n\ntext only\n\n### Next\n'), /has no table/);
});

test('inline code spans are kept apart from text', () => {
  assert.deepEqual(inlineRuns('policy `shed`: closed'), [
    { code: false, text: 'policy ' },
    { code: true, text: 'shed' },
    { code: false, text: ': closed' },
  ]);
});
