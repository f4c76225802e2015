/**
 * Peer addresses are exact `host:port` strings (IPv6 in brackets: `[::1]:8333`). The exact string
 * is the identity used for duplicate detection, so it is normalized once here.
 */
import { isIP } from 'node:net';
import { ConnMgrError } from './errors.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Parses `host:port`; throws `ERR_INVALID_ADDRESS` saying what is wrong. */
export function parseAddress(input: unknown): HostPort {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new ConnMgrError('ERR_INVALID_ADDRESS', 'address must be a non-empty "host:port" string');
  }
  const text = input.trim();
  // Before any other rule, so "127.0.0.1:1\r\nX: y" is not told to bracket an IPv6 address.
  if (/[\s\p{Cc}]/u.test(text)) {
    throw new ConnMgrError('ERR_INVALID_ADDRESS', 'address must not contain spaces or control characters');
  }
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') {
      throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${text}" is not a valid "[ipv6]:port" address`);
    }
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (isIP(host) !== 6) throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${host}" is not an IPv6 address`);
    host = canonicalHost(host);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${text}" has no port: expected "host:port"`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) {
      throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${text}": write an IPv6 address in brackets, as "[::1]:8333"`);
    }
    if (/^[\d.]+$/.test(host) && isIP(host) !== 4) {
      // "127.000.000.001" would pass as a host name and dodge duplicate detection.
      throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${host}" is not a valid IPv4 address`);
    }
    if (isIP(host) === 0 && !HOSTNAME.test(host)) {
      throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${host}" is not a valid host name or IP address`);
    }
  }
  if (!/^\d{1,5}$/.test(portText)) {
    throw new ConnMgrError('ERR_INVALID_ADDRESS', `port "${portText}" is not a number`);
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) {
    throw new ConnMgrError('ERR_INVALID_ADDRESS', `port ${port} is out of range 1-65535`);
  }
  return { host: host.toLowerCase(), port };
}

/**
 * One spelling per address, so that duplicate detection cannot be dodged: IPv6 in its canonical
 * compressed form, IPv4-mapped IPv6 (`::ffff:127.0.0.1`, what a dual-stack listener reports) as
 * plain IPv4, names in lower case.
 */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  if (isIP(h) !== 6) return h;
  const mapped = /^(?:0*:)*?:?0*ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(h);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  try {
    const canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    const dotted = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
    if (dotted) {
      const a = parseInt(dotted[1]!, 16);
      const b = parseInt(dotted[2]!, 16);
      return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
    }
    return canonical;
  } catch {
    return h; // e.g. a zone id (fe80::1%eth0), which URL does not take
  }
}

export function formatAddress(host: string, port: number): string {
  const h = canonicalHost(host);
  return isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`;
}

/**
 * An address the kernel reported for a socket (its local or remote end) as `host:port`, or null
 * when it has none (closed). An IPv4 address comes canonical already and is taken as it is; an
 * IPv6 one (or an IPv4-mapped one from a dual-stack listener) goes through `formatAddress`.
 */
export function socketAddress(address: string | undefined, port: number | undefined): string | null {
  if (!address || !port) return null;
  return address.includes(':') ? formatAddress(address, port) : `${address}:${port}`;
}

/** The canonical form of an address string (throws like `parseAddress`). */
export function normalizeAddress(input: unknown): string {
  // parseAddress's host is already canonical (lower case; an IPv6 one compressed, or the IPv4
  // address it maps): only the brackets are left to add.
  const { host, port } = parseAddress(input);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The host and port of an address already normalized (`normalizeAddress`), without checking it
 * again: for the manager's own dials of the addresses it has checked.
 */
export function splitAddress(addr: string): HostPort {
  const colon = addr.lastIndexOf(':');
  const host = addr.startsWith('[') ? addr.slice(1, colon - 1) : addr.slice(0, colon);
  return { host, port: Number(addr.slice(colon + 1)) };
}

/** The host part of an address the manager already normalized (`[::1]:8333` → `::1`). */
export function hostOf(addr: string): string {
  return parseAddress(addr).host;
}

/**
 * A host as `ban()` and friends take it — an IP address (IPv6 with or without brackets) or a host
 * name — in the manager's one spelling. @throws ConnMgrError `ERR_INVALID_ADDRESS`.
 */
export function normalizeHost(input: unknown): string {
  if (typeof input !== 'string' || input === '') throw new ConnMgrError('ERR_INVALID_ADDRESS', 'host must be a non-empty string');
  const bare = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (bare.includes(':') && isIP(bare) !== 6) {
    throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${input}" is not a host: give the address without a port`);
  }
  return hostOf(isIP(bare) === 6 ? `[${bare}]:1` : `${bare}:1`);
}
