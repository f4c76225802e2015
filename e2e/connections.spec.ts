/**
 * Manual connections from the Controls form and the Connection details panel: connect,
 * disconnect, remove, and the errors a person must be shown in words.
 */
import type { WebSocket } from '@playwright/test';
import { startTcpPeer } from '../server/bridge/testing.ts';
import { refusedAddr } from '../server/test-support.ts';
import { expect, test } from './fixtures.ts';

test('connect to a lab peer: established in the graph, the timeline and the log', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const peer = await dashboard.addLabPeer('stable');

  await dashboard.useAddressOf(peer.peerId).click();
  await expect(dashboard.peerAddress).toHaveValue(peer.addr);
  await dashboard.connectButton.click();
  await expect(dashboard.connectStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.connectStatus).toContainText(`to ${peer.addr}`);
  const id = Number(/#(\d+)/.exec((await dashboard.connectStatus.textContent()) ?? '')?.[1]);

  // graph mirror
  const option = dashboard.graphOption(id);
  await expect(option).toHaveAttribute('data-state', 'established');
  await expect(option).toHaveAttribute('data-type', 'manual');
  await expect(option).toHaveAccessibleName(new RegExp(`^${peer.addr}, .*established`));

  // timeline: it lists only lanes in view, so select the connection (which scrolls to it)
  await dashboard.select(id);
  await expect(dashboard.timelineLane(id)).toHaveAttribute('data-state', 'established');
  await expect(dashboard.timelineLane(id)).toContainText(peer.addr);

  // event log: the pending → established row of this address (the log narrowed to it: the lab's
  // churn would scroll the row out of the rendered window)
  await dashboard.filter.fill(`kind:conn:state ${peer.addr}`);
  const row = dashboard.logEntries(`#${id} manual ${peer.addr}: pending → established (dial-succeeded)`);
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('button', { name: `Select connection ${id}`, exact: true })).toBeVisible();

  // …and the server agrees
  expect((await server.conns()).find((c) => c.id === id)).toMatchObject({ addr: peer.addr, state: 'established', type: 'manual' });
});

test('disconnect a persistent peer: failing with a countdown, then established again with the same id', async ({
  launchServer,
  dashboard,
}) => {
  // A 3 s retry step keeps the failing state on screen long enough to read its countdown.
  const server = await launchServer(['--retry-delay-ms', '3000']);
  await dashboard.open(server);
  const peer = await server.unusedPeer('stable');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  await expect(dashboard.connectStatus).toContainText(`Added persistent peer #${id}`);

  await dashboard.select(id);
  await expect(dashboard.detailState).toHaveText('established');
  await expect(dashboard.graphOption(id)).toHaveAttribute('data-persistent', 'true');

  await dashboard.disconnectButton.click();
  await expect(dashboard.connActionStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.connActionStatus).toContainText(`Disconnected #${id}`);
  await expect(dashboard.detailState).toHaveText('failing');
  await expect(dashboard.detailAttempt).toHaveText('1');
  await expect(dashboard.detailNextTry).toHaveText(/^in \d/);
  await expect(dashboard.detailExplanation).toContainText('next try');
  await expect(dashboard.graphOption(id)).toHaveAttribute('data-state', 'failing');

  // The retry fires and the same entry (same id) is established again.
  await expect(dashboard.detailState).toHaveText('established');
  await expect(dashboard.graphOption(id)).toHaveAttribute('data-state', 'established');
  await expect(dashboard.graphOptions({ type: 'manual' })).toHaveCount(1);
  // The log, narrowed to this address (the lab's churn would scroll its rows out of the rendered window).
  await dashboard.filter.fill(`kind:conn:state ${peer.addr}`);
  await expect(
    dashboard.logEntries(`#${id} persistent manual ${peer.addr}: established → failing (local-disconnect); attempt 1`),
  ).toHaveCount(1);
  await expect(dashboard.logEntries(`#${id} persistent manual ${peer.addr}: failing → pending (retry)`)).toHaveCount(1);
  expect((await server.conns()).filter((c) => c.addr === peer.addr)).toMatchObject([{ id, persistent: true, state: 'established' }]);
});

test('remove a persistent peer: gone from the graph and never retried', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('stable');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  await dashboard.select(id);
  await expect(dashboard.detailState).toHaveText('established');
  const acceptedBefore = (await server.labPeers()).find((p) => p.addr === peer.addr)!.accepted;

  await dashboard.removeButton.click();
  await expect(dashboard.connActionStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.graphOption(id)).toHaveCount(0);
  await expect(dashboard.detailState).toHaveText('disconnected');
  await expect(dashboard.counter('persistent')).toHaveAttribute('data-value', '0');

  // Let more than two retry steps pass on the server's own clock, checking at every poll that
  // neither the id nor the address came back and the peer saw no new connection.
  const removedAt = (await server.snapshot()).snapshot.at;
  const { retryDelayMs } = (await server.snapshot()).snapshot.config;
  await expect
    .poll(
      async () => {
        const { snapshot, lab } = await server.snapshot();
        const back = snapshot.conns.find((c) => c.id === id || c.addr === peer.addr);
        if (back) return `came back: #${back.id} ${back.state}`;
        const accepted = lab?.peers.find((p) => p.addr === peer.addr)?.accepted;
        if (accepted !== acceptedBefore) return `the peer accepted again (${accepted})`;
        return snapshot.at - removedAt > 2 * retryDelayMs ? 'still gone' : 'waiting';
      },
      { timeout: 15_000 },
    )
    .toBe('still gone');
  await expect(dashboard.graphOption(id)).toHaveCount(0);
  // The log, narrowed to this address's transitions, ends with the removal.
  await dashboard.filter.fill(`kind:conn:state ${peer.addr}`);
  await expect(dashboard.logRows).toHaveCount(3);
  await expect(dashboard.logRows.last()).toHaveAccessibleName(
    new RegExp(`#${id} persistent manual ${peer.addr}: established → disconnected \\(local-remove\\)$`),
  );
});

test('connect to a refusing peer: the error is shown in words', async ({ server, dashboard }) => {
  await dashboard.open(server);
  // A closed port, not a lab peer: the lab's automatic outbound could dial a lab peer at the same
  // moment, and the connect would then be a duplicate.
  const addr = await refusedAddr();
  await dashboard.connect(addr);
  await expect(dashboard.connectStatus).toHaveAttribute('data-status', 'error');
  await expect(dashboard.connectStatus).toContainText(addr);
  await expect(dashboard.connectStatus).toContainText('ECONNREFUSED');
  await expect(dashboard.connectStatus).toContainText('nothing listens there');
  // The log, narrowed to this address (the lab's churn would scroll its rows out of the rendered window).
  await dashboard.filter.fill(`kind:conn:state ${addr}`);
  await expect(dashboard.logEntries(`manual ${addr}: pending → canceled (dial-refused, ECONNREFUSED)`)).toHaveCount(1);
  // One-shot: nothing is retried or left behind.
  expect((await server.conns()).some((c) => c.addr === addr)).toBe(false);
});

test('an invalid address is caught under the field and never sent', async ({ server, dashboard, page }) => {
  const sent: string[] = [];
  page.on('websocket', (ws: WebSocket) => {
    ws.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') sent.push(frame.payload);
    });
  });
  const commands = (type: string): unknown[] => sent.map((p) => JSON.parse(p) as { type?: string }).filter((m) => m.type === type);
  await dashboard.open(server);

  await dashboard.connect('127.0.0.1:99999');
  await expect(dashboard.peerAddressError).toHaveText('port 99999 is out of range 1-65535');
  await expect(dashboard.peerAddress).toHaveAttribute('aria-invalid', 'true');
  await expect(dashboard.peerAddress).toBeFocused();

  await dashboard.connect('no-port-here');
  await expect(dashboard.peerAddressError).toContainText('has no port');
  // The form checks synchronously on submit: had it sent anything, the frame would be out by now.
  await expect(dashboard.connectStatus).toHaveAttribute('data-status', 'idle');
  expect(commands('connect')).toEqual([]);

  // Typing clears the error, and a valid address does go out (so the frame count above means something).
  const peer = await server.unusedPeer('stable');
  await dashboard.peerAddress.fill(peer.addr);
  await expect(dashboard.peerAddressError).toHaveCount(0);
  await expect(dashboard.peerAddress).toHaveAttribute('aria-invalid', 'false');
  await dashboard.connectButton.click();
  await expect(dashboard.connectStatus).toHaveAttribute('data-status', 'ok');
  expect(commands('connect')).toMatchObject([{ addr: peer.addr }]);
  expect((await server.conns()).filter((c) => c.type === 'manual')).toMatchObject([{ addr: peer.addr, state: 'established' }]);
});

test('a duplicate connect shows the server error', async ({ server, dashboard }) => {
  await dashboard.open(server);
  // A listener of the test's own, not a lab peer the lab's automatic outbound could dial first.
  const peer = await startTcpPeer();
  try {
    const id = await dashboard.connectOk(peer.addr);

    await dashboard.connect(peer.addr);
    await expect(dashboard.connectStatus).toHaveAttribute('data-status', 'error');
    await expect(dashboard.connectStatus).toContainText(`already connected to ${peer.addr} (id ${id})`);
    await expect(dashboard.connectStatus).toContainText('ERR_ALREADY_CONNECTED');
    // The first connection is untouched.
    await expect(dashboard.graphOption(id)).toHaveAttribute('data-state', 'established');
    await expect(dashboard.graphOptions({ type: 'manual' })).toHaveCount(1);
  } finally {
    await peer.close();
  }
});
