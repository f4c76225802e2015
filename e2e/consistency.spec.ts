/**
 * One number per fact: every live count on the page comes from the same model state and changes in
 * the same frame; lab updates stay in the Lab panel; the filter's `addr:` means that address.
 */
import { expect, test } from './fixtures.ts';

test('during churn, header, filter summary, counters, graph caption and gauges show the same live counts', async ({
  launchServer,
  dashboard,
}) => {
  // Silent flood connections are kicked after 1.5 s and replaced: inbound keeps changing.
  const server = await launchServer(['--idle-timeout-ms', '1500', '--max-inbound', '12']);
  await dashboard.open(server);
  await dashboard.floodConnections.fill('60');
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodStatus).toHaveAttribute('data-status', 'ok');

  const seen = new Set<string>();
  for (let i = 0; i < 25; i += 1) {
    // Sample after new events were applied (churn), never twice on the same state.
    const seq = await dashboard.lastSeq();
    await expect.poll(() => dashboard.lastSeq()).toBeGreaterThan(seq);
    const c = await dashboard.liveCounts();
    const sample = `sample ${i}: ${JSON.stringify(c)}`;
    const total = c.counters.outbound + c.counters.inbound + c.counters.manual;
    expect(c.filterSummary, sample).toBe(c.header);
    expect(c.graphCaption, sample).toBe(c.header);
    expect(total, sample).toBe(c.header);
    expect(c.gauges.outbound, sample).toBe(c.counters.outbound);
    expect(c.gauges.inbound, sample).toBe(c.counters.inbound);
    expect(c.gauges.manual, sample).toBe(c.counters.persistent);
    expect(c.counters.pending + c.counters.failing, sample).toBeLessThanOrEqual(c.header);
    seen.add(JSON.stringify(c));
  }
  // The samples did see the counts change (else agreeing would prove little).
  expect(seen.size).toBeGreaterThan(1);
});

test('lab updates stay in the Lab panel during a flood; addr: matches only that address; unknown keys are errors', async ({
  server,
  dashboard,
}) => {
  await dashboard.open(server);
  await dashboard.floodConnections.fill('40');
  await dashboard.startFloodButton.click();
  await expect(dashboard.floodState).toContainText('Flood on: 40');
  // The lab changed many times (the panel shows it) …
  await expect.poll(() => dashboard.labUpdates()).toBeGreaterThan(5);
  await expect(dashboard.floodState).toContainText(/opened [1-9]/);
  // … and none of it is a log row.
  await expect(dashboard.logRows).not.toHaveCount(0);
  await expect(dashboard.log.locator('[role="row"][data-kind="lab:state"]')).toHaveCount(0);
  await expect(dashboard.logEntries('lab:')).toHaveCount(0);

  // addr: a lab peer's address finds that address's events only (the lab's peer list is none).
  const { snapshot } = await server.snapshot();
  const conn = snapshot.conns.find((c) => c.type === 'outbound' && c.state === 'established');
  expect(conn).toBeDefined();
  await dashboard.filter.fill(`addr:${conn!.addr}`);
  await expect(dashboard.filterErrors).toHaveCount(0);
  await expect(dashboard.logRows).not.toHaveCount(0);
  await expect(dashboard.log.locator(`[role="row"][data-seq]:not([aria-label*="${conn!.addr}"])`)).toHaveCount(0);
  await expect(dashboard.logCount).toContainText(' of ');

  // Unknown keys are answered with an error and the nearest known key, never taken as text.
  await dashboard.filter.fill('bogus:1');
  await expect(dashboard.filterErrors).toHaveText(
    /^bogus:1: unknown key "bogus" — use one of type, state, .* \(an address\? write addr:bogus:1\)$/,
  );
  await expect(dashboard.filter).toHaveAttribute('aria-invalid', 'true');
  await dashboard.filter.fill('stat:failing');
  await expect(dashboard.filterErrors).toHaveText('stat:failing: unknown key "stat" — did you mean state?');
  await dashboard.filter.fill('kind:lab:state');
  await expect(dashboard.filterErrors).toContainText('the Lab panel shows the lab');
});
