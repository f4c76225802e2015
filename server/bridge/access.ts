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

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = stripBrackets(host).toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** True for `0.0.0.0` and `::`: every interface. */
export function isWildcardHost(host: string): boolean {
  const h = stripBrackets(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

/** `host:port` for a URL (IPv6 in brackets; a wildcard bind is reached through loopback). */
export function urlHost(host: string, port: number): string {
  const h = isWildcardHost(host) ? '127.0.0.1' : stripBrackets(host);
  return isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`;
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
  const normalized = origin.trim().toLowerCase().replace(/\/+$/, '');
  if (policy.allowedOrigins.some((o) => o.trim().toLowerCase().replace(/\/+$/, '') === normalized)) return true;
  let url: URL;
  try {
    url = new URL(normalized);
  } catch {
    return false; // includes the literal "null" of sandboxed frames and file:// pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
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
