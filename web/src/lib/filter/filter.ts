/**
 * The filter language shared by the graph, the timeline and the event log.
 *
 *   type:inbound state:failing reason:dial-refused addr:127.0.0.1:9001 id:12 persistent:true
 *   kind:conn:state  -state:established  127.0.0.1  #12
 *
 * - Terms are separated by spaces and AND-ed; the same key repeated is OR-ed
 *   (`state:pending state:failing`); `-` negates a term (`-state:established`).
 * - A word without a `key:` is free text, matched (case-insensitive substring) against the
 *   address(es); `host:port` free text works too when the host looks like one (`localhost:9001`,
 *   `10.0.0.2:8333`, `example.org:8333`); `#12` means `id:12`. Any other `word:value` is a key,
 *   and an unknown key is an error (with the nearest known key): `bogus:1` is a typo far more
 *   often than a host named "bogus".
 * - `addr:` matches an event or connection that carries that address: the whole `host:port`, or
 *   every port of a host (`addr:127.0.0.1`); not a prefix of another port.
 * - `kind:` applies to the log only: graph and timeline ignore it (a connection is not an event).
 * - Invalid terms are reported (with a "did you mean") and left out; the others still apply.
 * Pure: no DOM, no Svelte.
 */
import {
  CONN_REASONS,
  CONN_STATES,
  CONN_TYPES,
  EVENT_KINDS,
  LISTENER_STATES,
  REJECT_REASONS,
  assertNever,
  type WireEvent,
} from '$protocol';
import type { ConnView } from '../model/types.ts';

export const FILTER_KEYS = ['type', 'state', 'reason', 'addr', 'id', 'persistent', 'kind'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/** Event kinds that are not log rows (the Lab panel shows the lab's state as it is now). */
const NOT_LOGGED_KINDS: readonly string[] = ['lab:state'];

/** Values each enumerated key accepts (lower case). */
const KEY_VALUES: Partial<Record<FilterKey, readonly string[]>> = {
  type: CONN_TYPES,
  state: [...CONN_STATES, ...LISTENER_STATES],
  reason: [...CONN_REASONS, ...REJECT_REASONS],
  kind: EVENT_KINDS.filter((k) => !NOT_LOGGED_KINDS.includes(k)),
  persistent: ['true', 'false'],
};

export interface FilterTerm {
  /** `text` for free text. */
  key: FilterKey | 'text';
  /** Normalized value (lower case; `persistent` as `true`/`false`). */
  value: string;
  negated: boolean;
}

export interface FilterError {
  /** The term as typed. */
  term: string;
  message: string;
}

export interface ParsedFilter {
  terms: FilterTerm[];
  errors: FilterError[];
}

/** What a term can be matched against; an absent field matches no positive term. */
export interface FilterSubject {
  id?: number;
  type?: string;
  state?: string;
  reason?: string;
  persistent?: boolean;
  kind?: string;
  /** Addresses, lower case. */
  addrs: string[];
}

/** Splits `input` into terms; never throws. */
export function parseFilter(input: string): ParsedFilter {
  const terms: FilterTerm[] = [];
  const errors: FilterError[] = [];
  for (const raw of input.trim().split(/\s+/)) {
    if (raw === '' || raw === '-') continue;
    const negated = raw.startsWith('-') && raw.length > 1;
    const body = negated ? raw.slice(1) : raw;
    const m = /^([A-Za-z][\w-]*):(.*)$/.exec(body);
    if (m === null) {
      const id = /^#(\d+)$/.exec(body);
      if (id) terms.push({ key: 'id', value: String(Number(id[1])), negated });
      else terms.push({ key: 'text', value: body.toLowerCase(), negated });
      continue;
    }
    const key = m[1]!.toLowerCase();
    const value = m[2]!;
    if (!isFilterKey(key)) {
      const port = /^\d{1,5}$/.test(value);
      // `localhost:9001` and `example.org:8333` are addresses, not keys.
      if (port && looksLikeHost(key)) {
        terms.push({ key: 'text', value: body.toLowerCase(), negated });
        continue;
      }
      const guess = closest(key, FILTER_KEYS);
      const hint = guess
        ? ` — did you mean ${guess}?`
        : ` — use one of ${FILTER_KEYS.join(', ')}${port ? ` (an address? write addr:${body})` : ''}`;
      errors.push({ term: raw, message: `unknown key "${key}"${hint}` });
      continue;
    }
    const checked = checkValue(key, value);
    if (typeof checked === 'string') terms.push({ key, value: checked, negated });
    else errors.push({ term: raw, message: checked.error });
  }
  return { terms, errors };
}

function isFilterKey(k: string): k is FilterKey {
  return (FILTER_KEYS as readonly string[]).includes(k);
}

/** A name with a dot (`10.0.0.2`, `example.org`) or `localhost`: a host, where a key never is. */
function looksLikeHost(word: string): boolean {
  return word.includes('.') || word === 'localhost';
}

function checkValue(key: FilterKey, raw: string): string | { error: string } {
  const value = raw.toLowerCase();
  if (value === '') return { error: `"${key}:" needs a value` };
  switch (key) {
    case 'addr':
      return value;
    case 'id':
      return /^#?\d+$/.test(value) && Number(value.replace('#', '')) >= 1
        ? String(Number(value.replace('#', '')))
        : { error: `id must be a connection number, like id:12 (got "${raw}")` };
    case 'persistent': {
      if (['true', 'yes', '1'].includes(value)) return 'true';
      if (['false', 'no', '0'].includes(value)) return 'false';
      return { error: `persistent must be true or false (got "${raw}")` };
    }
    case 'type':
    case 'state':
    case 'reason':
    case 'kind': {
      if (key === 'kind' && NOT_LOGGED_KINDS.includes(value))
        return { error: `${value} is not a log row: the Lab panel shows the lab as it is now` };
      const allowed = KEY_VALUES[key]!;
      if (allowed.includes(value)) return value;
      const guess = closest(value, allowed);
      return { error: `unknown ${key} "${raw}"${guess ? ` — did you mean ${guess}?` : ` — use one of ${allowed.join(', ')}`}` };
    }
    default:
      return assertNever(key, 'filter key');
  }
}

/** Whether `subject` passes `filter`; `ignore` lists keys that do not apply to this view. */
export function matchSubject(filter: ParsedFilter, subject: FilterSubject, ignore: readonly FilterKey[] = []): boolean {
  // Positive terms of one key form an OR group; groups and negations are AND-ed; free text AND-ed.
  const groups = new Map<FilterKey, boolean>();
  for (const term of filter.terms) {
    if (term.key !== 'text' && ignore.includes(term.key)) continue;
    const hit = termHits(term, subject);
    if (term.negated) {
      if (hit) return false;
    } else if (term.key === 'text') {
      if (!hit) return false;
    } else {
      groups.set(term.key, (groups.get(term.key) ?? false) || hit);
    }
  }
  for (const ok of groups.values()) if (!ok) return false;
  return true;
}

function termHits(term: FilterTerm, s: FilterSubject): boolean {
  switch (term.key) {
    case 'text':
      return s.addrs.some((a) => a.includes(term.value));
    case 'addr':
      return s.addrs.some((a) => a === term.value || hostOf(a) === term.value);
    case 'id':
      return s.id !== undefined && s.id === Number(term.value);
    case 'persistent':
      return s.persistent !== undefined && s.persistent === (term.value === 'true');
    case 'type':
      return s.type === term.value;
    case 'state':
      return s.state === term.value;
    case 'reason':
      return s.reason === term.value;
    case 'kind':
      return s.kind === term.value;
    default:
      return assertNever(term.key, 'filter key');
  }
}

/** `127.0.0.1` of `127.0.0.1:9001`, `[::1]` of `[::1]:8333` (lower case in, lower case out). */
function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(addr.slice(i + 1)) ? addr.slice(0, i) : addr;
}

export function subjectOfConn(c: ConnView): FilterSubject {
  const s: FilterSubject = { id: c.id, type: c.type, state: c.state, persistent: c.persistent, addrs: [c.addr.toLowerCase()] };
  if (c.reason !== undefined) s.reason = c.reason;
  return s;
}

export function subjectOfEvent(ev: WireEvent): FilterSubject {
  switch (ev.kind) {
    case 'conn:state':
      return {
        kind: ev.kind,
        id: ev.id,
        type: ev.type,
        persistent: ev.persistent,
        state: ev.to,
        reason: ev.reason,
        addrs: [ev.addr.toLowerCase()],
      };
    case 'inbound:rejected':
      return { kind: ev.kind, type: 'inbound', reason: ev.reason, addrs: [ev.remote.toLowerCase(), ev.listener.toLowerCase()] };
    case 'listener:state':
      return { kind: ev.kind, state: ev.state, addrs: [ev.address.toLowerCase()] };
    case 'outbound:throttled':
      return { kind: ev.kind, type: 'outbound', addrs: [] };
    case 'manager:state':
    case 'config:changed':
      return { kind: ev.kind, addrs: [] };
    case 'peer:penalized':
      return { kind: ev.kind, id: ev.id, reason: ev.reason, addrs: [ev.host.toLowerCase()] };
    case 'peer:banned':
    case 'peer:unbanned':
      return { kind: ev.kind, reason: ev.reason, addrs: [ev.host.toLowerCase()] };
    case 'lab:state':
      // The lab's list of every peer is no event of any one address.
      return { kind: ev.kind, addrs: [] };
    default:
      return assertNever(ev, 'event kind');
  }
}

/** A matcher for the graph and timeline (`kind:` is ignored there). */
export function connMatcher(filter: ParsedFilter): (c: ConnView) => boolean {
  if (filter.terms.every((t) => t.key === 'kind')) return () => true;
  return (c) => matchSubject(filter, subjectOfConn(c), ['kind']);
}

/** A matcher for the event log. */
export function eventMatcher(filter: ParsedFilter): (ev: WireEvent) => boolean {
  if (filter.terms.length === 0) return () => true;
  return (ev) => matchSubject(filter, subjectOfEvent(ev));
}

/** The closest of `options` to `word` (edit distance ≤ 2, or a prefix), for "did you mean". */
export function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = o.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, o);
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= 2 ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
