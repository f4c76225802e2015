/**
 * Presentation mode (README "Presentation mode"): large type, fewer panels, and the state machine
 * with the selected connection's state and last transition marked; `?present` in the URL, so a
 * shared link or a reload opens in it; `m` and the header's Present button toggle it.
 */
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

// Two axe passes (light and dark) over a page under the lab's churn take 10–35 s on a loaded machine.
test.describe.configure({ timeout: 90_000 });
test.use({ viewport: { width: 1440, height: 900 } });

/** The rendered height of `el` (its text, padding and all, as zoom draws it). */
const heightOf = async (el: Locator): Promise<number> => (await el.boundingBox())!.height;

test('presentation mode: larger type, fewer panels, the state machine marking the selected connection; kept across a reload', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  const present = page.getByRole('banner').getByRole('button', { name: 'Present', exact: true });
  const machine = page.getByRole('region', { name: 'State machine' });
  const diagram = machine.getByRole('img');
  const detailsTitle = dashboard.details.getByRole('heading', { name: 'Connection details' });
  await expect(present).toHaveAttribute('aria-pressed', 'false');
  await expect(machine).toHaveCount(0);
  const normalTitle = await heightOf(detailsTitle);

  await present.click();
  await expect(present).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveURL(/[?&]present=1\b/);
  // Large type: the details (DOM) drawn 1.35× as large.
  await expect.poll(async () => (await heightOf(detailsTitle)) / normalTitle).toBeGreaterThan(1.3);
  expect((await heightOf(detailsTitle)) / normalTitle).toBeLessThan(1.4);
  // Fewer panels: no controls, lab, counters or legend; graph, timeline and details stay.
  await expect(dashboard.controls).toBeHidden();
  await expect(dashboard.lab).toBeHidden();
  await expect(page.getByRole('region', { name: 'Counters' })).toBeHidden();
  // (The toolbar's legend is the first in the page; hidden, a role query would skip to the timeline's.)
  await expect(page.getByRole('main').getByRole('list', { name: 'Legend', includeHidden: true }).first()).toBeHidden();
  for (const view of [dashboard.graph.locator('xpath=..'), dashboard.timeline, dashboard.details]) await expect(view).toBeVisible();
  // The state machine: every transition of the table, nothing marked yet.
  await expect(machine).toBeVisible();
  await expect(diagram).toHaveAccessibleName(/^Connection state machine: 5 states and 10 transitions\. No connection selected\.$/);
  const transitions = machine.getByRole('list', { name: 'Transitions of the state machine' }).getByRole('listitem');
  await expect(transitions).toHaveCount(10);
  await expect(transitions.filter({ hasText: /^\s*pending → failing: dial failed or timed out/ })).toHaveCount(1);
  await expect(machine).toHaveAttribute('data-state', '');

  // A selected connection: its state's box and the arrow of its last transition are marked.
  const [id] = await dashboard.idsOf(dashboard.graphOptions({ type: 'outbound', state: 'established' }));
  await dashboard.select(id!);
  await expect(machine).toHaveAttribute('data-state', 'established');
  await expect(machine).toHaveAttribute('data-edge', 'pending>established');
  await expect(machine.locator('g.node.current')).toHaveAttribute('data-state', 'established');
  await expect(machine.locator('g.node.current')).toHaveCount(1);
  await expect(machine.locator('g.edge.last')).toHaveAttribute('data-edge', 'pending>established');
  await expect(diagram).toHaveAccessibleName(new RegExp(`#${id} is established; its last transition was pending → established\\.$`));
  await expect(transitions.and(page.locator('[aria-current="true"]'))).toHaveText(/pending → established: dial succeeded/);
  // The caption says the rule, and cites it.
  const caption = machine.getByTestId('sm-caption');
  await expect(caption).toHaveText(
    `#${id} is established; last: pending → established (dial-succeeded). Rule: dial succeeded and the request was still wanted: established. rules 1, 2, 5`,
  );
  await caption.getByRole('link', { name: 'rules 1, 2, 5' }).click();
  await expect(dashboard.helpDialog.locator('#rule-dial-succeeded')).toBeFocused();
  await page.keyboard.press('Escape');

  // A reload (or a shared link) opens in presentation mode, with the same selection.
  await page.reload();
  await dashboard.expectLinkUp();
  await expect(present).toHaveAttribute('aria-pressed', 'true');
  await expect(dashboard.controls).toBeHidden();
  await expect(machine).toHaveAttribute('data-state', 'established');
  await expect(machine.locator('g.node.current')).toHaveAttribute('data-state', 'established');

  // `m` leaves it (and takes it out of the URL); the help lists the key.
  const presentTitle = await heightOf(detailsTitle);
  await page.locator('body').press('m');
  await expect(present).toHaveAttribute('aria-pressed', 'false');
  await expect(machine).toHaveCount(0);
  await expect(dashboard.controls).toBeVisible();
  await expect(page).not.toHaveURL(/present=/);
  const ratio = presentTitle / (await heightOf(detailsTitle));
  expect(ratio).toBeGreaterThan(1.3);
  expect(ratio).toBeLessThan(1.4);
  await page.keyboard.press('?');
  await expect(
    dashboard.helpDialog
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'm', exact: true }) })
      .getByRole('cell'),
  ).toHaveText(/^presentation mode on \/ off/);
});

test('axe: presentation mode with a connection selected, and on a phone', async ({ sharedServer, dashboard, page }) => {
  await page.goto(`${sharedServer.url}/?present`);
  await dashboard.expectLinkUp();
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  const [id] = await dashboard.idsOf(dashboard.graphOptions({ type: 'outbound', state: 'established' }));
  await dashboard.select(id!);
  await expect(page.getByRole('region', { name: 'State machine' })).toHaveAttribute('data-state', /\w/);
  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    for (const theme of ['Light', 'Dark'] as const) {
      await dashboard.setTheme(theme);
      const violations = await dashboard.accessibilityViolations();
      expect(violations, `presentation mode at ${viewport.width} px, ${theme.toLowerCase()} theme:\n${violations.join('\n')}`).toEqual([]);
    }
    // No sideways scrolling, as everywhere else.
    const widths = await dashboard.pageWidths();
    expect(widths.scrollWidth, `document width at ${viewport.width}`).toBeLessThanOrEqual(widths.innerWidth);
  }
});

test('outside presentation mode, the details show the state machine on demand', async ({ sharedServer, dashboard }) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  const [id] = await dashboard.idsOf(dashboard.graphOptions({ type: 'outbound', state: 'established' }));
  await dashboard.select(id!);
  const toggle = dashboard.details.getByRole('button', { name: 'State machine', exact: true });
  const machine = dashboard.details.getByRole('region', { name: 'State machine' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(machine).toHaveCount(0);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(machine).toHaveAttribute('data-state', 'established');
  await expect(machine.locator('g.edge.last')).toHaveAttribute('data-edge', 'pending>established');
  await expect(machine.getByRole('img')).toHaveAccessibleName(new RegExp(`#${id} is established`));
  const violations = await dashboard.accessibilityViolations();
  expect(violations, violations.join('\n')).toEqual([]);
});
