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
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${text}" has no port: expected "host:port"`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) {
      throw new ConnMgrError('ERR_INVALID_ADDRESS', `"${text}": write an IPv6 address in brackets, as "[::1]:8333"`);
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

export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The canonical form of an address string (throws like `parseAddress`). */
export function normalizeAddress(input: unknown): string {
  const { host, port } = parseAddress(input);
  return formatAddress(host, port);
}
