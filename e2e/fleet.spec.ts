/**
 * A fleet in Chromium (README "Watching a fleet", docs/fleet.md): a real nats-server, three
 * publishing nodes (the CLI, `--nats --node`) and one fleet dashboard serving the built page. The
 * page opened at `/?node=NAME` is that node's full view (the page's own graph, counters and
 * controls): each node shows its own counts, a command from the page reaches that node only, a
 * killed node is shown stale, and a NATS restart leaves the view with every seq, none skipped.
 *
 * The fleet list itself (`/ws`'s `fleet` messages) has no page yet: it is checked through
 * `/api/nodes`, which is built from the same listing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { startFleetServer, type FleetServer } from '../server/fleet/fleet-server.ts';
import { startNats, type TestNats } from '../server/fleet/nats-testing.ts';
import { PROTOCOL_VERSION, type ApiSnapshot } from '../server/protocol/index.ts';
import { refusedAddr, waitFor } from '../server/test-support.ts';
import type { LabServer } from './lab-server.ts';
import { expect, test } from './fixtures.ts';

interface NodeCli {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `connscope --no-lab --port 0 --nats URL --node NAME`, from the sources, until it says it runs. */
async function startNode(natsUrl: string, name: string): Promise<NodeCli> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/cli.ts', '--no-lab', '--port', '0', '--nats', natsUrl, '--node', name],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`node ${name} exited ${child.exitCode}: ${out}`);
      return out.includes('Press Ctrl+C') ? /connscope is running: (http:\/\/[^\s/]+)\//.exec(out)?.[1] : undefined;
    },
    () => `node ${name} to start: ${out}`,
    20_000,
  );
  return {
    name,
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A node's own view of itself (its dashboard's `/api/snapshot`). */
async function own(node: NodeCli): Promise<ApiSnapshot> {
  return (await (await fetch(`${node.url}/api/snapshot`)).json()) as ApiSnapshot;
}

/** One command on a node's own dashboard (not through NATS: used while NATS is away). */
async function commandDirect(node: NodeCli, command: Record<string, unknown>): Promise<void> {
  const ws = new WebSocket(`${node.url.replace('http', 'ws')}/ws`);
  await once(ws, 'open');
  const replied = new Promise<void>((resolve) =>
    ws.on('message', (d) => {
      if ((JSON.parse(String(d)) as { type: string }).type === 'reply') resolve();
    }),
  );
  ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, ...command }));
  await replied;
  ws.terminate();
}

let nats: TestNats;
let fleet: FleetServer;
const nodes: NodeCli[] = [];

test.beforeAll(async () => {
  test.setTimeout(60_000);
  nats = await startNats();
  for (const name of ['a', 'b', 'c']) nodes.push(await startNode(nats.url, name));
  fleet = await startFleetServer({
    servers: nats.url,
    port: 0,
    staticDir: process.env.E2E_STATIC_DIR as string,
    staleAfterMs: 2000,
  });
  // a dials b's listener: a has one manual connection, b one inbound, c none (its dial is refused:
  // two events, so that its page has a seq to show; the manager's start came before the bridge).
  const [a, b, c] = nodes as [NodeCli, NodeCli, NodeCli];
  await commandDirect(a, { type: 'connect', addr: (await own(b)).snapshot.listeners[0]?.address });
  await commandDirect(c, { type: 'connect', addr: await refusedAddr() });
  // Caught up with what each node itself has done, not merely with its last heartbeat (which may
  // predate the connects).
  const settled = async (): Promise<boolean> => {
    const [sa, sb, sc] = await Promise.all(nodes.map(own));
    return (
      sa?.snapshot.stats.currByState.established === 1 &&
      sb?.snapshot.stats.currByType.inbound === 1 &&
      sb.snapshot.stats.currByState.established === 1 &&
      sc?.snapshot.conns.length === 0 &&
      sc.snapshot.stats.totalFailedDials === 1
    );
  };
  await waitFor(settled, 'a connected to b, c’s dial refused', 20_000);
  const seqs = new Map<string, number>();
  for (const n of nodes) seqs.set(n.name, (await own(n)).snapshot.seq);
  await waitFor(
    () =>
      fleet.nodes().nodes.filter((n) => n.health === 'live' && n.lagEvents === 0 && n.receivedSeq >= (seqs.get(n.node) ?? Infinity))
        .length === 3,
    () =>
      `three nodes live and caught up with ${JSON.stringify([...seqs])}: ${JSON.stringify(fleet.nodes().nodes.map((n) => [n.node, n.receivedSeq]))}`,
    20_000,
  );
});

test.afterAll(async () => {
  await fleet?.close();
  for (const n of nodes) await n.stop();
  await nats?.stop();
});

/** The page object opens a `LabServer`; a fleet dashboard's node view is opened the same way. */
const nodeView = (name: string): LabServer => ({ url: `${fleet.url}/?node=${name}` }) as unknown as LabServer;

test('three nodes listed; each node’s view shows its own counts', async ({ dashboard, page }) => {
  const listed = fleet.nodes();
  expect(listed.nodes.map((n) => [n.node, n.stats.currByType.manual, n.stats.currByType.inbound])).toEqual([
    ['a', 1, 0],
    ['b', 0, 1],
    ['c', 0, 0],
  ]);
  for (const [name, manual, inbound] of [
    ['a', 1, 0],
    ['b', 0, 1],
    ['c', 0, 0],
  ] as const) {
    await page.goto(nodeView(name).url);
    await dashboard.expectLinkUp();
    await expect(dashboard.counter('manual')).toHaveAttribute('data-value', String(manual));
    await expect(dashboard.counter('inbound')).toHaveAttribute('data-value', String(inbound));
    const node = nodes.find((n) => n.name === name) as NodeCli;
    expect(await dashboard.lastSeq()).toBe((await own(node)).snapshot.seq);
  }
});

test('a command from the page reaches the node it shows, and no other', async ({ dashboard, page }) => {
  await page.goto(nodeView('b').url);
  await dashboard.expectLinkUp();
  await dashboard.setTargetOutbound(3);
  const [a, b, c] = nodes as [NodeCli, NodeCli, NodeCli];
  expect((await own(b)).snapshot.config.targetOutbound).toBe(3);
  expect((await own(a)).snapshot.config.targetOutbound).toBe(8);
  expect((await own(c)).snapshot.config.targetOutbound).toBe(8);
});

test('NATS restarts: the view resumes with every seq, none skipped', async ({ dashboard, page }) => {
  test.setTimeout(60_000);
  const a = nodes[0] as NodeCli;
  await page.goto(nodeView('a').url);
  await dashboard.expectLinkUp();
  const before = await dashboard.lastSeq();
  const refused = await refusedAddr();
  await nats.halt();
  await commandDirect(a, { type: 'connect', addr: refused }); // events while NATS is away: buffered
  await nats.restart();
  await commandDirect(a, { type: 'connect', addr: refused });
  const target = (await own(a)).snapshot.seq;
  expect(target).toBeGreaterThanOrEqual(before + 4);
  await expect.poll(() => dashboard.lastSeq(), { timeout: 20_000 }).toBe(target);
  // Never resynced nor reconnected: the events came one after another.
  await expect(dashboard.linkState).toHaveText('connected');
  expect(await dashboard.reconnectAttempt()).toBe(0);
  const rows = await page.locator('[role="row"][data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  for (let seq = before + 1; seq <= target; seq += 1) expect(rows, `log row #${seq}`).toContain(seq);
  expect(fleet.nodes().nodes.find((n) => n.node === 'a')?.missing).toEqual([]);
});

test('a killed node is shown stale', async ({ dashboard, page }) => {
  const c = nodes[2] as NodeCli;
  await page.goto(nodeView('c').url);
  await dashboard.expectLinkUp();
  c.child.kill('SIGKILL'); // no last word: its heartbeats just stop
  await expect(dashboard.staleBanner).toHaveAttribute('data-state', 'stale', { timeout: 15_000 });
  await expect(dashboard.staleBanner).toContainText(/Stale since \d\d:\d\d:\d\d\b/);
  expect(fleet.nodes().nodes.find((n) => n.node === 'c')?.health).toBe('stale');
});
