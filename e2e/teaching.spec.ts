/**
 * What an instructor shows a class: a paused timeline that loses nothing, the help sheet, a peer
 * that goes away, the inbound 'pause' policy, and the details panel explaining a retrying peer.
 */
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import type { LabServer } from './lab-server.ts';

test('pausing the timeline freezes its lanes and counts new events; resuming shows them', async ({ server, dashboard }) => {
  await dashboard.open(server);
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'true');
  await expect(dashboard.timelineLanes).not.toHaveCount(0);
  const peer = await dashboard.addLabPeer('stable');

  await dashboard.pauseTimelineButton.click();
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'false');
  await expect(dashboard.followLiveButton).toBeVisible();
  await expect(dashboard.timeline).toContainText('Paused at');
  await dashboard.nextFrames();
  const lanesAtPause = await dashboard.timelineLaneCount();
  const idsInView = await dashboard.timelineLaneIds();
  expect(idsInView.length).toBeGreaterThan(0);

  // New events while paused: connect to the new peer (pending → established).
  await dashboard.useAddressOf(peer.peerId).click();
  const id = await dashboard.connectOk(peer.addr);
  await expect(dashboard.graphOption(id)).toHaveAttribute('data-state', 'established'); // the graph stays live

  // The timeline counts them on its "N new" button, but draws no new lane and keeps the rows still.
  await expect.poll(() => dashboard.timelineNewCount()).toBeGreaterThanOrEqual(2);
  await expect(dashboard.timelineNewButton).toBeVisible();
  await expect(dashboard.timelineNewButton).toHaveText(/^\d+ new$/);
  await expect(dashboard.timelineLane(id)).toHaveCount(0);
  expect(await dashboard.timelineLaneCount()).toBe(lanesAtPause);
  expect(await dashboard.timelineLaneIds()).toEqual(idsInView);
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'false');

  // "N new" resumes: following again, nothing held back, and the new connection has its lane.
  await dashboard.timelineNewButton.click();
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'true');
  await expect(dashboard.timeline).toHaveAttribute('data-new-count', '0');
  await expect(dashboard.timelineNewButton).toHaveCount(0);
  await expect(dashboard.pauseTimelineButton).toBeVisible();
  await expect.poll(() => dashboard.timelineLaneCount()).toBeGreaterThan(lanesAtPause);
  await dashboard.select(id); // brings its lane into view
  await expect(dashboard.timelineLane(id)).toHaveAttribute('data-state', 'established');
  await expect(dashboard.timelineLane(id)).toContainText(peer.addr);
});

test('? opens the help with the shortcuts and the legend; Escape closes it; / focuses the filter', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.helpDialog).toBeHidden();

  await page.keyboard.press('?');
  const help = dashboard.helpDialog;
  await expect(help).toBeVisible();
  await expect(help.getByRole('heading', { name: 'Keyboard shortcuts' })).toBeVisible();
  const shortcut = (key: string): Locator => help.getByRole('row').filter({ has: page.getByRole('rowheader', { name: key, exact: true }) });
  await expect(shortcut('/').getByRole('cell')).toHaveText('focus the filter');
  await expect(shortcut('?').getByRole('cell')).toHaveText('open this help');
  await expect(shortcut('p').getByRole('cell')).toHaveText('pause / resume the timeline');

  // The legend's states, each with its meaning.
  await expect(help.getByRole('heading', { name: 'Connection states' })).toBeVisible();
  for (const state of ['pending', 'established', 'failing', 'disconnected', 'canceled']) {
    await expect(help.getByRole('listitem').filter({ hasText: new RegExp(`^\\s*${state} — \\w`) })).toHaveCount(1);
  }

  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  await page.keyboard.press('/');
  await expect(dashboard.filter).toBeFocused();
});

/** An automatic outbound connection established to a `stable` lab peer, once there is one. */
async function stableOutbound(server: LabServer): Promise<{ id: number; addr: string; peerId: string }> {
  let found: { id: number; addr: string; peerId: string } | undefined;
  await expect
    .poll(async () => {
      const { snapshot, lab } = await server.snapshot();
      const stable = new Map(lab?.peers.filter((p) => p.behaviour === 'stable' && p.state === 'running').map((p) => [p.addr, p.peerId]));
      const conn = snapshot.conns.find((c) => c.type === 'outbound' && c.state === 'established' && stable.has(c.addr));
      found = conn && { id: conn.id, addr: conn.addr, peerId: stable.get(conn.addr)! };
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

test('stop a lab peer the manager is connected to: the connection ends and the peer shows stopped', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const { id, addr, peerId } = await stableOutbound(server);
  await expect(dashboard.graphOption(id)).toHaveAttribute('data-state', 'established');
  const running = (await server.labPeers()).filter((p) => p.state === 'running').length;
  await expect(dashboard.labPeersHeading).toHaveText(`Peers (${running} running)`);

  await dashboard.stopPeerButton(peerId).click();
  await expect(dashboard.stopPeerStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.stopPeerStatus).toContainText(`Stopped ${peerId}`);

  // The lab shows the peer stopped: no Stop button, "stopped" in its row, one fewer running.
  await expect(dashboard.stopPeerButton(peerId)).toHaveCount(0);
  await expect(dashboard.labPeerRow(peerId)).toContainText('stopped');
  await expect(dashboard.labPeersHeading).toHaveText(`Peers (${running - 1} running)`);

  // The manager saw the far side close: the connection is gone from the graph, and the log says why.
  await expect(dashboard.graphOption(id)).toHaveCount(0);
  await dashboard.filter.fill(`id:${id} kind:conn:state`);
  await expect(dashboard.logRows.last()).toHaveAccessibleName(
    new RegExp(`#${id} outbound ${addr}: established → disconnected \\((remote-closed|remote-reset)(, E[A-Z]+)?\\)$`),
  );

  // …and the server agrees.
  const { snapshot, lab } = await server.snapshot();
  expect(lab?.peers.find((p) => p.peerId === peerId)?.state).toBe('stopped');
  expect(snapshot.conns.some((c) => c.id === id)).toBe(false);
  expect((snapshot.stats.disconnects['remote-closed'] ?? 0) + (snapshot.stats.disconnects['remote-reset'] ?? 0)).toBeGreaterThan(0);
});

test("inbound 'pause' policy: a flood pauses the listener at the limit, and it listens again after", async ({
  launchServer,
  dashboard,
}) => {
  const server = await launchServer(['--inbound-policy', 'pause', '--max-inbound', '2']);
  await dashboard.open(server);
  await expect(dashboard.counter('inbound-limit')).toContainText('2');
  const listener = (await server.snapshot()).snapshot.listeners[0]!.address;

  await dashboard.floodConnections.fill('20');
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodStatus).toContainText('Flood started: 20 connections');

  // Paused: the header shows it, and the paused time counts up.
  await expect(dashboard.nodeSummary).toContainText(`${listener} paused`);
  await expect(dashboard.counter('paused')).not.toHaveAttribute('data-value', '0 ms');
  // While the flood keeps knocking (two wait for a slot, the rest are shed and retried), inbound stays at the limit.
  await expect
    .poll(async () => {
      const { snapshot, lab } = await server.snapshot();
      const inbound = snapshot.stats.currByType.inbound;
      if (inbound > 2) return `inbound ${inbound} over the limit`;
      return (lab?.flood.closedByServer ?? 0) >= 20 ? 'held' : 'flooding';
    })
    .toBe('held');
  expect(await dashboard.counterValue('inbound')).toBeLessThanOrEqual(2);

  await dashboard.stopFloodButton.click();
  await expect(dashboard.floodStatus).toContainText('Flood stopped');
  await expect.poll(async () => (await server.snapshot()).snapshot.listeners[0]?.state).toBe('listening');
  await expect(dashboard.nodeSummary).toContainText(`${listener} listening`);
});

/** "1.0 s", "250 ms", "2 min 5 s" (format.ts formatDuration) in ms. */
function parseDuration(text: string): number {
  const m = /^(?:(\d+) min)? ?(?:([\d.]+) s)?(?:(\d+) ms)?$/.exec(text.trim());
  if (!m || text.trim() === '') throw new Error(`not a duration: "${text}"`);
  return Number(m[1] ?? 0) * 60_000 + Number(m[2] ?? 0) * 1000 + Number(m[3] ?? 0);
}

test('details of a failing persistent peer: the retry in words, the attempt and the backoff schedule', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  await dashboard.useAddressOf(peer.peerId).click();
  await expect(dashboard.peerAddress).toHaveValue(peer.addr);
  await dashboard.persistent.check();
  await dashboard.connectButton.click();
  await expect(dashboard.connectStatus).toHaveAttribute('data-status', 'ok');
  await expect(dashboard.connectStatus).toContainText('Added persistent peer #');
  const id = Number(/#(\d+)/.exec((await dashboard.connectStatus.textContent()) ?? '')?.[1]);

  await dashboard.select(id);
  await expect(dashboard.detailExplanation).toHaveText(/^Retry \d+ of a persistent peer: next try in \d[\d.]* (ms|s) \(dial-refused\)\.$/);
  await expect.poll(async () => Number(await dashboard.detailAttempt.textContent())).toBeGreaterThanOrEqual(1);
  // It keeps failing, and keeps counting.
  await expect(dashboard.detailExplanation).toHaveText(/^Retry ([2-9]|\d\d+) of a persistent peer: /);

  // The schedule: the rule, then the next five waits, each longer than the one before.
  await expect(dashboard.details.getByRole('heading', { name: 'Backoff schedule' })).toBeVisible();
  await expect(dashboard.details).toContainText('linear: min(n × 1.0 s, 30 s)');
  const rows = dashboard.backoffSchedule.getByRole('row').filter({ has: dashboard.page.getByRole('cell') });
  await expect(rows).toHaveCount(5);
  const steps = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
  const retries = steps.map(([n]) => Number(n));
  const waits = steps.map(([, wait]) => parseDuration(wait!));
  expect(retries).toEqual(retries.map((_, i) => retries[0]! + i));
  expect(retries[0]).toBeGreaterThanOrEqual(1);
  for (const [i, w] of waits.slice(1).entries()) expect(w).toBeGreaterThan(waits[i]!);
  expect(waits).toEqual(retries.map((n) => n * 1000)); // linear: n × retry step

  // Its history says the same: each failure waits longer than the last. (The details' history
  // table is not virtualized, unlike the log, so early rows stay in the DOM however long it runs.)
  const history = dashboard.details.getByRole('table').filter({ hasText: 'dial-refused' });
  const failure = (n: number, wait: string): Locator =>
    history
      .getByRole('row')
      .filter({ hasText: `next try in ${wait}` })
      .filter({ has: dashboard.page.getByRole('cell', { name: String(n), exact: true }) });
  await expect(failure(1, '1.0 s')).toHaveCount(1);
  await expect(failure(2, '2.0 s')).toHaveCount(1);
  // Each says its rule with the numbers (linear: n × step) and cites it: the link opens the help there.
  await expect(failure(2, '2.0 s')).toContainText('attempt 2: next try in 2.0 s (2.0 s = 2 × 1.0 s)');
  await failure(2, '2.0 s').getByRole('link', { name: 'rule 2' }).click();
  const rule = dashboard.page.getByRole('dialog').locator('#rule-persistent-backoff');
  await expect(rule).toBeFocused();
  await expect(rule).toContainText("a persistent peer's failure is counted and the backoff waited");
});

test("the event log says each row's rule in a sentence, and its citation opens the help at that rule", async ({
  server,
  dashboard,
  page,
}) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  // The log narrowed to this peer's transitions: its second failure says the rule with its numbers.
  await dashboard.filter.fill(`id:${id} kind:conn:state`);
  const row = dashboard.logEntries(`#${id} persistent manual ${peer.addr}: pending → failing (dial-refused, ECONNREFUSED); attempt 2`);
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-rule', 'persistent-backoff');
  // In the DOM, on the row's own line (not a tooltip), and the row's description for a screen reader.
  const line = row.getByRole('gridcell').filter({ hasText: 'attempt 2: next try in 2.0 s (2.0 s = 2 × 1.0 s).' });
  await expect(line).toBeVisible();
  await expect(row).toHaveAccessibleDescription('attempt 2: next try in 2.0 s (2.0 s = 2 × 1.0 s).');
  await line.getByRole('link', { name: 'rule 2' }).click();
  const help = dashboard.helpDialog;
  await expect(help.locator('#rule-persistent-backoff')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // By keyboard: the log is one Tab stop; Tab goes on to the active row's citation, Enter opens it.
  await dashboard.log.focus();
  await page.keyboard.press('Home'); // the first row: the peer's first dial
  await expect(dashboard.logRows.first()).toHaveAttribute('data-rule', 'persistent-add');
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveAttribute('href', '#rule-persistent-add');
  await page.keyboard.press('Enter');
  await expect(help.locator('#rule-persistent-add')).toBeFocused();

  // Unticking "Rules" gives the dense one-line rows back, without the sentences.
  await page.keyboard.press('Escape');
  const tall = (await row.boundingBox())!.height;
  await page.locator('#log-pane').getByRole('checkbox', { name: 'Rules' }).uncheck();
  await expect(row.getByRole('link', { name: 'rule 2' })).toHaveCount(0);
  await expect(row).not.toHaveAttribute('data-rule');
  expect((await row.boundingBox())!.height).toBeLessThan(tall);
});

test('change the backoff kind live: the same failing peer follows the new rule, and the schedule says so', async ({
  server,
  dashboard,
}) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  await dashboard.useAddressOf(peer.peerId).click();
  await dashboard.persistent.check();
  await dashboard.connectButton.click();
  await expect(dashboard.connectStatus).toContainText('Added persistent peer #');
  const id = Number(/#(\d+)/.exec((await dashboard.connectStatus.textContent()) ?? '')?.[1]);
  await dashboard.select(id);
  await expect(dashboard.details).toContainText('linear: min(n × 1.0 s, 30 s)');

  const controls = dashboard.page.locator('#controls-pane');
  await controls.locator('summary', { hasText: 'Rules' }).click();
  await controls.getByRole('combobox', { name: 'Backoff' }).selectOption('exponential');
  await controls.getByRole('spinbutton', { name: 'Retry step (ms)' }).fill('500');
  await controls.getByRole('button', { name: 'Apply' }).click();
  await expect(controls.getByTestId('rules-status')).toContainText('changed: backoff exponential, retryDelayMs 500');

  // The manager runs on the new rule, and the page's explanation with it.
  await expect.poll(async () => (await server.snapshot()).snapshot.config.backoff).toBe('exponential');
  await expect(dashboard.details).toContainText('exponential: b = min(500 ms × 2^(n−1), 30 s), wait in [b/2, b)');
  // Exponential waits are drawn from a range: the schedule shows ranges now.
  await expect(dashboard.backoffSchedule.getByRole('cell', { name: /–/ }).first()).toBeVisible();
  // The log has the change as one event, and the timeline marks where it happened.
  await expect(dashboard.logEntries('config changed')).not.toHaveCount(0);
  await expect(dashboard.page.getByTestId('timeline')).toHaveAttribute('data-config-marks', '1');

  // A slip is answered beside the form, nothing is sent.
  await controls.getByRole('spinbutton', { name: 'Backoff cap (ms)' }).fill('100');
  await controls.getByRole('button', { name: 'Apply' }).click();
  await expect(controls.getByTestId('rules-error')).toContainText('must be at least the step');
});

test("slow motion and freeze: the Lab panel sets the manager clock's speed", async ({ server, dashboard }) => {
  await dashboard.open(server);
  const speed = dashboard.lab.getByRole('combobox', { name: 'Manager clock' });
  await expect(speed).toHaveValue('1');
  await speed.selectOption('0.25');
  await expect(dashboard.lab.getByTestId('speed-status')).toContainText('Manager clock at 0.25×');
  await expect.poll(async () => (await server.snapshot()).lab?.speed).toBe(0.25);
  await expect(dashboard.lab).toContainText("Slow motion: the manager's timers run at 0.25×");
  await expect(dashboard.page.getByTestId('speed-badge')).toHaveText('slow motion 0.25×');
  await speed.selectOption('0');
  await expect(dashboard.lab.getByTestId('speed-status')).toContainText('Frozen: nothing retries or times out');
  await expect.poll(async () => (await server.snapshot()).lab?.speed).toBe(0);
  await expect(dashboard.page.getByTestId('speed-badge')).toHaveText('frozen');
  // Frozen: the manager's clock stands still (two snapshots, the same time).
  const a = (await server.snapshot()).snapshot.at;
  await expect.poll(async () => (await server.snapshot()).snapshot.at).toBe(a);
  await speed.selectOption('1');
  await expect.poll(async () => (await server.snapshot()).snapshot.at).toBeGreaterThan(a);
  await expect(dashboard.page.getByTestId('speed-badge')).toHaveCount(0);
});
