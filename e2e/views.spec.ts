/** The views as a reader uses them: the shared filter and the keyboard. Page-only state. */
import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

test('the filter narrows the graph, the timeline and the log, reports bad terms, and lives in the URL', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  await expect(dashboard.graphOptions({ type: 'inbound' })).not.toHaveCount(0);
  const lanesBefore = Number(await dashboard.timeline.getAttribute('data-lanes'));

  const expectInboundOnly = async (): Promise<void> => {
    // graph: the inbound peers match, the rest are dimmed (still drawn, data-match="false")
    await expect(dashboard.graphOptions({ match: true, type: 'inbound' })).not.toHaveCount(0);
    await expect(dashboard.graph.locator('[role="option"][data-match="true"]:not([data-type="inbound"])')).toHaveCount(0);
    await expect(dashboard.graphOptions({ match: false, type: 'outbound' })).not.toHaveCount(0);
    // timeline: fewer lanes, all of inbound connections
    await expect.poll(async () => Number(await dashboard.timeline.getAttribute('data-lanes'))).toBeLessThan(lanesBefore);
    await expect(dashboard.timelineLanes).not.toHaveCount(0);
    await expect(dashboard.timelineLanes.filter({ hasNotText: ' inbound ' })).toHaveCount(0);
    // log: only inbound events (their words say "inbound"), and fewer than all
    await expect(dashboard.logRows).not.toHaveCount(0);
    await expect(dashboard.log.locator('[role="row"][data-seq]:not([aria-label*=" inbound "])')).toHaveCount(0);
    await expect(dashboard.logCount).toContainText(' of ');
  };

  await dashboard.filter.fill('type:inbound');
  await expectInboundOnly();
  await expect(dashboard.filterErrors).toHaveCount(0);
  await expect(page).toHaveURL(/[?&]q=type%3Ainbound(&|$)/);

  await page.reload();
  await dashboard.expectLinkUp();
  await expect(dashboard.filter).toHaveValue('type:inbound');
  await expectInboundOnly();

  // A bad key is reported (with a suggestion); the good terms still apply.
  await dashboard.filter.fill('tpye:inbound state:established');
  await expect(dashboard.filterErrors).toHaveCount(1);
  await expect(dashboard.filterErrors).toContainText('unknown key "tpye" — did you mean type?');
  await expect(dashboard.filter).toHaveAttribute('aria-invalid', 'true');
  await expect(dashboard.graph.locator('[role="option"][data-match="true"]:not([data-state="established"])')).toHaveCount(0);

  await dashboard.clearFilter.click();
  await expect(dashboard.filter).toHaveValue('');
  await expect(dashboard.filterErrors).toHaveCount(0);
  await expect(dashboard.graphOptions({ match: false })).toHaveCount(0);
  await expect(page).not.toHaveURL(/[?&]q=/);
});

test('keyboard: g focuses the graph, arrows move the active peer, Enter opens its details', async ({ sharedServer, dashboard, page }) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);

  await page.keyboard.press('g');
  await expect(dashboard.graph).toBeFocused();
  // Focus makes a peer active (aria-activedescendant names its option).
  await expect(dashboard.graph).toHaveAttribute('aria-activedescendant', /.+/);
  const first = (await dashboard.graph.getAttribute('aria-activedescendant'))!;
  await expect(dashboard.graph.locator(`[role="option"][id="${first}"]`)).toHaveCount(1);

  await page.keyboard.press('ArrowDown');
  await expect(dashboard.graph).not.toHaveAttribute('aria-activedescendant', first);
  const activeId = (await dashboard.graph.getAttribute('aria-activedescendant'))!;
  const active = dashboard.graph.locator(`[role="option"][id="${activeId}"]`);
  const connId = Number(await active.getAttribute('data-conn-id'));
  const addr = (await active.textContent())!.trim().split(',')[0]!;
  expect(addr).toMatch(/^127\.0\.0\.1:\d+$/);

  await page.keyboard.press('Enter');
  await expect(dashboard.details).toBeFocused();
  await expect(dashboard.details).toContainText(`#${connId}`);
  await expect(dashboard.details).toContainText(addr);
  await expect(active).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(new RegExp(`[?&]sel=${connId}(&|$)`));

  // Escape (from the page) clears the selection again.
  await page.keyboard.press('Escape');
  await expect(dashboard.details).toContainText('No connection selected');
});
