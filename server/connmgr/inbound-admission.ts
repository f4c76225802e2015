/**
 * Inbound admission per host (README "Inbound admission"): before an inbound connection takes a
 * slot, its host must be under `maxInboundPerHost` live connections and have a token in its
 * accept bucket (`inboundRate`: `perSecond` sustained, `burst` at once). A host is an IPv4 address
 * (/32) or an IPv6 /64 — one machine usually holds a whole /64, so counting per address would let
 * it open a connection from each. Hosts of `allowHosts` pass without either check.
 *
 * Pure apart from the injected clock: the manager asks `admit`, and tells `release` when an
 * admitted connection ends. Buckets of hosts seen long ago are let go (at most MAX_TRACKED_HOSTS
 * are kept), so a scan from many addresses cannot grow the table without bound.
 */
import { isIPv6 } from 'node:net';
import { TokenBucket } from './token-bucket.ts';

export interface InboundRate {
  perSecond: number;
  burst: number;
}

export type AdmissionRefusal = 'per-host-limit' | 'rate-limit';

/** Hosts whose buckets are kept; past it the least recently seen with nothing live go. */
export const MAX_TRACKED_HOSTS = 10_000;

interface HostState {
  live: number;
  bucket: TokenBucket | null;
}

export class InboundAdmission {
  readonly maxPerHost: number;
  readonly rate: InboundRate | null;
  readonly #isAllowed: (host: string) => boolean;
  readonly #now: () => number;
  /** By host key, least recently seen first (a visit moves it to the end). */
  readonly #hosts = new Map<string, HostState>();

  constructor(o: { maxInboundPerHost: number; inboundRate: InboundRate | null; isAllowed?: (host: string) => boolean; now: () => number }) {
    this.maxPerHost = o.maxInboundPerHost;
    this.rate = o.inboundRate;
    this.#isAllowed = o.isAllowed ?? (() => false);
    this.#now = o.now;
  }

  /** The key a remote address is counted under: the IPv4 address, or the IPv6 /64. */
  static hostKey(host: string): string {
    if (!isIPv6(host)) return host;
    if (host.startsWith('::ffff:') && host.includes('.')) return host.slice(7); // IPv4-mapped
    return `${expandV6(host).slice(0, 4).join(':')}::/64`;
  }

  /** Admits one connection from `host` (counting it live), or says why not (taking nothing). */
  admit(host: string): AdmissionRefusal | null {
    if (this.#isAllowed(host)) return null;
    const key = InboundAdmission.hostKey(host);
    const h = this.#visit(key);
    if (h.live >= this.maxPerHost) return 'per-host-limit';
    if (h.bucket && !h.bucket.take(1)) return 'rate-limit';
    h.live += 1;
    return null;
  }

  /** An admitted connection from `host` ended. */
  release(host: string): void {
    if (this.#isAllowed(host)) return;
    const h = this.#hosts.get(InboundAdmission.hostKey(host));
    if (h && h.live > 0) h.live -= 1;
  }

  /** Live admitted connections from `host`'s key. */
  liveFrom(host: string): number {
    return this.#hosts.get(InboundAdmission.hostKey(host))?.live ?? 0;
  }

  get trackedHosts(): number {
    return this.#hosts.size;
  }

  #visit(key: string): HostState {
    let h = this.#hosts.get(key);
    if (h) this.#hosts.delete(key);
    else h = { live: 0, bucket: this.rate ? new TokenBucket({ perSec: this.rate.perSecond, burst: this.rate.burst }, this.#now) : null };
    this.#hosts.set(key, h);
    if (this.#hosts.size > MAX_TRACKED_HOSTS) {
      for (const [k, v] of this.#hosts) {
        if (this.#hosts.size <= MAX_TRACKED_HOSTS) break;
        if (v.live === 0 && k !== key) this.#hosts.delete(k);
      }
    }
    return h;
  }
}

/** The eight 16-bit groups of an IPv6 address, as lowercase hex without leading zeros. */
function expandV6(addr: string): string[] {
  const clean = addr.split('%')[0]!;
  const [head, tail] = clean.includes('::') ? clean.split('::') : [clean, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => (Number.parseInt(g, 16) || 0).toString(16));
}
