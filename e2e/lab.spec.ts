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

test('bulk: add several peers of a behaviour in one click, then stop all of them', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const refusing = async (): Promise<number> =>
    (await server.snapshot()).lab?.peers.filter((p) => p.behaviour === 'refuse' && p.state === 'running').length ?? 0;
  const before = await refusing(); // the lab's mix has some already
  await dashboard.behaviour.selectOption('refuse');
  await dashboard.lab.getByRole('spinbutton', { name: 'How many' }).fill('3');
  await dashboard.lab.getByRole('button', { name: 'Add 3 peers' }).click();
  await expect(dashboard.addPeerStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.addPeerStatus).toContainText('Added 3 refuse peers');
  await expect.poll(refusing).toBe(before + 3);

  await dashboard.lab.getByRole('button', { name: `Stop all refuse (${before + 3})` }).click();
  await expect(dashboard.addPeerStatus).toContainText(`Stopped ${before + 3} refuse peers`);
  await expect.poll(refusing).toBe(0);
  await expect(dashboard.lab.getByRole('button', { name: 'Stop all refuse (0)' })).toBeDisabled();
});
