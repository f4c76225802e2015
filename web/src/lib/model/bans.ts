/**
 * The page's copy of the manager's ban list and ban scores (README "Ban score"), kept from the
 * snapshot and the `peer:*` events. A score is shown as the manager last reported it (with the
 * time): its transient part fades on the server, and no event says so until the next penalty —
 * the page says "as of" rather than guessing the split between the two parts.
 */
import type { BanInfo, HostScore, Snapshot, WireEventOf } from '$protocol';

export interface BanView extends BanInfo {
  /** Manager clock time the ban was made (the snapshot's time for one it already held). */
  since: number;
  /** The score that earned it (absent for a ban by command, or one from a snapshot). */
  score?: number;
}

export interface ScoreView extends HostScore {
  /** Manager clock time of this reading. */
  at: number;
  /** The last penalty's reason, when an event told it. */
  reason?: string;
}

export interface BanBook {
  bans: Map<string, BanView>;
  scores: Map<string, ScoreView>;
}

export type BanEvent = WireEventOf<'peer:penalized'> | WireEventOf<'peer:banned'> | WireEventOf<'peer:unbanned'>;

export function createBanBook(): BanBook {
  return { bans: new Map(), scores: new Map() };
}

export function clearBanBook(b: BanBook): void {
  b.bans.clear();
  b.scores.clear();
}

/** Replaces both lists with a snapshot's (older servers and recordings have none: empty). */
export function loadBans(b: BanBook, snap: Pick<Snapshot, 'bans' | 'scores' | 'at'>): void {
  clearBanBook(b);
  for (const ban of snap.bans ?? []) b.bans.set(ban.host, { ...ban, since: snap.at });
  for (const s of snap.scores ?? []) b.scores.set(s.host, { ...s, at: snap.at });
}

export function applyBanEvent(b: BanBook, ev: BanEvent): void {
  switch (ev.kind) {
    case 'peer:penalized':
      b.scores.set(ev.host, { host: ev.host, score: ev.score, at: ev.at, reason: ev.reason });
      break;
    case 'peer:banned':
      b.bans.set(ev.host, {
        host: ev.host,
        until: ev.until,
        reason: ev.reason,
        since: ev.at,
        ...(ev.score === undefined ? {} : { score: ev.score }),
      });
      break;
    case 'peer:unbanned':
      // The manager forgets the score with the ban.
      b.bans.delete(ev.host);
      b.scores.delete(ev.host);
      break;
  }
}

/** Bans in force at `now` (manager clock), soonest to end first. */
export function activeBans(b: BanBook, now: number): BanView[] {
  return [...b.bans.values()].filter((ban) => ban.until > now).sort((x, y) => x.until - y.until || (x.host < y.host ? -1 : 1));
}

/** Reported scores above 0, highest first. */
export function rankedScores(b: BanBook): ScoreView[] {
  return [...b.scores.values()].filter((s) => s.score > 0).sort((x, y) => y.score - x.score || (x.host < y.host ? -1 : 1));
}

/** The host part of a `host:port` address (`[::1]:8333` → `::1`), as bans name hosts. */
export function hostOfAddr(addr: string): string {
  if (addr.startsWith('[')) return addr.slice(1, addr.indexOf(']'));
  const i = addr.lastIndexOf(':');
  return i > 0 ? addr.slice(0, i) : addr;
}
