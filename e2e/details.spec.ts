/**
 * The details panel and the Connect form say what is true now: an ended connection stops
 * ageing, a removed peer has no retries ahead, one result line per control, a history that fits
 * the sidebar, and a Connect line that follows the connection it made.
 */
import { expect, test } from './fixtures.ts';

test('Age stops when the connection ends', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('stable');
  const id = await dashboard.connectOk(peer.addr);
  await dashboard.select(id);
  await expect(dashboard.detailState).toHaveText('established');
  // Live, it ages.
  const young = Number(await dashboard.detailAge.getAttribute('data-value'));
  await expect.poll(async () => Number(await dashboard.detailAge.getAttribute('data-value'))).toBeGreaterThan(young);

  await dashboard.disconnectButton.click();
  await expect(dashboard.detailState).toHaveText('disconnected');
  const atEnd = await dashboard.detailAge.getAttribute('data-value');
  const endedAt = Date.now();
  await expect
    .poll(async () => {
      const age = await dashboard.detailAge.getAttribute('data-value');
      if (age !== atEnd) return `still ageing: ${atEnd} → ${age}`;
      return Date.now() - endedAt >= 2000 ? 'stopped' : 'waiting';
    })
    .toBe('stopped');
});

test('a removed persistent peer shows no retry schedule; one result line for Disconnect and Remove', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  await dashboard.select(id);
  await expect(dashboard.detailState).toHaveText('failing');
  await expect(dashboard.backoffSchedule).toBeVisible();

  await dashboard.disconnectButton.click();
  await expect(dashboard.connActionStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.connActionStatus).toContainText(`Disconnected #${id}`);

  await dashboard.removeButton.click();
  await expect(dashboard.connActionStatus).toContainText(`Removed #${id}`);
  await expect(dashboard.detailState).toHaveText('canceled');
  // Never retried again: no "Wait before the next retries", and no old result line beside the new one.
  await expect(dashboard.backoffSchedule).toHaveCount(0);
  await expect(dashboard.details.getByRole('heading', { name: 'Backoff schedule' })).toHaveCount(0);
  await expect(dashboard.details.getByRole('group', { name: 'Connection controls' }).getByRole('status')).toHaveCount(1);
  await expect(dashboard.details).not.toContainText(`Disconnected #${id}`);
});

test('the History table fits the sidebar: every column, Attempt included, in view', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  await dashboard.select(id);
  await expect.poll(async () => Number(await dashboard.detailAttempt.textContent())).toBeGreaterThanOrEqual(2);
  const history = dashboard.details.getByRole('table').filter({ hasText: 'dial-refused' });
  const attempt = history.getByRole('columnheader', { name: 'Attempt' });
  await expect(attempt).toBeVisible();
  const fits = await history.evaluate((table) => {
    const wrap = table.parentElement!;
    const head = [...table.querySelectorAll('th')].find((th) => th.textContent?.trim() === 'Attempt')!;
    const w = wrap.getBoundingClientRect();
    const h = head.getBoundingClientRect();
    return {
      overflowPx: wrap.scrollWidth - wrap.clientWidth,
      headRight: Math.round(h.right),
      wrapRight: Math.round(w.right),
      wrapWidth: Math.round(w.width),
    };
  });
  expect(fits.wrapWidth).toBeLessThanOrEqual(400); // the sidebar's width
  expect(fits.overflowPx).toBeLessThanOrEqual(0);
  expect(fits.headRight).toBeLessThanOrEqual(fits.wrapRight);
});

test('Connect: Persistent is unticked after a submit, and the status line follows the connection', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  await expect(dashboard.persistent).not.toBeChecked();
  // The reply said "pending"; the peer refuses, and the line says what it is now.
  await expect(dashboard.connectStatus).toContainText(`Added persistent peer #${id} (${peer.addr}): failing (dial-refused)`);
  await expect(dashboard.connectStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.graphOption(id)).toHaveAttribute('data-state', /failing|pending/);
});
