/**
 * Bans (README "Ban score", rule 11) on the page: a connection's details penalize and ban its
 * host, the Bans panel lists the ban with a live countdown and the score against the threshold,
 * the connection is closed with reason `banned`, Unban lifts it; a read-only viewer sees Unban
 * disabled. The peer listens on 127.0.0.77 (Linux routes all of 127/8 to lo): a ban of
 * 127.0.0.1 would ban the lab and the page's own host too.
 */
import { startTcpPeer } from '../server/bridge/testing.ts';
import { expect, test } from './fixtures.ts';

const HOST = '127.0.0.77';

test('penalize and ban a host from its details, see the ban count down, the connection closed as banned, then unban it', async ({
  server,
  dashboard,
  page,
}) => {
  // Two axe passes (light and dark) with a ban listed: seconds each on a loaded machine.
  test.setTimeout(90_000);
  await dashboard.open(server);
  const bans = page.getByRole('region', { name: 'Bans', exact: true });
  await expect(bans.getByTestId('bans-empty')).toHaveText('No host is banned.');
  await expect(bans.getByTestId('scores-empty')).toHaveText('No host has a ban score.');

  const peer = await startTcpPeer(HOST);
  try {
    const id = await dashboard.connectOk(peer.addr);
    await dashboard.select(id);
    await expect(dashboard.detailState).toHaveText('established');
    await expect(dashboard.details.getByTestId('detail-ban-score')).toHaveText('0');
    const banControls = dashboard.details.getByRole('group', { name: `Penalize or ban ${HOST}` });
    // Not the lab's host: the hint says the ban takes this host alone.
    await expect(dashboard.details.getByTestId('ban-hint')).toHaveText(
      `A ban closes every connection of ${HOST} and refuses it until the ban ends (rule 11).`,
    );

    // A penalty: the score in the details and in the panel's list, against the threshold.
    await banControls.getByRole('button', { name: '+50 persistent' }).click();
    await expect(dashboard.connActionStatus).toContainText(`Penalized ${HOST} +50 persistent: ban score 50`);
    await expect(dashboard.details.getByTestId('detail-ban-score')).toContainText('50 / 100');
    await expect(dashboard.details.getByTestId('detail-ban-score')).toHaveAttribute('data-level', 'warn');
    const scoreRow = bans.getByRole('list', { name: 'Ban scores' }).getByRole('listitem').filter({ hasText: HOST });
    await expect(scoreRow.getByTestId('score-value')).toHaveText('50 / 100');
    await expect(scoreRow).toHaveAttribute('data-level', 'warn');
    await expect(scoreRow).toContainText('penalized from the page');

    // The ban: listed with the time left, which counts down on the manager's clock.
    await banControls.getByRole('button', { name: 'Ban host' }).click();
    await expect(dashboard.connActionStatus).toContainText(`Banned ${HOST} until`);
    const banRow = bans.getByRole('list', { name: 'In force' }).getByRole('listitem').filter({ hasText: HOST });
    await expect(banRow).toContainText('banned from the page');
    await expect(bans.getByTestId('ban-count')).toHaveText('in force: 1');
    // The lab's bans last 2 minutes (--ban-duration-ms; a day against real peers).
    await expect(banRow.getByTestId('ban-left')).toHaveText(/^1 min \d+ s left$/);
    const left = Number(await banRow.getByTestId('ban-left').getAttribute('data-left-ms'));
    expect(left).toBeGreaterThan(60_000);
    await expect.poll(async () => Number(await banRow.getByTestId('ban-left').getAttribute('data-left-ms'))).toBeLessThan(left);
    await expect(page.getByTestId('counter-banned')).toHaveText('1');
    await expect(page.getByTestId('counter-banned-note')).toHaveText('(1 total)');

    // Rule 11: everything of the host is closed, with reason banned.
    await expect(dashboard.detailState).toHaveText('disconnected');
    await dashboard.filter.fill(`kind:conn:state ${peer.addr}`);
    await expect(dashboard.logEntries(`#${id} manual ${peer.addr}: established → disconnected (banned)`)).toHaveCount(1);
    // …and the log has the ban itself, and the penalty before it.
    await dashboard.filter.fill(`kind:peer:banned kind:peer:penalized ${HOST}`);
    await expect(dashboard.logEntries(`${HOST} banned for 2 min (banned from the page)`)).toHaveCount(1);
    await expect(dashboard.logEntries(`${HOST} penalized for #${id} (penalized from the page): +50 persistent, ban score 50`)).toHaveCount(
      1,
    );
    // The details offer Unban for the banned host; Penalize needs a live connection.
    await expect(dashboard.details.getByTestId('detail-ban-score')).toContainText('host banned');
    await expect(banControls.getByRole('button', { name: '+10 transient' })).toBeDisabled();
    await expect(banControls.getByRole('button', { name: 'Unban host' })).toBeEnabled();

    for (const theme of ['Light', 'Dark'] as const) {
      await dashboard.setTheme(theme);
      const violations = await dashboard.accessibilityViolations();
      expect(violations, `a ban listed, ${theme.toLowerCase()} theme:\n${violations.join('\n')}`).toEqual([]);
    }

    // Unban from the panel: the ban and its score are gone, here and on the server.
    await bans.getByRole('button', { name: `Unban ${HOST}`, exact: true }).click();
    await expect(bans.getByTestId('ban-action-status')).toHaveText(/Unbanned 127\.0\.0\.77$/);
    await expect(bans.getByTestId('bans-empty')).toBeVisible();
    await expect(bans.getByTestId('scores-empty')).toBeVisible();
    await expect(page.getByTestId('counter-banned')).toHaveText('0');
    await expect(banControls.getByRole('button', { name: 'Ban host' })).toBeEnabled();
    const { snapshot } = await server.snapshot();
    expect(snapshot.bans ?? []).toEqual([]);
  } finally {
    await peer.close();
  }
});

test('a read-only viewer sees the bans, with Unban disabled and the reason', async ({ launchServer, dashboard, page }) => {
  const server = await launchServer(['--token', 's3cret']);
  await server.command('ban', { host: HOST, durationMs: 60_000, reason: 'banned by a script' }, { token: 's3cret' });
  await dashboard.open(server);
  const bans = page.getByRole('region', { name: 'Bans', exact: true });
  const row = bans.getByRole('list', { name: 'In force' }).getByRole('listitem').filter({ hasText: HOST });
  await expect(row).toContainText('banned by a script');
  await expect(row.getByTestId('ban-left')).toHaveText(/^\d+ s left$/);
  await expect(bans.getByRole('button', { name: `Unban ${HOST}`, exact: true })).toBeDisabled();
  await expect(bans).toContainText('Unban unavailable:');
});
