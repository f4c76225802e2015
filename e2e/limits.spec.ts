/**
 * The manager's limits, made visible: an inbound flood being shed flashes "shed" at the inbound
 * sector; the `pause` policy says "paused: N/N" there while accepting stops; automatic outbound
 * throttled after failures gets a banner with its countdown at the outbound sector and counters
 * of its own; the log shows every event kind's name whole. Each state is also in words in the
 * DOM (`limit-inbound`, `limit-outbound`), and each mark on the canvas keeps clear of every
 * other piece of text (`data-text-boxes`).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures.ts';
import type { Dashboard } from './pages/dashboard.ts';

/** The marks drawn on the graph this frame, by key ("mark shed", "mark paused", "mark throttle"). */
async function marks(dashboard: Dashboard): Promise<string[]> {
  return (await dashboard.graphText()).marks.map((m) => m.what);
}

/** Where the screenshots of the marks go (test-results/: `npm test` leaves the tree clean). */
const SHOTS = fileURLToPath(new URL('../test-results/limits/', import.meta.url));

async function startFlood(dashboard: Dashboard, connections: number): Promise<void> {
  await dashboard.floodConnections.fill(String(connections));
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodStatus).toContainText(`Flood started: ${connections} connections`);
}

test('a flood past max inbound with policy shed: "shed" flashes at the inbound sector, a few times a second at most, and the rejected counter rises', async ({
  server,
  dashboard,
  page,
}) => {
  await dashboard.open(server);
  await expect(dashboard.inboundLimit).toHaveAttribute('data-shedding', 'false');
  expect(await marks(dashboard)).not.toContain('mark shed');

  await startFlood(dashboard, 40);
  await expect(dashboard.inboundLimit).toHaveAttribute('data-shedding', 'true');
  await expect(dashboard.inboundLimit).toHaveText(/^inbound: shedding connections at the limit, \d+\/8$/);
  await expect.poll(() => dashboard.counterValue('rejected')).toBeGreaterThan(0);
  await expect.poll(() => marks(dashboard)).toContain('mark shed');
  expect(await dashboard.graphTextProblems()).toEqual([]);
  await mkdir(SHOTS, { recursive: true });
  await page.locator('#graph-pane').screenshot({ path: `${SHOTS}graph-shed.png` });

  // Rate-limited: however many are shed, the sector flashes a few times a second at most.
  await expect
    .poll(async () => Number(await dashboard.inboundLimit.getAttribute('data-shed-seen')), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(60);
  const seen = Number(await dashboard.inboundLimit.getAttribute('data-shed-seen'));
  const pulses = Number(await dashboard.inboundLimit.getAttribute('data-shed-pulses'));
  expect(pulses).toBeGreaterThan(0);
  expect(pulses * 4, `${pulses} flashes for ${seen} shed connections`).toBeLessThan(seen);

  // Once the flood stops, the mark goes (shortly after the last shed).
  await dashboard.stopFloodButton.click();
  await expect(dashboard.floodStatus).toContainText('Flood stopped');
  await expect(dashboard.inboundLimit).toHaveAttribute('data-shedding', 'false');
  await expect.poll(() => marks(dashboard)).not.toContain('mark shed');
});

test('inbound policy pause: "paused: N/N" at the inbound sector while accepting stops, gone when slots free', async ({
  launchServer,
  dashboard,
}) => {
  const server = await launchServer(['--inbound-policy', 'pause', '--max-inbound', '2']);
  await dashboard.open(server);
  await expect(dashboard.inboundLimit).toHaveAttribute('data-paused', 'false');

  await startFlood(dashboard, 20);
  await expect(dashboard.inboundLimit).toHaveAttribute('data-paused', 'true');
  // (Past the limit, as many as the limit wait for a slot and the rest are shed: then it says both.)
  await expect(dashboard.inboundLimit).toHaveText(/^accepting paused 2\/2\b/);
  // Screen readers hear it once (the live region; its changes are throttled).
  await expect(dashboard.page.getByTestId('limits-announcement')).toHaveText(/^Accepting paused at the inbound limit, 2 of 2\./);
  await expect.poll(() => marks(dashboard)).toContain('mark paused');
  expect(await dashboard.graphTextProblems()).toEqual([]);
  await expect(dashboard.counter('paused')).toContainText(/\d/);

  await dashboard.stopFloodButton.click();
  await expect(dashboard.floodStatus).toContainText('Flood stopped');
  await expect(dashboard.inboundLimit).toHaveAttribute('data-paused', 'false');
  await expect.poll(() => marks(dashboard)).not.toContain('mark paused');
  await expect(dashboard.page.getByTestId('limits-announcement')).toHaveText(/^No limit reached/);
});

test('automatic outbound throttled: a banner with a countdown that runs down at the outbound sector, and counters of throttled attempts and failures in a row', async ({
  launchServer,
  dashboard,
}) => {
  test.setTimeout(60_000);
  // One failure throttles; a slow throttle step makes the countdown readable.
  const server = await launchServer(['--max-failed-attempts', '1', '--retry-delay-ms', '4000']);
  await dashboard.open(server);
  await expect(dashboard.counter('failed-in-a-row-limit')).toContainText('1');
  // More than the lab has peers: the address book runs dry, every further try fails.
  await dashboard.setTargetOutbound(40);

  await expect(dashboard.outboundLimit).toHaveAttribute('data-throttled', 'true');
  await expect(dashboard.outboundLimit).toHaveText(/^outbound throttled, (next try in \d+ s|trying now)$/);
  await expect.poll(() => marks(dashboard)).toContain('mark throttle');
  expect(await dashboard.graphTextProblems()).toEqual([]);
  expect(await dashboard.counterValue('failed-in-a-row')).toBeGreaterThanOrEqual(1);

  // The countdown runs down: the same throttle (same `until`) seen with fewer seconds left.
  const highest = new Map<string, number>();
  await expect
    .poll(
      async () => {
        const [until, left] = await Promise.all([
          dashboard.outboundLimit.getAttribute('data-until'),
          dashboard.outboundLimit.getAttribute('data-seconds-left'),
        ]);
        if (until === null || until === '' || left === null || left === '') return false;
        const before = highest.get(until);
        if (before !== undefined && Number(left) < before) return true;
        highest.set(until, Math.max(before ?? 0, Number(left)));
        return false;
      },
      { timeout: 20_000 },
    )
    .toBe(true);

  // The throttle lets one attempt through per step: counted.
  await expect.poll(() => dashboard.counterValue('throttled'), { timeout: 20_000 }).toBeGreaterThan(0);

  // The link drops (the bridge closes before the manager stops: the page sees no "stopping"): the
  // banner stands still at the loss, countdown and all, while the wall clock runs on.
  await expect(dashboard.outboundLimit).toHaveText(/next try in [234] s$/, { timeout: 20_000 });
  await server.stop();
  await expect(dashboard.staleBanner).toHaveAttribute('data-state', 'stale');
  const picture = async (): Promise<string> =>
    JSON.stringify(
      await Promise.all([
        dashboard.outboundLimit.textContent(),
        dashboard.outboundLimit.getAttribute('data-seconds-left'),
        marks(dashboard),
      ]),
    );
  const frozen = await picture();
  expect(frozen).toMatch(/next try in \d s/);
  const startedAt = Date.now();
  await expect
    .poll(async () => {
      const now = await picture();
      if (now !== frozen) return `moved: ${now} (was ${frozen})`;
      return Date.now() - startedAt >= 2500 ? 'still' : 'waiting';
    })
    .toBe('still');
});

test('the log shows every event kind by its whole name', async ({ launchServer, dashboard, page }) => {
  test.setTimeout(60_000);
  const server = await launchServer(['--max-failed-attempts', '1']);
  await dashboard.open(server);
  await dashboard.setTargetOutbound(40); // config:changed, then outbound:throttled
  await startFlood(dashboard, 30); // inbound:rejected
  await expect.poll(() => dashboard.counterValue('rejected')).toBeGreaterThan(0);
  for (const kind of ['outbound:throttled', 'inbound:rejected', 'config:changed', 'conn:state']) {
    await dashboard.filter.fill(`kind:${kind}`);
    expect(await dashboard.truncatedKindCells(kind), kind).toEqual([]);
  }
  // A narrower window that still shows the Kind column.
  await page.setViewportSize({ width: 1200, height: 900 });
  await dashboard.filter.fill('kind:outbound:throttled');
  expect(await dashboard.truncatedKindCells('outbound:throttled')).toEqual([]);
});

test('paused and throttled at once: every mark drawn, none over another text; screenshots in both themes', async ({
  launchServer,
  dashboard,
  page,
}) => {
  test.setTimeout(60_000);
  const server = await launchServer([
    '--inbound-policy',
    'pause',
    '--max-inbound',
    '6',
    '--max-failed-attempts',
    '1',
    '--retry-delay-ms',
    '5000',
  ]);
  await dashboard.open(server);
  await dashboard.setTargetOutbound(40);
  // 6 admitted and 3 waiting for a slot: paused, nothing shed (room left for the lab's trickle:
  // past 6 waiting, one more would be shed).
  await startFlood(dashboard, 9);
  await expect(dashboard.inboundLimit).toHaveAttribute('data-paused', 'true');
  await expect(dashboard.outboundLimit).toHaveAttribute('data-throttled', 'true');
  await expect.poll(async () => (await marks(dashboard)).sort()).toEqual(['mark paused', 'mark throttle']);
  await mkdir(SHOTS, { recursive: true });
  for (const theme of ['Light', 'Dark'] as const) {
    await dashboard.setTheme(theme);
    for (let i = 0; i < 6; i++) {
      expect(await dashboard.graphTextProblems()).toEqual([]);
      await dashboard.nextFrames();
    }
    await page.locator('#graph-pane').screenshot({ path: `${SHOTS}graph-${theme.toLowerCase()}.png` });
  }
  // Phone width: less room, still nothing overlaps.
  await page.setViewportSize({ width: 390, height: 844 });
  await dashboard.graph.evaluate((el) => el.parentElement!.scrollIntoView());
  for (let i = 0; i < 6; i++) {
    expect(await dashboard.graphTextProblems()).toEqual([]);
    await dashboard.nextFrames();
  }
  expect((await marks(dashboard)).sort()).toEqual(['mark paused', 'mark throttle']);
  await page.locator('#graph-pane').screenshot({ path: `${SHOTS}graph-phone.png` });
});
