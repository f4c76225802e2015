/** The lab's inbound flood against the manager's inbound limit. */
import { expect, test } from './fixtures.ts';

test('an inbound flood past the limit is shed, and the rejections are counted on screen', async ({ server, dashboard }) => {
  await dashboard.open(server);
  await expect(dashboard.counter('inbound-limit')).toContainText('8');
  await expect(dashboard.counter('rejected')).toHaveAttribute('data-value', '0');

  await dashboard.floodConnections.fill('40');
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.floodStatus).toContainText('Flood started: 40 connections');
  await expect(dashboard.floodState).toContainText('Flood on: 40');

  // The listener holds the limit and sheds the rest.
  await expect.poll(() => dashboard.counterValue('rejected')).toBeGreaterThan(0);
  await expect(dashboard.counter('inbound')).toHaveAttribute('data-value', '8');
  await expect(dashboard.logEntries('rejected on')).not.toHaveCount(0);
  const { stats } = (await server.snapshot()).snapshot;
  expect(stats.rejected.limit).toBeGreaterThan(0);
  expect(stats.currByType.inbound).toBeLessThanOrEqual(8);

  await dashboard.stopFloodButton.click();
  await expect(dashboard.floodStatus).toContainText('Flood stopped');
  await expect(dashboard.floodState).toContainText('Flood off');
  await expect(dashboard.stopFloodButton).toBeDisabled();
  await expect.poll(async () => (await server.snapshot()).lab?.flood.active).toBe(false);
});
