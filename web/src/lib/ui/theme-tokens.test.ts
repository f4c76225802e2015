import assert from 'node:assert/strict';
import { test } from 'node:test';
import { themeTokens } from './theme-tokens.ts';

test('reads every token, trimmed, by its CSS custom property name', () => {
  const asked: string[] = [];
  const t = themeTokens((name) => {
    asked.push(name);
    return `  ${name}-value `;
  });
  assert.equal(t.panel2, '--panel-2-value');
  assert.equal(t.state.failing, '--state-failing-value');
  assert.equal(t.type.inbound, '--type-inbound-value');
  assert.equal(t.mono, '--mono-value');
  for (const name of ['--bg', '--panel', '--border', '--text', '--muted', '--accent', '--focus', '--font'])
    assert.ok(asked.includes(name), name);
});

test('a missing token falls back to a neutral value, never an empty string', () => {
  const t = themeTokens(() => '');
  assert.equal(t.font, 'system-ui, sans-serif');
  assert.equal(t.state.pending, '#888');
  for (const value of [t.bg, t.panel, t.panel2, t.border, t.text, t.muted, t.accent, t.focus, t.mono]) assert.notEqual(value, '');
});
