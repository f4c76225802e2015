/**
 * Headers every HTTP response of the bridge carries, so that no other site can frame the control
 * page (clickjacking a Disconnect or a flood) and the page can load and talk to nothing but this
 * server. The built page has no inline script or style (checked in Chromium by e2e/security.spec.ts,
 * which fails on any CSP violation), so the policy needs no 'unsafe-inline'. Svelte sets dynamic
 * styles through the CSSOM (`el.style.…`), which a CSP does not govern.
 */

/**
 * `connect-src 'self'` covers the page's WebSocket: in CSP Level 3, 'self' also matches ws: and
 * wss: URLs of the page's own host and port (Chromium, Firefox and Safari implement it).
 * `img-src data:` is for the inline SVG favicon of index.html.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // For browsers older than CSP's frame-ancestors.
  'x-frame-options': 'DENY',
  // The page's URL may carry a control token before the page strips it: never send it on.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
