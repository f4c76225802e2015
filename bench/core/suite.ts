/**
 * `npm run bench` (and `-- --quick`): every scenario in rounds, raw then project within each
 * round, each side in a fresh child process; then the page and fleet parts (their own processes),
 * and bench/results.md. Nothing fails on a slow machine: verdicts are reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../../server/package-info.ts';
import { bigFigures, FULL, figures, QUICK, scenarios } from './figures.ts';
import { runExtras } from './extras.ts';
import { type Measured, writeResults } from './report.ts';
import { bundleChild, type Json, runChild } from './runner.ts';
import { CLI, startup } from './startup.ts';
import type { Side } from './outbound.ts';

const SIDES: Side[] = ['raw', 'project'];

function record(results: Measured, name: string, side: Side, r: Json): void {
  results[name] ??= { raw: [], project: [] };
  results[name][side].push(r);
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function measure(name: string, params: Json, side: Side): Promise<Json> {
  try {
    return name === 'startup' ? await startup(side) : await runChild({ ...params, side });
  } catch (err) {
    log(`  ${name}/${side} failed: ${String(err).slice(0, 500)}`);
    return { error: String(err).split('\n')[0] };
  }
}

export async function runSuite(quick: boolean): Promise<void> {
  const t0 = performance.now();
  const sizes = quick ? QUICK : FULL;
  const loadStart = loadavg();
  const all = scenarios(sizes);
  // The project side runs the compiled package (compiled.ts) and the start-up figure its CLI:
  // build whatever is missing or older than its sources.
  log('building what is stale (node scripts/build.mjs --if-stale) …');
  spawnSync(process.execPath, [join(packageRoot(), 'scripts', 'build.mjs'), '--if-stale'], { cwd: packageRoot(), stdio: 'inherit' });
  await bundleChild();
  if (!existsSync(CLI())) delete all.startup;
  const results: Measured = {};
  for (let round = 0; round < sizes.rounds; round += 1) {
    for (const [name, params] of Object.entries(all)) {
      for (const side of SIDES) {
        const r = await measure(name, params, side);
        record(results, name, side, r);
        log(`round ${round + 1}/${sizes.rounds} ${name.padEnd(10)} ${side.padEnd(7)} ${JSON.stringify(r)}`);
      }
    }
  }
  if (sizes.bigHeld > 0) {
    for (const side of SIDES) {
      const r = await measure('bigHeld', { scenario: 'held', n: sizes.bigHeld, conc: 256 }, side);
      record(results, 'bigHeld', side, r);
      log(`bigHeld ${side} ${JSON.stringify(r)}`);
    }
  }
  const extras = quick
    ? { page: null, fleet: null, skipped: 'not run: --quick (run `npm run bench` or `npm run bench -- page`)' }
    : await runExtras(log);
  const loadEnd = loadavg();
  const file = writeResults({
    quick,
    sizes,
    results,
    figures: [...figures(sizes), ...(sizes.bigHeld > 0 ? bigFigures(sizes) : [])],
    startupSkipped: all.startup === undefined,
    loadStart,
    loadEnd,
    extras,
    runtimeS: (performance.now() - t0) / 1000,
  });
  log(`wrote ${file} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
