/**
 * The graph's text in a real browser: peer addresses, countdowns, pills and sector captions never
 * overlap, in the crowded cases an operator meets — 12 automatic outbound, 8 failing persistent
 * peers ("retry in Ns" under each address), and a flood holding 16 inbound — and at phone width.
 * The canvas reports the boxes it drew on its accessible mirror (`data-text-boxes`).
 */
import { expect, test } from './fixtures.ts';
import type { Dashboard } from './pages/dashboard.ts';

/** The text is checked over several frames: peers move while the layout settles and churns. */
async function expectTextReadable(dashboard: Dashboard, frames = 6): Promise<void> {
  for (let i = 0; i < frames; i++) {
    expect(await dashboard.graphTextProblems()).toEqual([]);
    await dashboard.nextFrames();
  }
  const text = await dashboard.graphText();
  expect(text.captions.map((c) => c.what).sort()).toEqual(['caption center', 'caption inbound', 'caption manual', 'caption outbound']);
  expect(text.labels.length, 'some peers carry their address').toBeGreaterThan(0);
}

test('graph labels never overlap each other or the captions: 12 outbound, 8 failing persistent, a flood of 16 inbound', async ({
  launchServer,
  dashboard,
  page,
}) => {
  test.setTimeout(120_000);
  const server = await launchServer(['--max-inbound', '16']);
  await dashboard.open(server);
  await dashboard.setTargetOutbound(12);
  await dashboard.addFailingPersistentPeers(8);
  await expect(dashboard.graphOptions({ type: 'manual', state: 'failing' })).toHaveCount(8);
  await expect(dashboard.graphOptions({ type: 'outbound' })).toHaveCount(12);
  await expectTextReadable(dashboard);

  // The selected and the keyboard-focused peer get pills; those keep clear of everything too.
  const [failing] = await dashboard.idsOf(dashboard.graphOptions({ type: 'manual', state: 'failing' }));
  await dashboard.select(failing!);
  await dashboard.graph.focus();
  await page.keyboard.press('ArrowDown');
  await expect.poll(async () => (await dashboard.graphText()).pills.length).toBe(2);
  await expectTextReadable(dashboard);

  // A flood fills the inbound sector to its limit of 16 while newcomers keep being shed.
  await dashboard.floodConnections.fill('60');
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodStatus).toContainText('Flood started');
  await expect.poll(() => dashboard.counterValue('inbound')).toBeGreaterThanOrEqual(14);
  await expectTextReadable(dashboard, 12);

  // Phone width: the pane is small, fewer labels fit, still none overlaps.
  await page.setViewportSize({ width: 390, height: 844 });
  await dashboard.graph.evaluate((el) => el.parentElement!.scrollIntoView());
  await expectTextReadable(dashboard);
});
