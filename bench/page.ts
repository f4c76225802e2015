/**
 * The page's speed under sustained churn (part of `npm run bench`; alone: `npm run bench -- page`
 * or `node --import tsx bench/page.ts`). Needs the built page (`node scripts/build.mjs`) and
 * Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 *
 * A real server whose inbound connections churn (bench/page-driver.ts, its own process) streams
 * to two pages, interleaved round by round for each rate: a raw page that parses the same /ws
 * stream and appends rows to the DOM, then connscope's page — the same duration each. Per run:
 * fps, long tasks, event→pixel p50/p95 (bench/page-harness.ts says exactly what is measured),
 * JS heap growth (CDP, after a forced GC at both ends), how far behind the page ends and whether
 * it catches up. Then two bursts: 2,000 connections opened at 400/s, and all released at once.
 * Nothing here fails; it reports.
 *
 *   --quick (or BENCH_QUICK=1)   8 s per run instead of 60
 *   --rates=100,500              other rates (events/s); --rates=none for the bursts alone
 *   --seconds=N                  other run length
 *   --no-bursts                  skip the bursts
 *   --profile                    CPU-profile connscope's runs; print the top functions by self time
 *                                (BENCH_STATIC_DIR=dir serves another build, e.g. an unminified one)
 *   --trace                      trace connscope's runs; print the renderer's main-thread self time by task kind
 *   --only=connscope|raw         one page only
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type CDPSession, chromium, type Page } from '@playwright/test';
import { packageRoot } from '../server/package-info.ts';
import type { DriverCommand, DriverReply } from './page-driver.ts';
import { topSelf, topTotal, traceSummary } from './page-diagnostics.ts';
import { HARNESS, RAW_PAGE } from './page-harness.ts';

/** The issue's targets: sustained churn with no long task > 50 ms and p95 < 100 ms; bursts with none > 100 ms. */
const TARGET_LONG_MS = 50;
const TARGET_P95_MS = 100;
const TARGET_BURST_LONG_MS = 100;
const BURST_CONNS = 2000;
const BURST_RATE = 400;

type PageKind = 'raw' | 'connscope';

interface Measured {
  seconds: number;
  fps: number;
  longs: number[];
  p50: number;
  p95: number;
  painted: number;
}

/** The renderer's own counters (CDP Performance.getMetrics): CPU time is what a loaded machine does not stretch. */
interface CpuUse {
  /** Main-thread CPU seconds per second of the run. */
  mainCpu: number;
  /** Main-thread CPU ms per frame drawn. */
  cpuPerFrame: number;
  /** Layouts per second, and their share of the main thread's time (seconds per second). */
  layoutsPerSec: number;
  scriptShare: number;
  layoutShare: number;
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

function cpuUse(a: Record<string, number>, b: Record<string, number>, m: Measured): CpuUse {
  const d = (k: string) => (b[k] ?? 0) - (a[k] ?? 0);
  const frames = Math.max(1, m.fps * m.seconds);
  return {
    mainCpu: d('ThreadTime') / m.seconds,
    cpuPerFrame: (d('ThreadTime') * 1000) / frames,
    layoutsPerSec: d('LayoutCount') / m.seconds,
    scriptShare: d('ScriptDuration') / m.seconds,
    layoutShare: d('LayoutDuration') / m.seconds,
  };
}

interface RunResult extends Measured, CpuUse {
  /** Events the server emitted per second during the run. */
  achieved: number;
  heapGrowth: number;
  behind: number;
  /** Seconds after the load stopped until the page had applied everything; null = not within the wait. */
  caughtUpIn: number | null;
  jumps: { count: number; skipped: number };
}

export interface PageBenchOptions {
  rates: number[];
  seconds: number;
  bursts: boolean;
  profile: boolean;
  trace: boolean;
  pages: PageKind[];
}

export function parsePageBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PageBenchOptions {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const value = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const only = value('only') as PageKind | undefined;
  return {
    rates: value('rates') === 'none' ? [] : (value('rates') ?? '100,500,2000,5000').split(',').map(Number),
    seconds: Number(value('seconds') ?? (quick ? 8 : 60)),
    bursts: !argv.includes('--no-bursts'),
    profile: argv.includes('--profile'),
    trace: argv.includes('--trace'),
    pages: only ? [only] : ['raw', 'connscope'],
  };
}

/** The driver child, with one request at a time. */
class Driver {
  readonly #child: ChildProcess;
  #queue: Promise<unknown> = Promise.resolve();
  constructor() {
    this.#child = fork(join(packageRoot(), 'bench', 'page-driver.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  ask<O extends DriverReply['op']>(cmd: DriverCommand & { op: O }): Promise<Extract<DriverReply, { op: O }>> {
    const next = this.#queue.then(
      () =>
        new Promise<Extract<DriverReply, { op: O }>>((resolve, reject) => {
          const onMessage = (msg: DriverReply): void => {
            this.#child.off('exit', onExit);
            if (msg.op === 'error') reject(new Error(`driver: ${msg.message}`));
            else resolve(msg as Extract<DriverReply, { op: O }>);
          };
          const onExit = (code: number | null): void => reject(new Error(`driver exited (${code})`));
          this.#child.once('message', onMessage);
          this.#child.once('exit', onExit);
          this.#child.send(cmd);
        }),
    );
    this.#queue = next.catch(() => undefined);
    return next;
  }
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    await this.ask({ op: 'stop' }).catch(() => undefined);
    await exited;
  }
}

function serveRaw(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/raw')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(RAW_PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })),
  );
}

async function heapUsed(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Session {
  page: Page;
  cdp: CDPSession;
  close(): Promise<void>;
}

async function openPage(browser: Browser, kind: PageKind, urls: { app: string; raw: string }): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
  const page = await context.newPage();
  await page.addInitScript(HARNESS);
  await page.goto(kind === 'raw' ? urls.raw : urls.app);
  // For finding where the time goes: BENCH_HIDE='#graph-pane canvas' takes parts off the page.
  const hide = process.env.BENCH_HIDE;
  if (kind === 'connscope' && hide) {
    await page.evaluate((sel) => {
      for (const el of (
        globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ style: { display: string } }> } }
      ).document.querySelectorAll(sel))
        el.style.display = 'none';
    }, hide);
  }
  await page.waitForFunction(() => (globalThis as { __paintProbe?: { ready(): boolean } }).__paintProbe?.ready() === true, null, {
    timeout: 20_000,
  });
  // Let the first snapshot, the history backfill and the first layout settle.
  await sleep(1500);
  const cdp = await context.newCDPSession(page);
  return { page, cdp, close: () => context.close() };
}

type ProbeWindow = {
  __bench: { start(): void; stop(): Measured };
  __paintProbe: { appliedSeq(): number; jumps(): { count: number; skipped: number } };
};

async function caughtUp(page: Page, driver: Driver, waitMs: number): Promise<{ behind: number; caughtUpIn: number | null }> {
  const [{ seq }, applied] = await Promise.all([
    driver.ask({ op: 'seq' }),
    page.evaluate(() => (globalThis as unknown as ProbeWindow).__paintProbe.appliedSeq()),
  ]);
  const behind = Math.max(0, seq - applied);
  const t0 = Date.now();
  while (Date.now() - t0 < waitMs) {
    const [{ seq: now }, got] = await Promise.all([
      driver.ask({ op: 'seq' }),
      page.evaluate(() => (globalThis as unknown as ProbeWindow).__paintProbe.appliedSeq()),
    ]);
    if (got >= now) return { behind, caughtUpIn: (Date.now() - t0) / 1000 };
    await sleep(100);
  }
  return { behind, caughtUpIn: null };
}

/** Starts the CPU profile and / or trace asked for (connscope's page only); the returned function stops and prints them. */
async function diagnose(browser: Browser, s: Session, opts: PageBenchOptions, kind: PageKind, label: string): Promise<() => Promise<void>> {
  const profiling = opts.profile && kind === 'connscope';
  const tracing = opts.trace && kind === 'connscope';
  if (profiling) {
    await s.cdp.send('Profiler.enable');
    await s.cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await s.cdp.send('Profiler.start');
  }
  if (tracing) {
    await browser.startTracing(s.page, {
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'v8'],
    });
  }
  return async () => {
    if (tracing) {
      const buf = await browser.stopTracing();
      console.log(`\n  trace, connscope ${label} (renderer main thread, self time):`);
      for (const l of traceSummary(buf.toString(), 22)) console.log(`    ${l}`);
    }
    if (profiling) {
      const { profile } = await s.cdp.send('Profiler.stop');
      console.log(`\n  profile, connscope ${label} (self time):`);
      for (const line of topSelf(profile as never, 18)) console.log(`    ${line}`);
      console.log(`  profile, connscope ${label} (total time):`);
      for (const line of topTotal(profile as never, 30)) console.log(`    ${line}`);
    }
  };
}

async function churnRun(
  browser: Browser,
  driver: Driver,
  kind: PageKind,
  rate: number,
  opts: PageBenchOptions,
  urls: { app: string; raw: string },
): Promise<RunResult> {
  const s = await openPage(browser, kind, urls);
  try {
    const heap0 = await heapUsed(s.cdp);
    const diag = await diagnose(browser, s, opts, kind, `at ${rate} ev/s`);
    await s.cdp.send('Performance.enable');
    const before = await metrics(s.cdp);
    await s.page.evaluate(() => (globalThis as unknown as ProbeWindow).__bench.start());
    const load = await driver.ask({ op: 'churn', rate, ms: opts.seconds * 1000 });
    const m = await s.page.evaluate(() => (globalThis as unknown as ProbeWindow).__bench.stop());
    const after = await metrics(s.cdp);
    await diag();
    const lag = await caughtUp(s.page, driver, Math.min(10_000, opts.seconds * 1000));
    const jumps = await s.page.evaluate(() => (globalThis as unknown as ProbeWindow).__paintProbe.jumps());
    const heap1 = await heapUsed(s.cdp);
    return { ...m, ...cpuUse(before, after, m), achieved: (load.events / load.ms) * 1000, heapGrowth: heap1 - heap0, ...lag, jumps };
  } finally {
    await s.close();
  }
}

interface BurstResult {
  open: Measured;
  release: Measured;
  openEvents: number;
  releaseEvents: number;
}

async function burstRun(
  browser: Browser,
  driver: Driver,
  kind: PageKind,
  opts: PageBenchOptions,
  urls: { app: string; raw: string },
): Promise<BurstResult> {
  const s = await openPage(browser, kind, urls);
  const measure = async (label: string, act: () => Promise<{ events: number }>): Promise<[Measured, number]> => {
    const diag = await diagnose(browser, s, opts, kind, label);
    await s.page.evaluate(() => (globalThis as unknown as ProbeWindow).__bench.start());
    const r = await act();
    await caughtUp(s.page, driver, 10_000);
    await sleep(1000); // the graph's settling after the last event
    const m = await s.page.evaluate(() => (globalThis as unknown as ProbeWindow).__bench.stop());
    await diag();
    return [m, r.events];
  };
  try {
    const [open, openEvents] = await measure('opening 2,000', () => driver.ask({ op: 'open', n: BURST_CONNS, rate: BURST_RATE }));
    const [release, releaseEvents] = await measure('releasing 2,000', () => driver.ask({ op: 'release' }));
    return { open, release, openEvents, releaseEvents };
  } finally {
    await s.close();
  }
}

// ---- the table ----

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const longest = (m: Measured) => (m.longs.length === 0 ? 0 : Math.max(...m.longs));
const over = (m: Measured, ms: number) => m.longs.filter((d) => d > ms).length;

function line(figure: string, raw: string, cs: string, ratio: string, target = '', verdict = ''): void {
  console.log(`${figure.padEnd(34)} ${raw.padStart(12)} ${cs.padStart(12)} ${ratio.padStart(8)}  ${target.padEnd(10)} ${verdict}`);
}

function ratioOf(raw: number | undefined, cs: number | undefined): string {
  if (raw === undefined || cs === undefined || !Number.isFinite(raw) || !Number.isFinite(cs) || raw === 0) return '';
  return `${(cs / raw).toFixed(2)}×`;
}

function printChurn(rate: number, r: Partial<Record<PageKind, RunResult>>): void {
  const a = r.raw;
  const b = r.connscope;
  const v = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'ok' : 'MISS');
  console.log(`\n— churn ${rate} events/s`);
  line('achieved rate (ev/s)', a ? f0(a.achieved) : '', b ? f0(b.achieved) : '', '');
  line('fps', a ? f1(a.fps) : '', b ? f1(b.fps) : '', ratioOf(a?.fps, b?.fps));
  line('long tasks (count)', a ? `${a.longs.length}` : '', b ? `${b.longs.length}` : '', '');
  line(
    'longest task (ms)',
    a ? f0(longest(a)) : '',
    b ? f0(longest(b)) : '',
    ratioOf(a && longest(a), b && longest(b)),
    `≤ ${TARGET_LONG_MS}`,
    v(b && longest(b) <= TARGET_LONG_MS),
  );
  line('tasks > 100 ms', a ? `${over(a, 100)}` : '', b ? `${over(b, 100)}` : '', '');
  line('event→pixel p50 (ms)', a ? f0(a.p50) : '', b ? f0(b.p50) : '', ratioOf(a?.p50, b?.p50));
  line(
    'event→pixel p95 (ms)',
    a ? f0(a.p95) : '',
    b ? f0(b.p95) : '',
    ratioOf(a?.p95, b?.p95),
    `< ${TARGET_P95_MS}`,
    v(b && b.p95 < TARGET_P95_MS),
  );
  line('events painted', a ? `${a.painted}` : '', b ? `${b.painted}` : '', '');
  line('main-thread CPU (s per s)', a ? a.mainCpu.toFixed(2) : '', b ? b.mainCpu.toFixed(2) : '', ratioOf(a?.mainCpu, b?.mainCpu));
  line('main-thread CPU per frame (ms)', a ? f1(a.cpuPerFrame) : '', b ? f1(b.cpuPerFrame) : '', ratioOf(a?.cpuPerFrame, b?.cpuPerFrame));
  line('layouts per s', a ? f0(a.layoutsPerSec) : '', b ? f0(b.layoutsPerSec) : '', '');
  line(
    'script / layout (s per s)',
    a ? `${a.scriptShare.toFixed(2)} / ${a.layoutShare.toFixed(2)}` : '',
    b ? `${b.scriptShare.toFixed(2)} / ${b.layoutShare.toFixed(2)}` : '',
    '',
  );
  line('JS heap growth', a ? mib(a.heapGrowth) : '', b ? mib(b.heapGrowth) : '', '');
  line('behind at the end (events)', a ? `${a.behind}` : '', b ? `${b.behind}` : '', '');
  const up = (x: RunResult) => (x.caughtUpIn === null ? 'never' : `${x.caughtUpIn.toFixed(1)} s`);
  line('caught up after the load in', a ? up(a) : '', b ? up(b) : '', '');
  if (b && b.jumps.count > 0) line('jumps to a snapshot (skipped)', '', `${b.jumps.count} (${b.jumps.skipped})`, '');
}

function printBurst(r: Partial<Record<PageKind, BurstResult>>): void {
  const a = r.raw;
  const b = r.connscope;
  const v = (m: Measured | undefined) => (m === undefined ? '' : longest(m) <= TARGET_BURST_LONG_MS ? 'ok' : 'MISS');
  console.log(`\n— bursts: open ${BURST_CONNS} at ${BURST_RATE}/s, then release all at once`);
  line('open: events', a ? `${a.openEvents}` : '', b ? `${b.openEvents}` : '', '');
  line('open: fps', a ? f1(a.open.fps) : '', b ? f1(b.open.fps) : '', ratioOf(a?.open.fps, b?.open.fps));
  line('open: longest task (ms)', a ? f0(longest(a.open)) : '', b ? f0(longest(b.open)) : '', '', `≤ ${TARGET_BURST_LONG_MS}`, v(b?.open));
  line('open: event→pixel p95 (ms)', a ? f0(a.open.p95) : '', b ? f0(b.open.p95) : '', ratioOf(a?.open.p95, b?.open.p95));
  line('release: events', a ? `${a.releaseEvents}` : '', b ? `${b.releaseEvents}` : '', '');
  line('release: fps', a ? f1(a.release.fps) : '', b ? f1(b.release.fps) : '', ratioOf(a?.release.fps, b?.release.fps));
  line(
    'release: longest task (ms)',
    a ? f0(longest(a.release)) : '',
    b ? f0(longest(b.release)) : '',
    '',
    `≤ ${TARGET_BURST_LONG_MS}`,
    v(b?.release),
  );
  line('release: event→pixel p95 (ms)', a ? f0(a.release.p95) : '', b ? f0(b.release.p95) : '', ratioOf(a?.release.p95, b?.release.p95));
}

export async function benchPage(opts: PageBenchOptions): Promise<void> {
  const web = join(packageRoot(), 'dist', 'web', 'index.html');
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(web) || !existsSync(chromiumPath)) {
    console.log(`page: skipped (${existsSync(web) ? `no Chromium at ${chromiumPath}` : 'run node scripts/build.mjs first'})`);
    return;
  }
  const raw = await serveRaw();
  const driver = new Driver();
  let browser: Browser | undefined;
  try {
    const { url, wsUrl } = await driver.ask({ op: 'start', allowedOrigins: [raw.origin] });
    const urls = { app: `${url}/?probe`, raw: `${raw.origin}/raw?ws=${encodeURIComponent(wsUrl)}` };
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
    });
    console.log(
      `\npage bench — headless Chromium (no GPU), ${opts.seconds} s per run, pages ${opts.pages.join(' then ')} per round; ` +
        `figure, raw, connscope, connscope/raw, target, verdict`,
    );
    for (const rate of opts.rates) {
      const r: Partial<Record<PageKind, RunResult>> = {};
      for (const kind of opts.pages) r[kind] = await churnRun(browser, driver, kind, rate, opts, urls);
      printChurn(rate, r);
    }
    if (opts.bursts) {
      const r: Partial<Record<PageKind, BurstResult>> = {};
      for (const kind of opts.pages) r[kind] = await burstRun(browser, driver, kind, opts, urls);
      printBurst(r);
    }
  } finally {
    await browser?.close();
    await driver.stop();
    await new Promise((r) => raw.server.close(r));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchPage(parsePageBenchArgs(process.argv.slice(2)));
