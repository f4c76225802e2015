import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WireEventOf } from '$protocol';
import { banCounter, banHint, banRows, hostStanding, scoreLevel, scoreRows } from './ban-view.ts';
import { applyBanEvent, createBanBook, hostOfAddr, loadBans, type BanBook } from './bans.ts';
import { stats } from './test-fixtures.ts';

const T0 = 1_700_000_000_000;
const TH = { banWarnThreshold: 50, banThreshold: 100 };
const DAY = 86_400_000;

function penalized(host: string, score: number, at = T0, reason = 'garbage'): WireEventOf<'peer:penalized'> {
  return { seq: 1, at, kind: 'peer:penalized', host, id: 3, persistent: 0, transient: score, score, reason, warned: false };
}
function banned(host: string, until: number, at = T0, score?: number): WireEventOf<'peer:banned'> {
  return { seq: 2, at, kind: 'peer:banned', host, until, reason: 'banned from the page', ...(score === undefined ? {} : { score }) };
}

function book(...events: Array<WireEventOf<'peer:penalized'> | WireEventOf<'peer:banned'> | WireEventOf<'peer:unbanned'>>): BanBook {
  const b = createBanBook();
  for (const ev of events) applyBanEvent(b, ev);
  return b;
}

describe('scoreLevel', () => {
  test('low under the warning threshold, warn from it, ban from the ban threshold', () => {
    assert.equal(scoreLevel(49, TH), 'low');
    assert.equal(scoreLevel(50, TH), 'warn');
    assert.equal(scoreLevel(99, TH), 'warn');
    assert.equal(scoreLevel(100, TH), 'ban');
    assert.equal(scoreLevel(150, TH), 'ban');
  });
});

describe('banRows', () => {
  test('bans in force, soonest to end first, with the time left on the model clock', () => {
    const b = book(banned('10.0.0.2', T0 + DAY), banned('10.0.0.1', T0 + 60_000));
    const rows = banRows(b, T0 + 10_000);
    assert.deepEqual(
      rows.map((r) => [r.host, r.leftMs]),
      [
        ['10.0.0.1', 50_000],
        ['10.0.0.2', DAY - 10_000],
      ],
    );
    assert.equal(rows[0]!.reason, 'banned from the page');
  });

  test('a ban whose end has passed leaves the list at that moment, before its peer:unbanned', () => {
    const b = book(banned('10.0.0.1', T0 + 60_000));
    assert.equal(banRows(b, T0 + 59_999).length, 1);
    assert.deepEqual(banRows(b, T0 + 60_000), []);
  });

  test('the score that earned a ban, else the last reported one, else none', () => {
    const b = book(
      penalized('10.0.0.1', 40),
      banned('10.0.0.1', T0 + DAY, T0, 120),
      penalized('10.0.0.2', 70),
      banned('10.0.0.2', T0 + DAY),
      banned('10.0.0.3', T0 + DAY),
    );
    const byHost = new Map(banRows(b, T0).map((r) => [r.host, r.score]));
    assert.equal(byHost.get('10.0.0.1'), 120);
    assert.equal(byHost.get('10.0.0.2'), 70);
    assert.equal(byHost.get('10.0.0.3'), null);
  });

  test('unbanned: gone, and its score with it', () => {
    const b = book(penalized('10.0.0.1', 100), banned('10.0.0.1', T0 + DAY), {
      seq: 3,
      at: T0 + 5,
      kind: 'peer:unbanned',
      host: '10.0.0.1',
      reason: 'unbanned',
    });
    assert.deepEqual(banRows(b, T0 + 10), []);
    assert.deepEqual(scoreRows(b, TH, T0 + 10), []);
  });
});

describe('scoreRows', () => {
  test('highest first, the bar full at the threshold, the level, the time of the reading and its reason', () => {
    const b = book(penalized('10.0.0.1', 10, T0 + 1), penalized('10.0.0.2', 60, T0 + 2, 'bad header'), penalized('10.0.0.3', 250, T0 + 3));
    const rows = scoreRows(b, TH, T0 + 10);
    assert.deepEqual(
      rows.map((r) => [r.host, r.score, r.fill, r.level, r.at]),
      [
        ['10.0.0.3', 250, 1, 'ban', T0 + 3],
        ['10.0.0.2', 60, 0.6, 'warn', T0 + 2],
        ['10.0.0.1', 10, 0.1, 'low', T0 + 1],
      ],
    );
    assert.equal(rows[1]!.reason, 'bad header');
    assert.equal(rows[1]!.threshold, 100);
  });

  test('a score of 0 is no row; a snapshot score has its time and no reason', () => {
    const b = createBanBook();
    loadBans(b, {
      at: T0,
      bans: [{ host: '10.0.0.9', until: T0 + 1000, reason: 'by hand' }],
      scores: [
        { host: '10.0.0.1', score: 0 },
        { host: '10.0.0.2', score: 30 },
      ],
    });
    const rows = scoreRows(b, TH, T0);
    assert.deepEqual(
      rows.map((r) => [r.host, r.at, r.reason]),
      [['10.0.0.2', T0, null]],
    );
    assert.deepEqual(
      banRows(b, T0).map((r) => r.host),
      ['10.0.0.9'],
    );
  });

  test('banned says whether the host is banned at that time', () => {
    const b = book(penalized('10.0.0.1', 100), banned('10.0.0.1', T0 + 1000, T0, 100));
    assert.equal(scoreRows(b, TH, T0 + 999)[0]!.banned, true);
    assert.equal(scoreRows(b, TH, T0 + 1000)[0]!.banned, false);
  });
});

describe('hostStanding', () => {
  test('one host: its score and its ban, or neither', () => {
    const b = book(penalized('127.0.0.77', 60), banned('127.0.0.77', T0 + DAY, T0, 60));
    const s = hostStanding(b, hostOfAddr('127.0.0.77:4100'), TH, T0 + 1000);
    assert.equal(s.host, '127.0.0.77');
    assert.equal(s.score?.score, 60);
    assert.equal(s.score?.level, 'warn');
    assert.equal(s.ban?.leftMs, DAY - 1000);
    const none = hostStanding(b, hostOfAddr('[::1]:8333'), TH, T0);
    assert.deepEqual(none, { host: '::1', score: null, ban: null });
  });
});

describe('banCounter', () => {
  test('hosts banned now, the total, and the inbound refused for a ban in its title', () => {
    const c = banCounter(stats({ bannedHosts: 2, totalBans: 5, rejected: { ...stats().rejected, banned: 1 } }));
    assert.equal(c.value, 2);
    assert.equal(c.total, 5);
    assert.equal(c.title, 'hosts banned now (rule 11); 5 bans since the start; 1 inbound connection refused from a banned host');
    assert.match(banCounter(stats({ totalBans: 1 })).title, /; 1 ban since the start; 0 inbound connections refused/);
  });
});

describe('banHint', () => {
  test("says when the host is the lab's, and how many of its peers a ban would take", () => {
    const lab = ['127.0.0.1:4001', '127.0.0.1:4002', '[::1]:4003'];
    assert.equal(banHint('127.0.0.77', lab), 'A ban closes every connection of 127.0.0.77 and refuses it until the ban ends (rule 11).');
    assert.equal(
      banHint('127.0.0.1', lab),
      "A ban closes every connection of 127.0.0.1 — here also the lab's 2 peers — and refuses it until the ban ends (rule 11).",
    );
    assert.match(banHint('::1', lab), /the lab's 1 peer —/);
  });
});
