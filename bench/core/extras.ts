/**
 * The page (bench/page.ts: headless Chromium, raw page against connscope's, interleaved) and the
 * fleet (bench/fleet.ts: nats-server) parts of the full bench, each in its own process; their
 * printed tables become rows of bench/results.md, or one "not run: reason" row each.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../server/package-info.ts';

export interface ExtraRow {
  figure: string;
  project: string;
  raw: string;
  ratio: string;
  target: string;
  verdict: string;
}
export interface ExtraPart {
  rows: ExtraRow[];
  output: string;
  skipped?: string;
}
export interface Extras {
  page: ExtraPart | null;
  fleet: ExtraPart | null;
  skipped?: string;
}

/** Page and fleet args in the full bench: one churn rate, 8 s runs, and the bursts (~1 min). */
export const PAGE_ARGS = ['--quick', '--rates=2000'];
export const FLEET_EVENTS = '10000';

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: packageRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => resolve(code === 0 ? out : `${out}\n(exited ${code})`));
  });
}

/** bench/page.ts's lines: figure (34), raw (12), connscope (12), ratio (8), target (10), verdict. */
export function pageRows(output: string): ExtraRow[] {
  const rows: ExtraRow[] = [];
  let section = '';
  for (const line of output.split('\n')) {
    if (line.startsWith('— '))
      section = line
        .slice(2)
        .replace(/[:,].*$/, '')
        .trim();
    else if (section && line.length > 60 && !line.startsWith(' ')) {
      const ratio = line.slice(61, 69).trim();
      const target = line.slice(71, 81).trim();
      if (!ratio && !target) continue;
      rows.push({
        figure: `page, ${section}: ${line.slice(0, 34).trim()}`,
        raw: line.slice(35, 47).trim(),
        project: line.slice(48, 60).trim(),
        ratio,
        target,
        verdict: line.slice(82).trim() === 'ok' ? 'meets' : line.slice(82).trim() === 'MISS' ? 'misses' : '(report)',
      });
    }
  }
  return rows;
}

/** bench/fleet.ts's rows: name (44), value (16), note. */
export function fleetRows(output: string): ExtraRow[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('fleet: '))
    .map((l) => ({
      figure: l.slice(0, 44).trim(),
      project: l.slice(45, 61).trim(),
      raw: '',
      ratio: '',
      target: '',
      verdict: `(report) ${l.slice(63).trim()}`,
    }));
}

export async function runExtras(log: (m: string) => void): Promise<Extras> {
  const root = packageRoot();
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  let page: ExtraPart;
  if (!existsSync(join(root, 'dist', 'web', 'index.html')))
    page = { rows: [], output: '', skipped: 'not run: no build (node scripts/build.mjs)' };
  else if (!existsSync(chromium)) page = { rows: [], output: '', skipped: `not run: no Chromium at ${chromium}` };
  else {
    log(`page: bench/page.ts ${PAGE_ARGS.join(' ')} …`);
    const output = await run(['bench/page.ts', ...PAGE_ARGS], process.env);
    page = { rows: pageRows(output), output };
  }
  let fleet: ExtraPart;
  if (!existsSync('/usr/sbin/nats-server'))
    fleet = { rows: [], output: '', skipped: 'not run: no /usr/sbin/nats-server (apt-get install nats-server)' };
  else {
    log(`fleet: bench/run.ts fleet (BENCH_FLEET_EVENTS=${FLEET_EVENTS}) …`);
    const output = await run(['bench/run.ts', 'fleet'], { ...process.env, BENCH_FLEET_EVENTS: FLEET_EVENTS });
    fleet = { rows: fleetRows(output), output };
  }
  return { page, fleet };
}
