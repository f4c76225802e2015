/**
 * The page at phone, tablet and desktop sizes: nothing overflows sideways, every control is on
 * screen, the views keep a usable size, the log keeps its From → to and Reason columns, and the
 * header and toolbar pieces never sit on top of each other. Screenshots of the phone and the
 * 1024 px layout in both themes go to test-results/ for a human to look at.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

const OUT = fileURLToPath(new URL('../test-results/', import.meta.url));

const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
  { width: 1024, height: 768 },
  { width: 1440, height: 900 },
] as const;

type Box = { x: number; y: number; width: number; height: number };

async function boxOf(what: string, locator: Locator): Promise<Box & { what: string }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${what} is not rendered`);
  return { what, ...box };
}

const intersect = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

/** Expects `locator` visible and wholly inside the window (after scrolling it into view). */
async function expectOnScreen(page: Page, what: string, locator: Locator): Promise<void> {
  await locator.scrollIntoViewIfNeeded();
  await expect(locator, what).toBeVisible();
  const box = await boxOf(what, locator);
  const vp = page.viewportSize()!;
  expect(box.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what}: right edge`).toBeLessThanOrEqual(vp.width);
  expect(box.y, `${what}: top edge`).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height, `${what}: bottom edge`).toBeLessThanOrEqual(vp.height);
}

for (const vp of VIEWPORTS) {
  test(`layout at ${vp.width}×${vp.height}: no sideways overflow, controls on screen, views usable`, async ({
    sharedServer,
    dashboard,
    page,
  }) => {
    await page.setViewportSize(vp);
    await dashboard.open(sharedServer);
    await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
    await expect(dashboard.logRows).not.toHaveCount(0);

    // 1. The document is no wider than the window.
    const widths = await dashboard.pageWidths();
    expect(widths.scrollWidth, `document width at ${vp.width}`).toBeLessThanOrEqual(widths.innerWidth);

    // 2. The theme and help buttons are on screen.
    for (const name of ['System', 'Light', 'Dark'] as const) {
      await expectOnScreen(page, `theme button ${name}`, dashboard.themeButtons.getByRole('button', { name, exact: true }));
    }
    await expectOnScreen(page, 'Help button', dashboard.helpButton);

    // 3. No two of the header's and toolbar's pieces overlap, and the listening address is whole.
    const listen = dashboard.nodeSummary.getByText(/ listening$/);
    const pieces = [
      await boxOf('brand', page.getByRole('heading', { name: 'connscope', level: 1 })),
      await boxOf('link health', page.getByTestId('link-state')),
      await boxOf('listening address', listen),
      await boxOf('theme buttons', dashboard.themeButtons),
      await boxOf('Help button', dashboard.helpButton),
      await boxOf('filter', dashboard.filter),
      await boxOf('filter summary', dashboard.filterSummary),
      await boxOf('legend', dashboard.legend),
      await boxOf('record and replay tools', page.getByRole('group', { name: 'Record and replay' })),
    ];
    const overlaps: string[] = [];
    for (let i = 0; i < pieces.length; i++) {
      for (let j = i + 1; j < pieces.length; j++)
        if (intersect(pieces[i]!, pieces[j]!)) overlaps.push(`${pieces[i]!.what} × ${pieces[j]!.what}`);
    }
    expect(overlaps).toEqual([]);
    expect(await listen.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'the listening address is not cut').toBe(true);
    await expect(dashboard.filterSummary).toBeVisible();

    // 4. The timeline is wide enough to read, with most of it for the plot.
    await dashboard.timeline.scrollIntoViewIfNeeded();
    const timeline = await boxOf('timeline', dashboard.timeline);
    expect(timeline.width, 'timeline width').toBeGreaterThanOrEqual(300);
    expect(timeline.x + timeline.width).toBeLessThanOrEqual(vp.width);
    const plot = Number(await dashboard.timeline.getAttribute('data-plot-width'));
    expect(plot, 'timeline plot width').toBeGreaterThanOrEqual(Math.min(300, timeline.width * 0.5));

    // 5. Log rows show From → to and Reason, inside the log's visible area.
    await dashboard.log.scrollIntoViewIfNeeded();
    const logBox = await boxOf('log', dashboard.log);
    const row = dashboard.logRows.filter({ has: page.getByRole('gridcell').filter({ hasText: '→' }) }).last();
    for (const [what, cell] of [
      ['From → to', row.getByRole('gridcell').filter({ hasText: '→' })],
      ['Reason', row.locator('[role="gridcell"].reason')],
      ['From → to header', dashboard.log.getByRole('columnheader', { name: 'From → to' })],
      ['Reason header', dashboard.log.getByRole('columnheader', { name: 'Reason (code)' })],
    ] as const) {
      await expect(cell, what).toBeVisible();
      const box = await boxOf(what, cell);
      expect(box.x, `${what}: inside the log (left)`).toBeGreaterThanOrEqual(logBox.x - 0.5);
      expect(box.x + box.width, `${what}: inside the log (right)`).toBeLessThanOrEqual(logBox.x + logBox.width + 0.5);
    }
    await expect(row.locator('[role="gridcell"].reason')).not.toHaveText('');

    // 6. On one screen (wide layouts), the views end above the diagnostics line: none runs under it.
    if (vp.width > 1100) {
      const footer = await boxOf('diagnostics', dashboard.diagnostics);
      for (const [what, pane] of [
        ['timeline pane', page.locator('#timeline-pane')],
        ['log pane', page.locator('#log-pane')],
        ['graph pane', page.locator('#graph-pane')],
      ] as const) {
        const box = await boxOf(what, pane);
        expect(box.y + box.height, `${what} ends above the diagnostics line`).toBeLessThanOrEqual(footer.y + 0.5);
      }
    }
  });
}

test('screenshots at 390×844 and 1024×768, light and dark', async ({ sharedServer, dashboard, page }) => {
  await mkdir(OUT, { recursive: true });
  for (const vp of [VIEWPORTS[1], VIEWPORTS[2]]) {
    await page.setViewportSize(vp);
    await dashboard.open(sharedServer);
    await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
    for (const theme of ['Light', 'Dark'] as const) {
      await dashboard.setTheme(theme);
      await dashboard.nextFrames();
      const path = `${OUT}layout-${vp.width}-${theme.toLowerCase()}.png`;
      await page.screenshot({ path, fullPage: true, animations: 'disabled' });
      // Written, and as wide as the window (a wider document would show in the PNG's width).
      const { readFile } = await import('node:fs/promises');
      const png = await readFile(path);
      expect(png.readUInt32BE(16)).toBe(vp.width);
    }
  }
});
