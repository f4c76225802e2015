/**
 * The connections table, the tab beside the event log: it lists what the server has, sorts by
 * any column (mouse and keyboard, `aria-sort`), follows the shared filter, groups an address's
 * ids with their failures, shares the selection with the graph, acts on a row, and keeps only a
 * window of its rows in the DOM.
 */
import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

const natural = new Intl.Collator('en', { numeric: true });

test("the table lists the server's live connections, with their address, type and state", async ({ sharedServer, dashboard }) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  await dashboard.openTable();

  // The lab's inbound trickle comes and goes: poll until a snapshot of the server and the table agree.
  await expect
    .poll(async () => {
      const server = (await sharedServer.conns()).map((c) => c.id).sort((a, b) => a - b);
      const table = await dashboard.tableIds();
      return JSON.stringify(table) === JSON.stringify(server) ? 'same' : `server ${server} table ${table}`;
    })
    .toBe('same');
  // A `stable` peer's connection: it sends a heartbeat (a `hang` or `slow` one may never send a byte).
  const stable = new Set((await sharedServer.labPeers()).filter((p) => p.behaviour === 'stable').map((p) => p.addr));
  const outbound = (await sharedServer.conns()).find((c) => c.type === 'outbound' && c.state === 'established' && stable.has(c.addr))!;
  const row = dashboard.tableRow(outbound.id);
  await expect(row).toHaveAttribute('data-addr', outbound.addr);
  await expect(row).toHaveAttribute('data-state', 'established');
  await expect(row.getByRole('gridcell').nth(2)).toHaveText('outbound');
  await expect(dashboard.tableCount).toHaveText(/^\d+ connections?$/);

  // Bytes: events do not carry them; the table reads them from the server, so a lab peer's
  // heartbeats (one line every 2 s) show as a growing In count. The exact count is the cell's
  // `data-bytes`: its text ("1.3 KiB") may not change for a while once the count is past 1 KiB.
  const bytesIn = row.getByRole('gridcell').nth(5);
  const exact = async (): Promise<number> => Number(await bytesIn.getAttribute('data-bytes'));
  await expect(bytesIn).toHaveText(/^\d+(\.\d)? (B|KiB|MiB)$/);
  const first = await exact();
  await expect.poll(exact, { timeout: 15_000 }).toBeGreaterThan(first);
});

test('a header click sorts by that column, again reverses it; Enter on a header does the same', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  await dashboard.openTable();
  await expect.poll(() => dashboard.tableRowCount()).toBeGreaterThanOrEqual(TARGET_OUTBOUND);

  // By id, ascending, to start with.
  await expect(dashboard.tableHeader('Id')).toHaveAttribute('aria-sort', 'ascending');
  const ids = await dashboard.tableIds();
  expect(ids).toEqual([...ids].sort((a, b) => a - b));

  await dashboard.sortTableBy('Address');
  await expect(dashboard.tableHeader('Address')).toHaveAttribute('aria-sort', 'ascending');
  await expect(dashboard.tableHeader('Id')).not.toHaveAttribute('aria-sort');
  const up = await dashboard.tableColumn('data-addr');
  expect(up).toEqual([...up].sort(natural.compare));

  await dashboard.sortTableBy('Address');
  await expect(dashboard.tableHeader('Address')).toHaveAttribute('aria-sort', 'descending');
  const down = await dashboard.tableColumn('data-addr');
  expect(down).toEqual([...down].sort(natural.compare).reverse());

  // Keyboard: b focuses the grid; Tab reaches the header at the sorted column (one Tab stop,
  // arrows move along it); Enter and Space sort; Tab again reaches the active row's actions.
  await page.keyboard.press('b');
  await expect(dashboard.table).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveAttribute('data-sort-key', 'addr');
  await page.keyboard.press('Home');
  await expect(page.locator(':focus')).toHaveAttribute('data-sort-key', 'id');
  await page.keyboard.press('Enter');
  await expect(dashboard.tableHeader('Id')).toHaveAttribute('aria-sort', 'ascending');
  await page.keyboard.press('Space');
  await expect(dashboard.tableHeader('Id')).toHaveAttribute('aria-sort', 'descending');
  const desc = await dashboard.tableIds();
  expect(desc).toEqual([...desc].sort((a, b) => b - a));
  // From the header, Tab reaches the active row's first action. The lab churns (flap peers), so
  // the active row may be replaced between two key presses: then the keys are pressed again from
  // the grid. It must get there; it only may take another try.
  await page.keyboard.press('Tab');
  await expect
    .poll(async () => {
      const name = String(await page.evaluate('document.activeElement?.getAttribute("aria-label") ?? ""'));
      if (/^Disconnect #\d+$/.test(name)) return name;
      await page.keyboard.press('b');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      return String(await page.evaluate('document.activeElement?.getAttribute("aria-label") ?? ""'));
    })
    .toMatch(/^Disconnect #\d+$/);
});

test('the shared filter narrows the rows, and the count says how many of how many', async ({ sharedServer, dashboard }) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  await dashboard.openTable();
  await dashboard.filter.fill('type:outbound');
  await expect(dashboard.tableRows).toHaveCount(TARGET_OUTBOUND);
  expect(new Set(await dashboard.tableColumn('data-type'))).toEqual(new Set(['outbound']));
  await expect(dashboard.tableCount).toHaveText(new RegExp(`^${TARGET_OUTBOUND} of \\d+ connections$`));

  const [one] = await dashboard.tableColumn('data-addr');
  await dashboard.filter.fill(`addr:${one}`);
  await expect(dashboard.tableRows).toHaveCount(1);
  await expect(dashboard.tableRows).toHaveAttribute('data-addr', one!);
  await dashboard.filter.fill('bogus:1');
  await expect(dashboard.filterErrors).toHaveCount(1);
});

test('per address: an automatic peer that keeps refusing shows every id it was dialed under, with its failures', async ({
  launchServer,
  dashboard,
}) => {
  // More automatic slots than stable peers: the manager keeps dialing the lab's refusing peers,
  // each time under a new id.
  const server = await launchServer(['--target-outbound', '16']);
  const refusing = (await server.labPeers()).find((p) => p.behaviour === 'refuse')!;
  await dashboard.open(server);
  await dashboard.openTable('addrs');
  await dashboard.filter.fill(`addr:${refusing.addr}`);
  const row = dashboard.tableAddrRow(refusing.addr);
  await expect(row).toHaveCount(1);
  await expect
    .poll(async () => Number(await row.locator('[data-count]').getAttribute('data-count')), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(3);
  const ids = Number(await row.locator('[data-count]').getAttribute('data-count'));
  // Each of those dials was refused: as many failures as ids (at least), and the reason says why.
  expect(Number(await row.getByTestId('addr-failures').textContent())).toBeGreaterThanOrEqual(ids);
  await expect(row.getByRole('gridcell').filter({ hasText: 'dial-refused' })).toHaveCount(1);
  await expect(row.getByRole('gridcell').nth(1)).toContainText(/#\d+ #\d+ #\d+/);
  // The ids are connections of their own: per connection, with the ended ones, they are there too.
  await dashboard.openTable('conns');
  await dashboard.page.getByRole('checkbox', { name: 'Ended too' }).check();
  await expect.poll(() => dashboard.tableRows.count()).toBeGreaterThanOrEqual(3);
  const states = await dashboard.tableColumn('data-state');
  expect(
    states.filter((st) => st !== 'canceled' && st !== 'pending'),
    `states ${states}`,
  ).toEqual([]);
});

test('selection is shared: a row click selects in the graph and the details; a graph selection marks the row', async ({
  sharedServer,
  dashboard,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  const [a, b] = await dashboard.idsOf(dashboard.graphOptions({ type: 'outbound', state: 'established' }));
  await dashboard.openTable();

  await dashboard.tableRow(a!).getByRole('gridcell').first().click();
  await expect(dashboard.graphOption(a!)).toHaveAttribute('aria-selected', 'true');
  await expect(dashboard.details).toContainText(`#${a}`);
  await expect(dashboard.tableRow(a!)).toHaveAttribute('aria-selected', 'true');

  await dashboard.select(b!);
  await expect(dashboard.tableRow(b!)).toHaveAttribute('aria-selected', 'true');
  await expect(dashboard.tableRow(a!)).toHaveAttribute('aria-selected', 'false');

  // Keyboard: b focuses the table; arrows move, Enter selects.
  await dashboard.page.keyboard.press('Escape');
  await dashboard.page.keyboard.press('b');
  await expect(dashboard.table).toBeFocused();
  await dashboard.page.keyboard.press('Home');
  await dashboard.page.keyboard.press('Enter');
  const [first] = await dashboard.tableIds();
  await expect(dashboard.graphOption(first!)).toHaveAttribute('aria-selected', 'true');
});

test("a row's Disconnect acts on the server; a read-only viewer sees the row actions disabled, with the reason", async ({
  server,
  launchServer,
  dashboard,
}) => {
  await dashboard.open(server);
  const peer = await server.unusedPeer('stable');
  const id = await dashboard.connectOk(peer.addr);
  await dashboard.openTable();
  const row = dashboard.tableRow(id);
  await row.getByRole('button', { name: `Disconnect #${id}`, exact: true }).click();
  await expect(dashboard.tableActionStatus).toHaveText(`✓Disconnected #${id}`);
  await expect.poll(async () => (await server.conns()).some((c) => c.id === id)).toBe(false);
  // A one-shot manual connection is gone for good: it leaves the live rows.
  await expect(row).toHaveCount(0);

  const locked = await launchServer(['--token', 's3cret']);
  await dashboard.open(locked);
  await dashboard.openTable();
  const first = dashboard.tableRows.first();
  await expect(first).toBeVisible();
  for (const name of [/^Disconnect #\d+$/, /^Remove #\d+$/]) {
    const button = first.getByRole('button', { name });
    await expect(button).toBeDisabled();
    await expect(button).toHaveAttribute('title', /token/);
  }
});

test('on a 360 px phone the table scrolls sideways inside itself, never the page', async ({ sharedServer, dashboard, page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await dashboard.open(sharedServer);
  await dashboard.openTable();
  await expect(dashboard.tableRows).not.toHaveCount(0);
  const widths = await dashboard.pageWidths();
  expect(widths.scrollWidth).toBeLessThanOrEqual(widths.innerWidth);
  expect(await dashboard.table.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await expect(dashboard.tableRows.first().getByRole('gridcell').first()).toBeInViewport();
});

test('stale: the table stands still at the loss, and says so', async ({ launchServer, dashboard, page }) => {
  const server = await launchServer(['--retry-delay-ms', '5000']);
  await dashboard.open(server);
  const peer = await server.unusedPeer('refuse');
  const id = await dashboard.connectOk(peer.addr, { persistent: true });
  await dashboard.openTable();
  const row = dashboard.tableRow(id);
  await expect(row).toHaveAttribute('data-state', /^(pending|failing)$/);
  // Live, its age runs.
  const before = await row.textContent();
  await expect.poll(() => row.textContent()).not.toBe(before);

  await server.stop();
  await expect(page.locator('#table-pane')).toHaveAttribute('data-stale', 'true');
  const frozen = await row.textContent();
  const startedAt = Date.now();
  await expect
    .poll(async () => {
      const now = await row.textContent();
      if (now !== frozen) return `moved: ${now} (was ${frozen})`;
      return Date.now() - startedAt >= 2500 ? 'still' : 'waiting';
    })
    .toBe('still');
});

test('with 1,000+ connections only a window of rows is in the DOM, and scrolling brings the last one', async ({
  launchServer,
  dashboard,
}) => {
  test.setTimeout(90_000);
  const server = await launchServer(['--max-inbound', '1500']);
  await dashboard.open(server);
  await dashboard.openTable();
  await server.command('lab.startFlood', { connections: 1200, ratePerSec: 1000 });
  await expect.poll(() => dashboard.tableRowCount(), { timeout: 45_000 }).toBeGreaterThanOrEqual(1000);
  const inDom = await dashboard.tableRows.count();
  expect(inDom).toBeGreaterThan(5);
  expect(inDom).toBeLessThan(80);

  // The last row by the sort (the highest id) is not in the DOM until the table is scrolled there.
  const total = await dashboard.tableRowCount();
  const last = dashboard.table.locator(`[role="row"][aria-rowindex="${total + 1}"]`);
  await expect(last).toHaveCount(0);
  await dashboard.table.focus();
  await dashboard.page.keyboard.press('End');
  await expect(last).toBeVisible();
  expect(await dashboard.tableRows.count()).toBeLessThan(80);

  // A selection made elsewhere (the graph) brings its row, far up the table, into view.
  const lowest = Math.min(...(await server.conns()).map((c) => c.id));
  await expect(dashboard.tableRow(lowest)).toHaveCount(0);
  await dashboard.select(lowest);
  await expect(dashboard.tableRow(lowest)).toBeInViewport();
  await expect(dashboard.tableRow(lowest)).toHaveAttribute('aria-selected', 'true');
  await server.command('lab.stopFlood', {});
});
