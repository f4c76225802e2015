/**
 * axe-core (WCAG 2 A/AA and best practices) finds nothing, in both themes, in every state the
 * suite visits: the live view, a selected connection with its details, the help sheet, a
 * read-only viewer, and a phone. Plus what axe cannot judge: unique names for the two views'
 * zoom buttons, skip links first in the Tab order, and a lab peer list that is one Tab stop.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import type { Dashboard } from './pages/dashboard.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

// Two full axe passes (light and dark) over a page under the lab's churn take 10–35 s on a loaded
// 2-core machine: every test here gets room for that, instead of a few of them.
test.describe.configure({ timeout: 90_000 });

/** Runs axe in the light and the dark theme; the failure message lists each rule and its targets. */
async function expectNoViolations(dashboard: Dashboard, state: string): Promise<void> {
  for (const theme of ['Light', 'Dark'] as const) {
    await dashboard.setTheme(theme);
    const violations = await dashboard.accessibilityViolations();
    expect(violations, `${state}, ${theme.toLowerCase()} theme:\n${violations.join('\n')}`).toEqual([]);
  }
}

/** The live view once the lab filled its target (so the graph, timeline and log have rows). */
async function openLive(dashboard: Dashboard, server: Parameters<Dashboard['open']>[0]): Promise<void> {
  await dashboard.open(server);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  await expect(dashboard.logRows).not.toHaveCount(0);
}

test('axe: the live view', async ({ sharedServer, dashboard }) => {
  await openLive(dashboard, sharedServer);
  await expectNoViolations(dashboard, 'live view');
});

test('axe: a selected connection with its details open', async ({ sharedServer, dashboard }) => {
  await openLive(dashboard, sharedServer);
  const [id] = await dashboard.idsOf(dashboard.graphOptions({ type: 'outbound', state: 'established' }));
  await dashboard.select(id!);
  await expect(dashboard.details.getByRole('heading', { name: /^History/ })).toBeVisible();
  await expectNoViolations(dashboard, 'details open');
});

test('axe: the connections table, per connection and per address, with a row selected', async ({ sharedServer, dashboard }) => {
  // Four axe passes (two modes, two themes): each takes seconds on a loaded machine.
  await openLive(dashboard, sharedServer);
  await dashboard.openTable();
  await expect(dashboard.tableRows).not.toHaveCount(0);
  const [id] = await dashboard.tableIds();
  await dashboard.select(id!);
  await expect(dashboard.tableRow(id!)).toHaveAttribute('aria-selected', 'true');
  await expectNoViolations(dashboard, 'table per connection');
  await dashboard.openTable('addrs');
  await expect(dashboard.tableRows).not.toHaveCount(0);
  await expectNoViolations(dashboard, 'table per address');
});

test('axe: the help sheet', async ({ sharedServer, dashboard, page }) => {
  await openLive(dashboard, sharedServer);
  // The theme buttons are behind the modal sheet: pick the theme, then open the sheet.
  for (const theme of ['Light', 'Dark'] as const) {
    await dashboard.setTheme(theme);
    await page.keyboard.press('?');
    await expect(dashboard.helpDialog).toBeVisible();
    const violations = await dashboard.accessibilityViolations();
    expect(violations, `help open, ${theme.toLowerCase()} theme:\n${violations.join('\n')}`).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(dashboard.helpDialog).toBeHidden();
  }
});

test('axe: a read-only viewer', async ({ launchServer, dashboard }) => {
  // A fresh server and two axe passes: well over 30 s on a loaded machine.
  const server = await launchServer(['--token', 's3cret']);
  await openLive(dashboard, server);
  await expect(dashboard.controlsDisabledReason).toBeVisible();
  await expectNoViolations(dashboard, 'read-only viewer');
});

test('axe: a phone', async ({ sharedServer, dashboard, page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openLive(dashboard, sharedServer);
  await expectNoViolations(dashboard, 'phone');
  await dashboard.openTable();
  await expectNoViolations(dashboard, 'phone, table');
});

test('a stopped lab peer is still readable (its row passes the contrast check)', async ({ server, dashboard }) => {
  await openLive(dashboard, server);
  const peer = await dashboard.addLabPeer('stable');
  await dashboard.stopPeerButton(peer.peerId).click();
  await expect(dashboard.labPeerRow(peer.peerId)).toContainText('stopped');
  await expectNoViolations(dashboard, 'a stopped lab peer');
});

test('the graph and the timeline name their zoom buttons apart', async ({ sharedServer, dashboard, page }) => {
  await dashboard.open(sharedServer);
  for (const name of ['Zoom in graph', 'Zoom out graph', 'Zoom in timeline', 'Zoom out timeline', 'Fit graph to view']) {
    await expect(page.getByRole('button', { name, exact: true })).toHaveCount(1);
  }
  // A test that asks for "Zoom in" by substring in strict mode is told which one it means.
  await expect(page.getByRole('button', { name: 'Zoom in graph' })).toBeVisible();
});

/** Presses Tab and expects focus on the element named `name`. */
async function tabTo(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveAccessibleName(name);
}

test('skip links come first in the Tab order and land on the timeline, the log, the table and the bans', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await openLive(dashboard, sharedServer);
  await page.locator('body').focus();
  await tabTo(page, 'Skip to graph');
  await tabTo(page, 'Skip to timeline');
  await tabTo(page, 'Skip to event log');
  await tabTo(page, 'Skip to connections table');
  await tabTo(page, 'Skip to controls');
  await tabTo(page, 'Skip to bans');
  // A skip link is visible while focused (sighted keyboard users see where they are).
  await expect(page.getByRole('link', { name: 'Skip to controls' })).toBeVisible();

  await page.getByRole('link', { name: 'Skip to timeline' }).press('Enter');
  await expect(page.getByRole('listbox', { name: 'Timeline lanes' })).toBeFocused();
  await page.getByRole('link', { name: 'Skip to event log' }).press('Enter');
  await expect(dashboard.log).toBeFocused();
  // The table shares the log's place as a tab: its skip link shows it, and back.
  await page.getByRole('link', { name: 'Skip to connections table' }).press('Enter');
  await expect(dashboard.table).toBeFocused();
  await expect(dashboard.tableTab).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('link', { name: 'Skip to event log' }).press('Enter');
  await expect(dashboard.log).toBeFocused();
  await expect(dashboard.logTab).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('link', { name: 'Skip to graph' }).press('Enter');
  await expect(dashboard.graph).toBeFocused();
  // The Bans pane: its first Unban button, or (no ban in force) the pane itself, takes the focus.
  await page.getByRole('link', { name: 'Skip to bans' }).press('Enter');
  await expect.poll(() => page.evaluate<boolean>("document.getElementById('bans-pane').contains(document.activeElement)")).toBe(true);
});

test('the lab peer list is one Tab stop, with arrow keys inside it', async ({ sharedServer, dashboard, page }) => {
  await openLive(dashboard, sharedServer);
  const peers = await sharedServer.labPeers();
  expect(peers.length).toBeGreaterThan(10);
  // From the add form's last button, Tab reaches the timeline after a handful of stops, not 2 per peer.
  await expect(dashboard.stopAllButton).toBeEnabled(); // the mix has running peers of the default behaviour
  await dashboard.stopAllButton.focus();
  let stops = 0;
  while (stops < 20) {
    await page.keyboard.press('Tab');
    stops++;
    if (await page.getByRole('listbox', { name: 'Timeline lanes' }).evaluate((el) => el.matches(':focus'))) break;
  }
  expect(stops, 'Tab stops from "Stop all" to the timeline').toBeLessThanOrEqual(8);

  // Inside the list: the first peer's Use button takes focus; arrows move between peers and buttons.
  await dashboard.stopAllButton.focus();
  await page.keyboard.press('Tab');
  await expect(dashboard.useAddressOf(peers[0]!.peerId)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(dashboard.useAddressOf(peers[1]!.peerId)).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(dashboard.stopPeerButton(peers[1]!.peerId)).toBeFocused();
  await page.keyboard.press('End');
  await expect(dashboard.stopPeerButton(peers.at(-1)!.peerId)).toBeFocused();
  await page.keyboard.press('Home');
  await expect(dashboard.stopPeerButton(peers[0]!.peerId)).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(dashboard.useAddressOf(peers[0]!.peerId)).toBeFocused();
  // Tab leaves the list, and coming back lands where it was left.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await expect(dashboard.floodConnections).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dashboard.useAddressOf(peers[1]!.peerId)).toBeFocused();
});
