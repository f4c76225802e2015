/**
 * Who may talk to the bridge, and who may control the manager. Pure functions over headers and
 * the configured address, so every rule is table-tested.
 *
 * Why these rules: a page on any web site can open a WebSocket to 127.0.0.1 (browsers do not apply
 * the same-origin policy to WebSockets), so upgrades must carry our own Origin; and DNS rebinding
 * can make `evil.example` resolve to 127.0.0.1, so a name is only trusted when it is a loopback
 * name or one the operator listed — IP literals cannot be rebound.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { canonicalHost } from '../connmgr/address.ts';

/**
 * Longest `Host` or `Origin` header the bridge looks at. A host name is at most 253 characters,
 * so a real origin (scheme, name, port) is far shorter; anything longer is refused before it is
 * parsed, so a hostile header costs no more than reading it.
 */
export const MAX_HOST_HEADER_CHARS = 1024;

/**
 * True for names and addresses only this machine can reach: `localhost` and `*.localhost` (RFC
 * 6761; an absolute name's trailing dot allowed), 127.0.0.0/8, `::1`, and IPv4-mapped loopback in
 * any spelling (`::ffff:127.0.0.1`, `::ffff:7f00:1` as WHATWG URL writes it, brackets or not).
 * The one loopback test of the server: the CLI (token or not), the control policy and the
 * Host/Origin guards all ask it, so they cannot disagree about a name such as `127.0.0.1.nip.io`
 * (a DNS name, which could resolve anywhere: not loopback).
 */
export function isLoopbackHost(host: string): boolean {
  let h = stripBrackets(host).toLowerCase();
  if (h.endsWith('.') && !h.endsWith('..')) h = h.slice(0, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 0) return false;
  // canonicalHost writes IPv4-mapped IPv6 (every spelling) as plain IPv4 and compresses IPv6.
  const ip = canonicalHost(h);
  if (ip === '::1') return true;
  return isIP(ip) === 4 && ip.startsWith('127.');
}

/** True for `0.0.0.0` and `::` (in any spelling): every interface. */
export function isWildcardHost(host: string): boolean {
  const h = stripBrackets(host);
  if (h === '') return true;
  return isIP(h) !== 0 && (canonicalHost(h) === '0.0.0.0' || canonicalHost(h) === '::');
}

/** `host:port` for a URL (IPv6 in brackets; a wildcard bind is reached through loopback). */
export function urlHost(host: string, port: number): string {
  const h = isWildcardHost(host) ? '127.0.0.1' : stripBrackets(host);
  return isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`;
}

/**
 * The serialized origin (`scheme://host[:port]`: lower case, default port dropped) of an http(s)
 * URL, or undefined. Linear time: one WHATWG URL parse and no regular expression, because it runs
 * on a client's header before anything is authenticated.
 */
export function webOrigin(text: string): string | undefined {
  if (text.length > MAX_HOST_HEADER_CHARS) return undefined;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined; // includes the literal "null" of sandboxed frames
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin;
}

/**
 * What is wrong with a configured allowed origin, or undefined if it is one: an http(s) URL with
 * scheme, host and optional port only — exactly what a browser sends as `Origin`.
 */
export function allowedOriginProblem(text: string): string | undefined {
  const origin = webOrigin(text);
  if (origin === undefined) return `"${text.slice(0, 80)}" is not an http(s) origin such as "https://app.example:8443"`;
  const url = new URL(text.trim());
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return `"${text.slice(0, 80)}" has more than an origin: give scheme, host and port only ("${origin}")`;
  }
  return undefined;
}

export interface OriginPolicy {
  /** The configured bind address. */
  readonly host: string;
  readonly port: number;
  /** Extra origins allowed, exactly as browsers send them (`https://app.example:8443`). */
  readonly allowedOrigins: readonly string[];
}

/**
 * Whether a WebSocket upgrade with this `Origin` header may proceed. No header (a non-browser
 * client) is allowed; a browser's must be this server itself — reached as localhost, a loopback
 * address, the configured host, or (on a wildcard bind) one of this machine's addresses — or be
 * listed in `allowedOrigins`.
 */
export function isOriginAllowed(origin: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined) return true;
  const own = webOrigin(origin);
  if (own === undefined) return false; // "null", file://, chrome-extension://, too long, not a URL
  if (policy.allowedOrigins.some((o) => webOrigin(o) === own)) return true;
  const url = new URL(own);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (port !== policy.port) return false;
  return isOwnHostname(url.hostname, policy.host);
}

/**
 * Whether an HTTP request's `Host` header names this server (the DNS-rebinding guard for
 * `/api/*`, `/metrics` and the page). Missing Host (HTTP/1.0 tools) is allowed.
 */
export function isHostAllowed(hostHeader: string | undefined, policy: OriginPolicy): boolean {
  if (hostHeader === undefined || hostHeader === '') return true;
  if (hostHeader.length > MAX_HOST_HEADER_CHARS) return false;
  let url: URL;
  try {
    url = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  const hostname = url.hostname.toLowerCase();
  if (isOwnHostname(hostname, policy.host)) return true;
  return policy.allowedOrigins.some((o) => {
    try {
      return new URL(o).hostname.toLowerCase() === hostname;
    } catch {
      return false;
    }
  });
}

function isOwnHostname(hostname: string, bindHost: string): boolean {
  const h = stripBrackets(hostname).toLowerCase();
  if (isLoopbackHost(h)) return true;
  if (h === stripBrackets(bindHost).toLowerCase()) return true;
  if (isWildcardHost(bindHost) && isIP(h) !== 0) return localAddresses().has(h);
  return false;
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const addr of list ?? []) out.add(addr.address.toLowerCase());
  }
  return out;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Compares a presented token with the configured one in constant time (hashes first: no length leak). */
export function tokenMatches(presented: string | undefined | null, expected: string): boolean {
  if (presented === undefined || presented === null) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface ControlPolicy {
  readonly host: string;
  readonly token: string | undefined;
}

/**
 * Whether a client may send commands. Without a configured token, a loopback bind lets everyone
 * who got past the Origin check control (a same-origin page needs no token) and any other bind is
 * read-only. With a token, it is required on every bind: an operator who set one wants it enforced
 * (a shared machine's other users can reach loopback too).
 */
export function controlAccess(
  policy: ControlPolicy,
  presentedToken: string | undefined | null,
): { canControl: true } | { canControl: false; reason: string } {
  if (policy.token === undefined) {
    if (isLoopbackHost(policy.host)) return { canControl: true };
    return {
      canControl: false,
      reason: `the server listens on ${policy.host} (not loopback) without a control token: restart it with a token to allow control`,
    };
  }
  if (tokenMatches(presentedToken, policy.token)) return { canControl: true };
  return {
    canControl: false,
    reason:
      presentedToken === undefined || presentedToken === null
        ? 'read-only: this server requires a control token; open the page with ?token=… to control it'
        : "read-only: the token given does not match the server's",
  };
}
