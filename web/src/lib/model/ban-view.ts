/**
 * What the Bans panel, the details panel and the counters show of the ban book (bans.ts) at a
 * model time: bans in force with the time left, ban scores against the thresholds, and one
 * host's standing. Time is always the model's (`store.now()`), so a stale view stops the
 * countdowns with everything else, and a ban whose end has passed leaves the list at that moment
 * even before its `peer:unbanned` arrives. Pure: no Svelte, no DOM.
 */
import type { ConnStats } from '$protocol';
import { activeBans, hostOfAddr, rankedScores, type BanBook } from './bans.ts';

/** The two thresholds of README "Ban score" (the manager's `banWarnThreshold`, `banThreshold`). */
export interface BanThresholds {
  banWarnThreshold: number;
  banThreshold: number;
}

/** A score's standing: under the warning threshold, past it, or at the ban threshold. */
export type ScoreLevel = 'low' | 'warn' | 'ban';

export function scoreLevel(score: number, th: BanThresholds): ScoreLevel {
  if (score >= th.banThreshold) return 'ban';
  return score >= th.banWarnThreshold ? 'warn' : 'low';
}

export interface BanRow {
  host: string;
  reason: string;
  /** Manager clock time the ban ends. */
  until: number;
  /** Time left at `now` (> 0: a ban whose end has passed is not a row). */
  leftMs: number;
  /** The score that earned it, else the host's last reported score; null when none is known. */
  score: number | null;
}

/** Bans in force at `now`, soonest to end first. */
export function banRows(book: BanBook, now: number): BanRow[] {
  return activeBans(book, now).map((b) => ({
    host: b.host,
    reason: b.reason,
    until: b.until,
    leftMs: b.until - now,
    score: b.score ?? book.scores.get(b.host)?.score ?? null,
  }));
}

export interface ScoreRow {
  host: string;
  score: number;
  threshold: number;
  /** How full the bar is: score / threshold, at most 1. */
  fill: number;
  level: ScoreLevel;
  /** Manager clock time of the reading (the transient part has faded since: "as of"). */
  at: number;
  reason: string | null;
  /** The host is banned at `now`. */
  banned: boolean;
}

/** Hosts with a reported score above 0, highest first. */
export function scoreRows(book: BanBook, th: BanThresholds, now: number): ScoreRow[] {
  return rankedScores(book).map((s) => scoreRow(book, s.host, th, now)!);
}

function scoreRow(book: BanBook, host: string, th: BanThresholds, now: number): ScoreRow | null {
  const s = book.scores.get(host);
  if (s === undefined || s.score <= 0) return null;
  const threshold = Math.max(1, th.banThreshold);
  const ban = book.bans.get(host);
  return {
    host,
    score: s.score,
    threshold: th.banThreshold,
    fill: Math.min(1, s.score / threshold),
    level: scoreLevel(s.score, th),
    at: s.at,
    reason: s.reason ?? null,
    banned: ban !== undefined && ban.until > now,
  };
}

/** One host's standing for the details panel: its score (if any) and its ban (if in force). */
export interface HostStanding {
  host: string;
  score: ScoreRow | null;
  ban: BanRow | null;
}

export function hostStanding(book: BanBook, host: string, th: BanThresholds, now: number): HostStanding {
  return {
    host,
    score: scoreRow(book, host, th, now),
    ban: banRows(book, now).find((b) => b.host === host) ?? null,
  };
}

/**
 * What a ban of `host` would close, for the details' hint: every lab peer listens on one loopback
 * host, so banning that host bans the whole lab, and the reader should know before pressing.
 */
export function banHint(host: string, labPeerAddrs: Iterable<string>): string {
  let labPeers = 0;
  for (const addr of labPeerAddrs) if (hostOfAddr(addr) === host) labPeers += 1;
  const whom = labPeers > 0 ? ` — here also the lab's ${labPeers} peer${labPeers === 1 ? '' : 's'} —` : '';
  return `A ban closes every connection of ${host}${whom} and refuses it until the ban ends (rule 11).`;
}

/** The Banned hosts counter: hosts banned now, bans since the start, and inbound refused for a ban. */
export function banCounter(st: Pick<ConnStats, 'bannedHosts' | 'totalBans' | 'rejected'>): { value: number; total: number; title: string } {
  const refused = st.rejected.banned;
  return {
    value: st.bannedHosts,
    total: st.totalBans,
    title: `hosts banned now (rule 11); ${st.totalBans} ban${st.totalBans === 1 ? '' : 's'} since the start; ${refused} inbound connection${refused === 1 ? '' : 's'} refused from a banned host`,
  };
}
