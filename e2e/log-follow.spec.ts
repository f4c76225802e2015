/**
 * The event log follows the newest row under a stream of events without reading layout per batch
 * (README "Benchmarks", page speed): its scroll position is computed, written when the body's new
 * height is laid out. Whatever the mechanism, the newest row must be on screen at the bottom.
 */
import { expect, test } from './fixtures.ts';

test('during a flood the log keeps its newest row in view at the bottom, and stops following once scrolled up', async ({
  launchServer,
  dashboard,
}) => {
  // Past 20 inbound the flood's connections are shed and opened again, again and again: events
  // keep coming for as long as the test runs (a flood under the limit goes quiet once all are in).
  const server = await launchServer(['--max-inbound', '20']);
  await dashboard.open(server);
  await dashboard.floodConnections.fill('150');
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodStatus).toHaveAttribute('data-status', 'ok');
  const newestInView = () =>
    dashboard.log.evaluate((el) => {
      const seqOf = (r: { getAttribute(n: string): string | null }) => Number(r.getAttribute('data-seq'));
      const rows = [...el.querySelectorAll('[role="row"][data-seq]')];
      if (rows.length === 0) return 'no rows';
      const newest = rows.reduce((a, r) => (seqOf(a) > seqOf(r) ? a : r));
      const box = el.getBoundingClientRect();
      const row = newest.getBoundingClientRect();
      const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;
      return atBottom && row.top >= box.top && row.bottom <= box.bottom + 1
        ? 'in view'
        : `seq ${seqOf(newest)} at ${row.top}–${row.bottom} of ${box.top}–${box.bottom}, bottom ${atBottom}`;
    });
  // Sampled while rows keep coming (a new seq each time).
  for (let i = 0; i < 5; i += 1) {
    const seq = await dashboard.lastSeq();
    await expect.poll(() => dashboard.lastSeq()).toBeGreaterThan(seq);
    await expect.poll(newestInView).toBe('in view');
  }
  // Scrolled up by the user: the view holds still and counts what is new.
  await dashboard.log.evaluate((el) => {
    el.scrollTop = 0;
  });
  const newer = dashboard.log.locator('xpath=..').getByRole('button', { name: /new ↓/ });
  await expect(newer).toBeVisible();
  expect(await dashboard.log.evaluate((el) => el.scrollTop)).toBe(0);
  await dashboard.stopFloodButton.click();
});
