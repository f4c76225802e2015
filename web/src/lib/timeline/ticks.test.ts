import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chooseTickStep, formatClock, formatDuration, formatTick, tickLabelChars, tickTimes, TICK_STEPS_MS } from './ticks.ts';

const T = Date.UTC(2025, 2, 4, 12, 3, 4, 123); // 12:03:04.123 UTC

describe('formatClock / formatTick', () => {
  test('UTC clock with and without ms', () => {
    assert.equal(formatClock(T, 0), '12:03:04');
    assert.equal(formatClock(T, 0, true), '12:03:04.123');
  });
  test('applies the time-zone offset and wraps at midnight', () => {
    assert.equal(formatClock(T, 2 * 3_600_000), '14:03:04');
    assert.equal(formatClock(T, 12 * 3_600_000), '00:03:04');
    assert.equal(formatClock(T, -13 * 3_600_000), '23:03:04');
  });
  for (const [step, want] of [
    [100, '12:03:04.123'],
    [5_000, '12:03:04'],
    [60_000, '12:03'],
    [3_600_000, '12:03'],
  ] as const) {
    test(`step ${step} → ${want}`, () => assert.equal(formatTick(T, step, 0), want));
  }
  test('label width estimates match the formats', () => {
    for (const step of [1, 500, 1_000, 30_000, 60_000, 86_400_000]) {
      assert.equal(tickLabelChars(step), formatTick(T, step, 0).length);
    }
  });
});

describe('chooseTickStep', () => {
  for (const [span, width, want] of [
    [5_000, 1000, 1_000], // 5 s window: a tick per second
    [60_000, 1000, 10_000],
    [5 * 60_000, 1000, 30_000],
    [3_600_000, 1000, 5 * 60_000],
    [24 * 3_600_000, 1000, 2 * 3_600_000],
    [24 * 3_600_000, 200, 12 * 3_600_000],
    [24 * 3_600_000, 50, 24 * 3_600_000],
  ] as const) {
    test(`${span} ms over ${width} px → ${want}`, () => assert.equal(chooseTickStep(span, width), want));
  }

  test('labels never overlap at any zoom from 5 s to 24 h', () => {
    for (let span = 5_000; span <= 86_400_000; span *= 1.3) {
      for (const width of [300, 800, 1600]) {
        const step = chooseTickStep(span, width);
        const gap = (step * width) / span;
        if (step !== TICK_STEPS_MS.at(-1)) assert.ok(gap >= tickLabelChars(step) * 7 + 28, `${span}/${width}`);
      }
    }
  });

  test('sub-second steps when zoomed in on a very wide plot', () => {
    assert.ok(chooseTickStep(5_000, 20_000) < 1_000);
  });
});

describe('tickTimes', () => {
  test('aligned to multiples of the step, inside the range', () => {
    const ticks = tickTimes(1_500, 9_000, 2_000, 0);
    assert.deepEqual(ticks, [2_000, 4_000, 6_000, 8_000]);
  });
  test('hour ticks align to local hours, not UTC', () => {
    const off = 30 * 60_000; // a +00:30 zone
    const ticks = tickTimes(Date.UTC(2025, 0, 1, 0, 0), Date.UTC(2025, 0, 1, 3, 0), 3_600_000, off);
    assert.deepEqual(
      ticks.map((t) => formatClock(t, off)),
      ['01:00:00', '02:00:00', '03:00:00'],
    );
  });
  test('includes both ends when they are on the grid; empty for a reversed range', () => {
    assert.deepEqual(tickTimes(0, 10, 5, 0), [0, 5, 10]);
    assert.deepEqual(tickTimes(10, 0, 5, 0), []);
  });
});

describe('formatDuration', () => {
  for (const [ms, want] of [
    [0, '0 ms'],
    [-50, '0 ms'],
    [800, '800 ms'],
    [999.6, '1 s'],
    [1_500, '1.5 s'],
    [15_000, '15 s'],
    [59_600, '1 min'],
    [150_000, '2 min 30 s'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
  ] as const) {
    test(`${ms} → ${want}`, () => assert.equal(formatDuration(ms), want));
  }
});
