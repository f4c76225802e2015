/**
 * The lag policy (web/src/lib/net/lag-policy.ts): a page that falls more than MAX_LAG_MS behind the
 * event stream drops the backlog, jumps to a fresh snapshot, says so, and loses no count.
 */
import { MAX_LAG_MS } from '../web/src/lib/net/lag-policy.ts';
import { expect, test } from './fixtures.ts';

test('a page forced behind jumps to a fresh snapshot, says which events it skipped, and its counts match /api/snapshot', async ({
  launchServer,
  dashboard,
  page,
}) => {
  test.setTimeout(60_000);
  // Room for the whole flood: every connection is one event and is held (nothing shed).
  const server = await launchServer(['--max-inbound', '400']);
  await dashboard.open(server);
  const notice = page.getByTestId('lag-notice');
  const marks = dashboard.log.locator('[role="row"][data-kind="page:jump"]');
  await expect(notice).toHaveCount(0);
  await dashboard.floodConnections.fill('300');
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodStatus).toHaveAttribute('data-status', 'ok');
  const before = await dashboard.lastSeq();

  // The page's main thread is busy for longer than the lag allowed while the flood goes on (50
  // connections a second): what a slow machine does, made certain. Its messages queue meanwhile.
  await page.evaluate((ms) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      // busy
    }
  }, MAX_LAG_MS + 2000);

  await expect(notice).toBeVisible();
  await expect(notice).toContainText(/^Fell \d+\.\d s behind — jumped to a fresh snapshot; skipped seq (\d+)–(\d+) \(\d+ events?\)/);
  const text = (await notice.textContent()) ?? '';
  const [, from, to] = /skipped seq (\d+)–(\d+)/.exec(text)!.map(Number);
  expect(from).toBeGreaterThan(before);
  expect(to).toBeGreaterThanOrEqual(from!);
  // The log holds no row of a skipped event (its mark stands for them) and goes on after them.
  const seqs = (await dashboard.log
    .locator('[role="row"][data-kind="conn:state"]')
    .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))))) as number[];
  expect(seqs.filter((s) => s >= from! && s <= to!)).toEqual([]);
  // The mark is one row, shown whatever the filter (the flood's rows soon push it out of the
  // virtual window: a filter that matches no event brings it back into view).
  await dashboard.filter.fill('id:999999');
  // One mark per jump (a machine loaded enough may need a second one; the notice names the last).
  await expect(marks.filter({ hasText: text.slice(0, text.indexOf(')') + 1) })).toHaveCount(1);
  await dashboard.filter.fill('');

  // Once the flood has opened everything, the page shows the server's present exactly.
  await expect(dashboard.floodState).toContainText('opened 300');
  await expect
    .poll(
      async () => {
        const { snapshot } = await server.snapshot();
        const seq = await dashboard.lastSeq();
        if (seq !== snapshot.seq) return `page at seq ${seq}, server at ${snapshot.seq}`;
        const c = await dashboard.liveCounts();
        const of = (type: string) => snapshot.conns.filter((x) => x.type === type).length;
        return JSON.stringify({ live: c.header, inbound: c.counters.inbound, outbound: c.counters.outbound, manual: c.counters.manual }) ===
          JSON.stringify({ live: snapshot.conns.length, inbound: of('inbound'), outbound: of('outbound'), manual: of('manual') })
          ? 'match'
          : `page ${JSON.stringify(c)} vs server ${snapshot.conns.length} live`;
      },
      { timeout: 20_000 },
    )
    .toBe('match');
  await dashboard.expectLinkUp();
  await dashboard.stopFloodButton.click();
});
