/**
 * The page under the server's security headers, as Chromium enforces them: the Content-Security-
 * Policy leaves the built page working with no violation, no other site can frame it, and a
 * control token does not stay in the address bar.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

/** Records every CSP violation the page reports, from before its first script runs. */
const RECORD_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
  });
`;

test('the page works under its Content-Security-Policy, with no violation and no console error', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await page.addInitScript({ content: RECORD_VIOLATIONS });

  const response = await page.goto(`${sharedServer.url}/`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self'");
  expect(response?.headers()['x-frame-options']).toBe('DENY');
  expect(response?.headers()['referrer-policy']).toBe('no-referrer');

  // Live data over the WebSocket ('self' covers ws: of the same host in CSP Level 3).
  await dashboard.expectLinkUp();
  await expect(dashboard.counter('outbound')).toHaveAttribute('data-value', String(TARGET_OUTBOUND));
  // Parts that set styles at run time: the counters' charts, a selected peer's details, the
  // legend in the help sheet.
  const [id] = await dashboard.idsOf(dashboard.graphOptions({ type: 'outbound', state: 'established' }));
  await dashboard.select(id!);
  await expect(dashboard.detailState).toHaveText('established');
  await page.keyboard.press('Escape');
  await page.keyboard.press('?');
  await expect(dashboard.helpDialog).toBeVisible();
  await dashboard.nextFrames();

  const violations = await page.evaluate('window.__cspViolations');
  expect(violations).toEqual([]);
  expect(consoleErrors).toEqual([]);
});

test('another site cannot frame the dashboard', async ({ sharedServer, page }) => {
  // The framing page comes from a real loopback server of its own (another origin): Chromium's
  // local network access checks would stop a page fulfilled by the test from framing 127.0.0.1.
  const framer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><iframe src="${sharedServer.url}/" width="800" height="600"></iframe>`);
  });
  framer.listen(0, '127.0.0.1');
  await once(framer, 'listening');
  try {
    const refused: string[] = [];
    page.on('console', (msg) => {
      if (/frame-ancestors/.test(msg.text())) refused.push(msg.text());
    });
    const framed = page.waitForResponse(`${sharedServer.url}/`);
    await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
    const response = await framed;
    expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers()['x-frame-options']).toBe('DENY');

    // Chromium replaces the refused document with its error page and says why.
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    await expect.poll(() => frame!.url()).toMatch(/^chrome-error:/);
    await expect.poll(() => refused.length).toBeGreaterThan(0);
    await expect(frame!.getByTestId('link-state')).toHaveCount(0);
  } finally {
    await new Promise<void>((resolve) => framer.close(() => resolve()));
  }
});

test('a ?token= leaves the address bar but keeps control, also after a reload; a copied link does not carry it', async ({
  launchServer,
  dashboard,
  page,
}) => {
  const server = await launchServer(['--token', 's3cret']);
  await page.goto(`${server.url}/?token=s3cret&q=type%3Aoutbound#keep`);
  await dashboard.expectLinkUp();

  await expect.poll(() => page.url()).not.toContain('token');
  const url = new URL(page.url());
  expect(url.searchParams.get('q')).toBe('type:outbound');
  expect(url.hash).toBe('#keep');

  await expect(dashboard.controlsDisabledReason).toHaveCount(0);
  await dashboard.targetOutbound.fill('3');
  await dashboard.setTargetButton.click();
  await expect(dashboard.targetStatus).toHaveAttribute('data-status', 'ok');
  expect((await server.snapshot()).snapshot.config.targetOutbound).toBe(3);

  // A reload in the same tab: the token is kept for the session.
  await page.reload();
  await dashboard.expectLinkUp();
  expect(page.url()).not.toContain('token');
  await expect(dashboard.controlsDisabledReason).toHaveCount(0);
  await dashboard.targetOutbound.fill('2');
  await dashboard.setTargetButton.click();
  await expect(dashboard.targetStatus).toHaveAttribute('data-status', 'ok');
  expect((await server.snapshot()).snapshot.config.targetOutbound).toBe(2);

  await page.keyboard.press('?');
  await expect(dashboard.helpDialog.getByTestId('help-token')).toContainText('taken out of the address bar');

  // The URL as copied from the address bar, opened in another tab: a read-only viewer.
  const other = await page.context().newPage();
  try {
    await other.goto(page.url());
    await expect(other.getByTestId('link-state')).toHaveText(/^(connected|resynced)$/);
    await expect(other.getByTestId('controls-disabled-reason')).toContainText('Controls disabled');
  } finally {
    await other.close();
  }
});
