/** The page's link to the server: surviving a server restart, and read-only viewers. */
import { expect, test } from './fixtures.ts';

test('server restart: the page reconnects, resyncs and misses no event', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const firstRun = (await server.healthz()).runId;
  await expect(dashboard.counter('outbound')).toHaveAttribute('data-value', '4');

  await server.stop();
  await expect(dashboard.linkState).toHaveText('reconnecting');
  await expect(dashboard.controlsDisabledReason).toContainText('not connected to the server');

  await server.start();
  const secondRun = (await server.healthz()).runId;
  expect(secondRun).not.toBe(firstRun);
  await expect(dashboard.linkState).toHaveText(/^(resynced|connected)$/, { timeout: 20_000 });
  await expect(dashboard.diagnostics).toContainText('server restarts 1');
  await expect(dashboard.diagnostics).toContainText('gaps 0');
  await expect(dashboard.controlsDisabledReason).toHaveCount(0);

  // The page has applied exactly the server's events: its last seq catches up with the server's.
  await expect
    .poll(async () => {
      const [page, { seq }] = await Promise.all([dashboard.lastSeq(), server.healthz()]);
      return page === seq ? 'in step' : `page ${page}, server ${seq}`;
    })
    .toBe('in step');

  // Every event of the new run, from seq 1, is there: a log row, or a lab update (the Lab panel's,
  // not a row). The log holds the new run's events only, in order.
  await expect
    .poll(async () => {
      const [rows, lab, last] = await Promise.all([dashboard.logTotal(), dashboard.labUpdates(), dashboard.lastSeq()]);
      return rows + lab === last ? 'all there' : `${rows} rows + ${lab} lab updates for seq 1..${last}`;
    })
    .toBe('all there');
  await dashboard.page.getByRole('checkbox', { name: 'Follow newest' }).uncheck();
  await dashboard.log.focus();
  await dashboard.page.keyboard.press('Home');
  const firstRow = dashboard.log.locator('[role="row"][aria-rowindex="2"]');
  await expect(firstRow).toHaveAttribute('data-seq', /^\d+$/);
  const firstSeq = Number(await firstRow.getAttribute('data-seq'));
  expect(firstSeq).toBeGreaterThan(0);
  const seqs = await dashboard.logRows.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
  expect(seqs.length).toBeGreaterThan(1);
  expect(seqs[0]).toBe(firstSeq);
  for (const [i, seq] of seqs.slice(1).entries()) expect(seq).toBeGreaterThan(seqs[i]!);
});

test('with a token, a viewer without it is read-only and one with it can control', async ({ launchServer, dashboard }) => {
  const server = await launchServer(['--token', 's3cret']);

  await dashboard.open(server);
  await expect(dashboard.controlsDisabledReason).toBeVisible();
  await expect(dashboard.controlsDisabledReason).toContainText('Controls disabled');
  await expect(dashboard.connectButton).toBeDisabled();
  await expect(dashboard.peerAddress).toBeDisabled();
  await expect(dashboard.setTargetButton).toBeDisabled();
  await expect(dashboard.addPeerButton).toBeDisabled();
  await expect(dashboard.page.getByText('read-only', { exact: true })).toBeVisible();

  await dashboard.open(server, { token: 's3cret' });
  await expect(dashboard.controlsDisabledReason).toHaveCount(0);
  await expect(dashboard.connectButton).toBeEnabled();
  await expect(dashboard.addPeerButton).toBeEnabled();
  // Control really works: the server takes the new target.
  await dashboard.targetOutbound.fill('3');
  await dashboard.setTargetButton.click();
  await expect(dashboard.targetStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.targetStatus).toContainText('Target outbound is now 3');
  expect((await server.snapshot()).snapshot.config.targetOutbound).toBe(3);
});
