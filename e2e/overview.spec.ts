import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

test('the page loads and the lab peers fill the target outbound', async ({ sharedServer, dashboard }) => {
  await dashboard.open(sharedServer);

  await expect(dashboard.counter('outbound-limit')).toContainText(String(TARGET_OUTBOUND));
  await expect(dashboard.counter('outbound')).toHaveAttribute('data-value', String(TARGET_OUTBOUND));
  const established = dashboard.graphOptions({ type: 'outbound', state: 'established' });
  await expect(established).toHaveCount(TARGET_OUTBOUND);

  // They are the very connections the server has established, each to a lab peer.
  await expect
    .poll(async () => {
      const { snapshot, lab } = await sharedServer.snapshot();
      const peers = new Set(lab?.peers.map((p) => p.addr));
      const onServer = snapshot.conns
        .filter((c) => c.type === 'outbound' && c.state === 'established' && peers.has(c.addr))
        .map((c) => c.id)
        .sort((a, b) => a - b);
      const onPage = (await dashboard.idsOf(established)).sort((a, b) => a - b);
      const same = onServer.length === TARGET_OUTBOUND && onPage.join() === onServer.join();
      return same ? 'same' : `page [${onPage.join()}], server [${onServer.join()}]`;
    })
    .toBe('same');
});
