/**
 * A view an operator can trust while the server is away: from the moment the link drops, the whole
 * page says it shows the past (and since when), stands still at that moment, and comes back within
 * the page's capped reconnect delay once the server does.
 */
import { RECONNECT_MAX_DELAY_MS } from '../web/src/lib/net/reconnect.ts';
import { expect, test } from './fixtures.ts';

/** Opening the socket and applying the hello, on a loaded machine, after the last wait is over. */
const RECONNECT_SLACK_MS = 3000;

test('server gone: every view says stale since when, freezes at the loss, and is live again within the capped delay', async ({
  launchServer,
  dashboard,
}) => {
  test.setTimeout(60_000);
  // A 5 s retry step: a refused persistent peer is failing (with a countdown) nearly all the time.
  const server = await launchServer(['--retry-delay-ms', '5000']);
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  await dashboard.select(id);
  await expect(dashboard.detailState).toHaveText('failing');
  await expect(dashboard.timeline).toHaveAttribute('data-live', 'true');
  await expect(dashboard.staleBanner).toHaveCount(0);
  for (const view of dashboard.mainViews()) await expect(view).toHaveAttribute('data-stale', 'false');

  await server.stop();

  // The whole view, not only the header pill, says so — and since when.
  await expect(dashboard.staleBanner).toHaveAttribute('data-state', 'stale');
  await expect(dashboard.staleBanner).toContainText(/Stale since \d\d:\d\d:\d\d\b/);
  for (const view of dashboard.mainViews()) await expect(view).toHaveAttribute('data-stale', 'true');
  await expect(dashboard.timeline).toHaveAttribute('data-live', 'false');
  await expect(dashboard.timelineStatus).toHaveText(/Stale since \d\d:\d\d:\d\d$/);
  const since = Number(await dashboard.staleBanner.getAttribute('data-since'));
  expect(since).toBeGreaterThan(0);
  // The timeline's "now" is the loss: its bars end there, not at the wall clock.
  await expect(dashboard.timeline).toHaveAttribute('data-now', String(since));

  // Nothing moves: countdowns, ages, the timeline's edge, the counters. Checked at every poll
  // while the wall clock runs on for a few seconds.
  const picture = async (): Promise<string> =>
    JSON.stringify(
      await Promise.all([
        dashboard.detailNextTry.textContent(),
        dashboard.detailAge.getAttribute('data-value'),
        dashboard.detailExplanation.textContent(),
        dashboard.graphOption(id).textContent(),
        dashboard.timeline.getAttribute('data-now'),
        dashboard.liveCounts(),
      ]),
    );
  const frozen = await picture();
  expect(frozen).toContain('in '); // a countdown was running when the link dropped
  const startedAt = Date.now();
  await expect
    .poll(async () => {
      const now = await picture();
      if (now !== frozen) return `moved: ${now} (was ${frozen})`;
      return Date.now() - startedAt >= 2500 ? 'still' : 'waiting';
    })
    .toBe('still');

  // Long enough for a growing backoff to have grown: the page is at its fifth try or later.
  await expect.poll(() => dashboard.reconnectAttempt(), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
  await server.start();
  const restartedAt = Date.now();
  await expect(dashboard.linkState).toHaveText(/^(resynced|connected)$/, { timeout: RECONNECT_MAX_DELAY_MS + RECONNECT_SLACK_MS });
  expect(Date.now() - restartedAt).toBeLessThanOrEqual(RECONNECT_MAX_DELAY_MS + RECONNECT_SLACK_MS);

  // Back, resynced, and it says so; the stale marks are gone and the timeline runs again.
  await expect(dashboard.staleBanner).toHaveAttribute('data-state', 'recovered');
  await expect(dashboard.staleBanner).toContainText(/Live again at \d\d:\d\d:\d\d\b.*resynced/);
  for (const view of dashboard.mainViews()) await expect(view).toHaveAttribute('data-stale', 'false');
  await expect(dashboard.timeline).toHaveAttribute('data-live', 'true');
  await expect(dashboard.timelineStatus).toHaveText('Live');
  await expect.poll(async () => Number(await dashboard.timeline.getAttribute('data-now'))).toBeGreaterThan(since + 1000);
});
