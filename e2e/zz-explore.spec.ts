import { expect, test } from './fixtures.ts';

test(`explore labels`, async ({ server, dashboard, page }) => {
  test.setTimeout(90_000);
  await dashboard.open(server);
  await dashboard.setTargetOutbound(12);
  await dashboard.addFailingPersistentPeers(8);
  await expect(dashboard.graphOptions({ type: 'manual', state: 'failing' })).toHaveCount(8);
  await expect(dashboard.graphOptions({ type: 'outbound' })).toHaveCount(12);
  await page.waitForTimeout(2000);
  await page.screenshot({ path: `/tmp/h7/labels-after-1440.png` });
  console.log(await dashboard.graphTextProblems());
  const [failing] = await dashboard.idsOf(dashboard.graphOptions({ type: 'manual', state: 'failing' }));
  await dashboard.select(failing!);
  await page.setViewportSize({ width: 1800, height: 1200 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `/tmp/h7/labels-after-1800.png` });
  console.log(await dashboard.graphTextProblems());
});
