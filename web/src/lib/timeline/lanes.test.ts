import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnView } from '../model/types.ts';
import { conn, history } from './test-helpers.ts';
import {
  anchoredScrollTop,
  indexLanes,
  LABEL_WIDTH_PX,
  laneLabelWidth,
  maxScrollTop,
  neighbourLane,
  revealScrollTop,
  scanLanes,
  visibleRange,
} from './lanes.ts';

function model(...cs: ConnView[]): Map<number, ConnView> {
  return new Map(cs.map((c) => [c.id, c]));
}

describe('scanLanes', () => {
  const all = () => true;
  const m = model(
    conn(
      1,
      history(
        [
          [0, 'pending'],
          [10, 'established'],
        ],
        1,
      ),
    ), // seqs 1, 2
    conn(
      2,
      history(
        [
          [5, 'pending'],
          [20, 'failing'],
          [30, 'pending'],
        ],
        3,
      ),
    ), // 3, 4, 5
    conn(5, history([[40, 'established']], 6), { type: 'inbound' }), // 6
  );

  test('newest id first', () => assert.deepEqual(scanLanes(m, all, Infinity).ids, [5, 2, 1]));

  test('the filter narrows the rows', () => {
    assert.deepEqual(scanLanes(m, (c) => c.type === 'inbound', Infinity).ids, [5]);
    assert.deepEqual(scanLanes(m, () => false, Infinity).ids, []);
  });

  test('paused: counts what came after and hides lanes born after the pause', () => {
    const r = scanLanes(m, all, 3);
    assert.deepEqual(r.ids, [2, 1]);
    assert.equal(r.newCount, 3); // seqs 4, 5, 6
    assert.equal(scanLanes(m, (c) => c.id === 1, 3).newCount, 0);
    assert.equal(scanLanes(m, all, Infinity).newCount, 0);
  });

  test('sorts when the Map is not in id order', () => {
    const unordered = model(conn(9, history([[0, 'pending']])), conn(3, history([[0, 'pending']])), conn(12, history([[0, 'pending']])));
    assert.deepEqual(scanLanes(unordered, all, Infinity).ids, [12, 9, 3]);
  });

  test('3000 lanes × 33 transitions scans in a few ms', () => {
    const big = new Map<number, ConnView>();
    let seq = 1;
    for (let id = 1; id <= 3_000; id++) {
      big.set(
        id,
        conn(
          id,
          history(
            Array.from({ length: 33 }, (_, i) => [i, 'pending'] as const),
            seq,
          ),
        ),
      );
      seq += 33;
    }
    const t0 = performance.now();
    const pausedAt = Math.floor(seq / 2);
    const r = scanLanes(big, (c) => c.id % 2 === 0, pausedAt);
    const ms = performance.now() - t0;
    const even = [...big.values()].filter((c) => c.id % 2 === 0);
    assert.equal(r.ids.length, even.filter((c) => c.history[0]!.seq <= pausedAt).length);
    assert.equal(r.newCount, even.flatMap((c) => c.history).filter((t) => t.seq > pausedAt).length);
    assert.ok(ms < 50, `${ms} ms`);
  });
});

describe('visibleRange / maxScrollTop / revealScrollTop', () => {
  for (const [scroll, vp, count, over, first, end] of [
    [0, 100, 50, 0, 0, 4], // 28 px lanes: rows 0..3 intersect [0, 100)
    [56, 100, 50, 0, 2, 6],
    [56, 100, 50, 1, 1, 7],
    [0, 100, 2, 0, 0, 2],
    [0, 100, 0, 0, 0, 0],
    [1_000, 100, 3, 0, 3, 3],
  ] as const) {
    test(`scroll ${scroll} count ${count} overscan ${over} → [${first}, ${end})`, () => {
      assert.deepEqual(visibleRange(scroll, vp, 28, count, over), { first, end });
    });
  }
  test('maxScrollTop', () => {
    assert.equal(maxScrollTop(100, 28, 10), 180);
    assert.equal(maxScrollTop(1_000, 28, 10), 0);
  });
  test('reveal moves as little as possible', () => {
    assert.equal(revealScrollTop(5, 0, 100, 28), 168 - 100); // below → bottom-align
    assert.equal(revealScrollTop(1, 100, 100, 28), 28); // above → top-align
    assert.equal(revealScrollTop(4, 100, 100, 28), 100); // visible → stay
  });
});

describe('anchoredScrollTop', () => {
  test('new lanes above keep the reader’s rows still', () => {
    const prev = [10, 9, 8, 7, 6];
    const next = indexLanes([12, 11, 10, 9, 8, 7, 6]);
    assert.equal(anchoredScrollTop(prev, next, 2 * 28 + 5, 28), 4 * 28 + 5);
  });
  test('at the top, stay at the top (that is where new lanes appear)', () => {
    assert.equal(anchoredScrollTop([2, 1], indexLanes([3, 2, 1]), 0, 28), 0);
  });
  test('anchor gone → unchanged', () => {
    assert.equal(anchoredScrollTop([2, 1], indexLanes([3]), 30, 28), 30);
  });
});

describe('neighbourLane', () => {
  const ids = [30, 20, 10];
  const idx = indexLanes(ids);
  for (const [sel, delta, fb, want] of [
    [20, 1, 0, 10],
    [20, -1, 0, 30],
    [10, 1, 0, 10],
    [30, -1, 0, 30],
    [null, 1, 1, 20],
    [99, -1, 0, 30],
  ] as const) {
    test(`${sel} ${delta > 0 ? '↓' : '↑'} → ${want}`, () => assert.equal(neighbourLane(ids, idx, sel, delta, fb), want));
  }
  test('no rows → null', () => assert.equal(neighbourLane([], new Map(), null, 1), null));
});

test('laneLabelWidth: the full label column when wide, most of a phone left for the plot', () => {
  assert.equal(laneLabelWidth(1400), LABEL_WIDTH_PX);
  assert.equal(laneLabelWidth(720), LABEL_WIDTH_PX);
  for (const w of [340, 370, 500, 719]) {
    const label = laneLabelWidth(w);
    assert.ok(label >= 150 && label <= LABEL_WIDTH_PX, `${w}: ${label}`);
    assert.ok(w - label >= w * 0.55, `${w}: the plot keeps ${w - label} px`);
  }
});
