import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatClock, formatDuration } from './format.ts';

test('formatDuration', () => {
  const table: [number, string][] = [
    [-5, '0 ms'],
    [850, '850 ms'],
    [4250, '4.2 s'],
    [15_900, '15 s'],
    [60_000, '1 min'],
    [125_000, '2 min 5 s'],
    [3_780_000, '1 h 3 min'],
    [Number.NaN, '—'],
  ];
  for (const [ms, want] of table) assert.equal(formatDuration(ms), want, String(ms));
});

test('formatBytes', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(3500), '3.4 KiB');
  assert.equal(formatBytes(12 * 1024 * 1024), '12 MiB');
});

test('formatClock: local time of day, with or without milliseconds', () => {
  const at = new Date(2024, 0, 2, 9, 5, 7, 42).getTime();
  assert.equal(formatClock(at), '09:05:07.042');
  assert.equal(formatClock(at, { ms: false }), '09:05:07');
});
