/**
 * Client-side check of a peer address, with the rules and messages of the server's
 * `parseAddress` (server/connmgr/address.ts), so a typo is caught under the input before anything
 * is sent. The server stays the authority: it validates again.
 */
const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export type AddressCheck = { ok: true; addr: string } | { ok: false; message: string };

/** True for a textual IPv6 address (optionally with an embedded IPv4 tail and a `%zone`). */
export function isIPv6(text: string): boolean {
  let addr = text;
  const pct = addr.indexOf('%');
  if (pct >= 0) {
    if (!/^[0-9a-zA-Z.:-]+$/.test(addr.slice(pct + 1))) return false;
    addr = addr.slice(0, pct);
  }
  const lastColon = addr.lastIndexOf(':');
  if (lastColon < 0) return false;
  const tail = addr.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!IPV4.test(tail)) return false;
    addr = `${addr.slice(0, lastColon + 1)}0:0`;
  }
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 2) {
    const left = halves[0] === '' ? [] : halves[0]!.split(':');
    const right = halves[1] === '' ? [] : halves[1]!.split(':');
    return left.length + right.length <= 7 && [...left, ...right].every((g) => HEX_GROUP.test(g));
  }
  const groups = addr.split(':');
  return groups.length === 8 && groups.every((g) => HEX_GROUP.test(g));
}

/** Checks `host:port` (IPv6 in brackets); returns the trimmed address or what is wrong with it. */
export function checkAddress(input: string): AddressCheck {
  const text = input.trim();
  if (text === '') return { ok: false, message: 'address must be a non-empty "host:port" string' };
  if (/[\s\p{Cc}]/u.test(text)) return { ok: false, message: 'address must not contain spaces or control characters' };
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return { ok: false, message: `"${text}" is not a valid "[ipv6]:port" address` };
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!isIPv6(host)) return { ok: false, message: `"${host}" is not an IPv6 address` };
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return { ok: false, message: `"${text}" has no port: expected "host:port"` };
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return { ok: false, message: `"${text}": write an IPv6 address in brackets, as "[::1]:8333"` };
    if (/^[\d.]+$/.test(host) && !IPV4.test(host)) return { ok: false, message: `"${host}" is not a valid IPv4 address` };
    if (!IPV4.test(host) && !HOSTNAME.test(host)) return { ok: false, message: `"${host}" is not a valid host name or IP address` };
  }
  if (!/^\d{1,5}$/.test(portText)) return { ok: false, message: `port "${portText}" is not a number` };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { ok: false, message: `port ${port} is out of range 1-65535` };
  return { ok: true, addr: text };
}
