/**
 * Record and replay in the page (README "Record and replay"): an imported recording is replayed
 * by the same views as live, at any point of it; a file of another version changes nothing; the
 * live view rewinds within what the page holds, keeps its position in the URL across a reload,
 * and returns to live.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Recording, parseRecording, snapshotAt } from '../server/protocol/index.ts';
import { LabServer } from './lab-server.ts';
import type { Dashboard } from './pages/dashboard.ts';
import { expect, test } from './fixtures.ts';

/** A failing persistent peer (so the recording has transitions and errors), then the server's recording. */
async function recordSomething(server: LabServer): Promise<{ text: string; recording: Recording; id: number }> {
  const dead = await server.unusedPeer('refuse');
  const { id } = await server.command('connect', { addr: dead.addr, persistent: true });
  await expect
    .poll(async () => (await server.conns()).find((c) => c.id === id)?.attempt ?? 0, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(2);
  const text = await (await fetch(`${server.url}/api/recording`)).text();
  const parsed = parseRecording(text);
  if (!parsed.ok) throw new Error(`the server's recording does not parse: line ${parsed.line}: ${parsed.message}`);
  return { text, recording: parsed.recording, id };
}

/** The views show the manager's state as of event `seq` of `recording`: header, graph and details agree. */
async function expectViewsAt(dashboard: Dashboard, recording: Recording, seq: number): Promise<void> {
  const expected = snapshotAt(recording, seq);
  await expect(dashboard.replayBar).toHaveAttribute('data-seq', String(seq));
  await expect(dashboard.page.getByTestId('live-count')).toHaveAttribute('data-value', String(expected.conns.length));
  await expect
    .poll(async () => (await dashboard.idsOf(dashboard.graphOptions())).sort((a, b) => a - b))
    .toEqual(expected.conns.map((c) => c.id));
  for (const state of ['pending', 'established', 'failing'] as const) {
    await expect(dashboard.graphOptions({ state })).toHaveCount(expected.conns.filter((c) => c.state === state).length);
  }
}

test('import a recording and scrub to a point: every view shows that point; a step forward and back returns to it', async ({
  server,
  dashboard,
}) => {
  const { text, recording, id } = await recordSomething(server);
  // The failing peer selected (from the URL), so the bar can jump between its transitions.
  await dashboard.page.goto(`${server.url}/?sel=${id}`);
  await dashboard.expectLinkUp();
  await dashboard.importFile.setInputFiles({ name: 'session.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  await expect(dashboard.replayBar).toHaveAttribute('data-source', 'file');
  await expect(dashboard.page.getByTestId('replay-badge')).toBeVisible();
  await expectViewsAt(dashboard, recording, recording.header.snapshot.seq);

  // The selected connection's first and second transitions.
  const transitions = recording.events.filter((e) => e.kind === 'conn:state' && e.id === id).map((e) => e.seq);
  const next = dashboard.replayBar.getByRole('button', { name: 'Next transition of the selected connection' });
  await next.click();
  await expectViewsAt(dashboard, recording, transitions[0]!);
  await next.click();
  await expectViewsAt(dashboard, recording, transitions[1]!);
  await expect(dashboard.detailState).toHaveText(snapshotAt(recording, transitions[1]!).conns.find((c) => c.id === id)!.state);

  // Scrub: back to the start, then a click at 60 % of the scrubber (the recording's last event is
  // at 100 %, so the click lands between the start and the end).
  await dashboard.replaySlider.fill(String(recording.header.snapshot.at));
  await expect(dashboard.replayBar).toHaveAttribute('data-seq', String(recording.header.snapshot.seq));
  const box = (await dashboard.replaySlider.boundingBox())!;
  await dashboard.page.mouse.click(box.x + box.width * 0.6, box.y + box.height / 2);
  await expect.poll(() => dashboard.replaySeq()).toBeGreaterThan(recording.header.snapshot.seq);
  const at = await dashboard.replaySeq();
  await expectViewsAt(dashboard, recording, at);
  await expect(dashboard.page).toHaveURL(new RegExp(`[?&]at=${at}\\b`));

  // One event forward, one back: the same state as before.
  await dashboard.page.locator('body').press('.');
  await expectViewsAt(dashboard, recording, at + 1);
  await dashboard.page.locator('body').press(',');
  await expectViewsAt(dashboard, recording, at);

  await dashboard.replayBar.getByRole('button', { name: 'Close replay' }).click();
  await expect(dashboard.replayBar).toHaveCount(0);
  await expect(dashboard.page).not.toHaveURL(/[?&]at=/);
});

test('a recording of another version is refused with a clear message, and the live view goes on', async ({ server, dashboard }) => {
  await dashboard.open(server);
  const header = { type: 'recording', format: 'connscope-recording', version: 99, app: 'connscope 9.0.0' };
  await dashboard.importFile.setInputFiles({
    name: 'future.ndjson',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(`${JSON.stringify(header)}\n`),
  });
  await expect(dashboard.recordingProblem).toContainText('future.ndjson');
  await expect(dashboard.recordingProblem).toContainText('format version 99');
  await expect(dashboard.recordingProblem).toContainText('reads version 1');
  await expect(dashboard.replayBar).toHaveCount(0);
  await dashboard.importFile.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello\n') });
  await expect(dashboard.recordingProblem).toContainText('not a connscope recording');
  await expect(dashboard.linkState).toHaveText('connected');
});

test('rewind the live view, keep the position across a reload, then return to live', async ({ server, dashboard }) => {
  await recordSomething(server);
  await dashboard.open(server);
  await expect.poll(() => dashboard.lastSeq()).toBeGreaterThan(0);
  // Events after the page's snapshot: the failing peer retries every second or so.
  const first = await dashboard.lastSeq();
  await expect.poll(() => dashboard.lastSeq(), { timeout: 20_000 }).toBeGreaterThanOrEqual(first + 3);

  await dashboard.page.setViewportSize({ width: 1440, height: 900 });
  await dashboard.rewindButton.click();
  await expect(dashboard.replayBar).toHaveAttribute('data-source', 'live');
  const end = await dashboard.replaySeq();
  // The bar takes room from the views, which still end above the diagnostics line.
  const footer = (await dashboard.diagnostics.boundingBox())!;
  for (const pane of ['#log-pane', '#timeline-pane', '#graph-pane']) {
    const box = (await dashboard.page.locator(pane).boundingBox())!;
    expect(box.y + box.height, `${pane} ends above the diagnostics line`).toBeLessThanOrEqual(footer.y + 0.5);
  }
  await dashboard.page.locator('body').press(',');
  await dashboard.page.locator('body').press(',');
  await expect(dashboard.replayBar).toHaveAttribute('data-seq', String(end - 2));
  await expect(dashboard.page).toHaveURL(new RegExp(`[?&]at=${end - 2}\\b`));

  // A reload reopens the server's recording at the same event.
  await dashboard.page.reload();
  await expect(dashboard.replayBar).toHaveAttribute('data-source', 'live');
  await expect(dashboard.replayBar).toHaveAttribute('data-seq', String(end - 2));
  const parsed = parseRecording(await (await fetch(`${server.url}/api/recording`)).text());
  if (!parsed.ok) throw new Error(parsed.message);
  await expectViewsAt(dashboard, parsed.recording, end - 2);

  await dashboard.replayBar.getByRole('button', { name: 'Back to live' }).click();
  await expect(dashboard.replayBar).toHaveCount(0);
  await expect(dashboard.page).not.toHaveURL(/[?&]at=/);
  await expect.poll(() => dashboard.lastSeq()).toBeGreaterThan(end);
});

test('connscope replay FILE: the page replays the served recording, and /api/snapshot answers at the page’s cursor', async ({
  server,
  dashboard,
}) => {
  const { text, recording } = await recordSomething(server);
  const dir = mkdtempSync(join(tmpdir(), 'connscope-replay-e2e-'));
  const file = join(dir, 'session.ndjson');
  writeFileSync(file, text);
  const replay = await LabServer.start({ replayFile: file });
  try {
    await dashboard.page.goto(`${replay.url}/`);
    await expect(dashboard.replayBar).toHaveAttribute('data-source', 'server');
    await expect(dashboard.replayBar.getByRole('button', { name: 'Close replay' })).toHaveCount(0);
    const box = (await dashboard.replaySlider.boundingBox())!;
    await dashboard.page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
    await expect.poll(() => dashboard.replaySeq()).toBeGreaterThan(recording.header.snapshot.seq);
    const at = await dashboard.replaySeq();
    await expectViewsAt(dashboard, recording, at);
    // The server follows the cursor (reported at most every 250 ms).
    await expect.poll(async () => (await replay.snapshot()).replay?.seq).toBe(at);
    const served = (await replay.snapshot()).snapshot;
    expect(served.conns.map((c) => [c.id, c.state])).toEqual(snapshotAt(recording, at).conns.map((c) => [c.id, c.state]));
    // A reload keeps the position.
    await dashboard.page.reload();
    await expect(dashboard.replayBar).toHaveAttribute('data-seq', String(at));
  } finally {
    await replay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
