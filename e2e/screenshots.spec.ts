/**
 * The README's screenshots, taken once the lab network has reached its target. Asserts the files
 * were written and are real PNGs. They go to test-results/ so that `npm test` leaves the tree
 * clean; `UPDATE_SCREENSHOTS=1 npm run test:e2e` writes docs/screenshot*.png for the README.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

const DOCS = fileURLToPath(new URL(process.env.UPDATE_SCREENSHOTS ? '../docs/' : '../test-results/', import.meta.url));

test.use({ viewport: { width: 1600, height: 1000 }, colorScheme: 'light', reducedMotion: 'reduce' });

test('screenshots of the main view, light and dark, and a phone', async ({ launchServer, dashboard, page }) => {
  await mkdir(DOCS, { recursive: true });
  // The lively lab, as `npm start` runs it: a persistent peer failing with a growing backoff.
  const server = await launchServer(['--lab-scenario', 'lively']);
  await dashboard.open(server);
  await expect(dashboard.counter('outbound')).toHaveAttribute('data-value', String(TARGET_OUTBOUND));
  const established = dashboard.graphOptions({ type: 'outbound', state: 'established' });
  await expect(established).toHaveCount(TARGET_OUTBOUND);
  await expect(dashboard.graphOptions({ type: 'inbound' })).not.toHaveCount(0);
  await expect(dashboard.graphOptions({ state: 'failing' })).not.toHaveCount(0, { timeout: 20_000 });
  // Show a connection's details too, as a user would.
  // The lively lab restarts peers now and then: one chosen a moment ago may be gone; choose again.
  await expect(async () => {
    const [id] = await dashboard.idsOf(established);
    await dashboard.graphOption(id!).dispatchEvent('click', undefined, { timeout: 2000 });
    await expect(dashboard.details).toContainText(`#${id}`, { timeout: 2000 });
  }).toPass({ timeout: 20_000 });

  for (const theme of ['Light', 'Dark'] as const) {
    await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: theme, exact: true }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme.toLowerCase());
    const path = `${DOCS}${theme === 'Light' ? 'screenshot.png' : 'screenshot-dark.png'}`;
    await page.screenshot({ path, animations: 'disabled' });
    const png = await readFile(path);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1600); // IHDR width
    expect(png.readUInt32BE(20)).toBe(1000); // IHDR height
  }
  await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Light', exact: true }).click();
  await page.setViewportSize({ width: 390, height: 844 });
  const phone = `${DOCS}screenshot-phone.png`;
  await page.screenshot({ path: phone, animations: 'disabled' });
  expect((await readFile(phone)).readUInt32BE(16)).toBe(390);
});

test('screenshots of presentation mode, on a projector-sized screen and a phone', async ({ launchServer, dashboard, page }) => {
  await mkdir(DOCS, { recursive: true });
  const server = await launchServer(['--lab-scenario', 'lively']);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${server.url}/?present`);
  await dashboard.expectLinkUp();
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  const machine = page.getByRole('region', { name: 'State machine' });
  // A persistent peer that keeps failing: the retry loop is what a class asks about.
  await expect(async () => {
    const [id] = await dashboard.idsOf(dashboard.graphOptions({ state: 'failing' }));
    expect(id).toBeDefined();
    await dashboard.graphOption(id!).dispatchEvent('click', undefined, { timeout: 2000 });
    await expect(dashboard.details).toContainText(`#${id}`, { timeout: 2000 });
    await expect(machine).toHaveAttribute('data-edge', /\w/, { timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  for (const [file, viewport] of [
    ['screenshot-present.png', { width: 1440, height: 900 }],
    ['screenshot-present-phone.png', { width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await dashboard.nextFrames();
    const path = `${DOCS}${file}`;
    await page.screenshot({ path, animations: 'disabled', fullPage: viewport.width < 760 });
    const png = await readFile(path);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(viewport.width); // IHDR width: nothing wider than the screen
  }
});
