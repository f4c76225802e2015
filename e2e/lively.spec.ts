/**
 * `npm start`'s lively lab (README, "The lab") on the page: what a newcomer should see without
 * touching anything — a persistent peer failing with a growing backoff, a failed automatic dial
 * replaced, an idle kick and shed inbound connections. The other specs run a quiet lab (they count
 * connections); this one asks for the lively scenario, with a short idle timeout for the kick.
 */
import { expect, test } from './fixtures.ts';

test('the lively lab: persistent retries, failed automatic dials, idle kicks and shedding show on their own', async ({
  launchServer,
  dashboard,
}) => {
  test.setTimeout(60_000);
  const server = await launchServer(['--lab-scenario', 'lively', '--idle-timeout-ms', '3000']);
  await dashboard.open(server);
  const within = { timeout: 30_000 };

  // The scenario's persistent peer: one more stable peer, after the mix, that the book does not hold.
  const { lab } = await server.snapshot();
  const persistentPeer = lab!.peers.at(-1)!;
  expect(lab!.peers).toHaveLength(20);
  expect(lab!.addressBook.size).toBe(19);
  await expect(dashboard.labPeerRow(persistentPeer.peerId)).toHaveCount(1);
  // Refused again and again while it is down: the backoff grows (1 s, 2 s, … with --retry-delay-ms 1000).
  await expect(
    dashboard.logEntries(
      `persistent manual ${persistentPeer.addr}: pending → failing (dial-refused, ECONNREFUSED); attempt 2, next try in 2`,
    ),
  ).toHaveCount(1, within);
  await expect(dashboard.graph.locator(`[role="option"][data-persistent="true"]`)).toHaveCount(1);

  // An automatic dial that fails (a dead address gossiped again, dialed after a restart) …
  const row = (name: RegExp) => dashboard.log.getByRole('row', { name });
  await expect(row(/#\d+ outbound \S+: pending → canceled \(dial-(refused|timeout)/)).not.toHaveCount(0, within);
  // … the silent inbound client kicked by the idle timeout, and a burst past max inbound shed.
  await expect(row(/#\d+ inbound \S+: established → disconnected \(idle-timeout\)/)).not.toHaveCount(0, within);
  await expect(dashboard.logEntries('(limit)')).not.toHaveCount(0, within);
  await expect.poll(() => dashboard.counterValue('rejected'), within).toBeGreaterThan(0);
});
