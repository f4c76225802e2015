/**
 * The one child-process runner: every measured side runs alone in a fresh
 * `node --expose-gc dist/bench/child.mjs` (heaps never mix), under
 * `prlimit --nofile=65536:65536` (or up to the hard limit) when this process's soft fd limit is lower. The child prints one
 * `@@RESULT {json}` line; anything else it prints is passed through on failure.
 *
 * The child is bench/core/child.ts bundled by esbuild into plain JavaScript (`bundleChild`), not
 * run through tsx: tsx's module hooks stay active in the process they are loaded in and were
 * measured costing the project side a quarter of its churn rate, and no user runs connscope
 * under them (compiled.ts). Both sides run in the same bundle, so the harness costs them alike.
 */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../server/package-info.ts';

export const NOFILE = 65_536;

/** This process's fd limits, soft and hard (Linux /proc), or NaN elsewhere. */
export function fdLimits(): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line?.slice('Max open files'.length).trim().split(/\s+/) ?? []).map(Number);
    return { soft: soft ?? Number.NaN, hard: hard ?? Number.NaN };
  } catch {
    return { soft: Number.NaN, hard: Number.NaN };
  }
}

/** What a child gets: 65536, or the hard limit when lower (raising it needs CAP_SYS_RESOURCE). */
export function childNofile(): number {
  const { hard } = fdLimits();
  return Number.isFinite(hard) ? Math.min(NOFILE, hard) : NOFILE;
}

export function usesPrlimit(): boolean {
  return fdLimits().soft < childNofile() && existsSync('/usr/bin/prlimit');
}

export type Json = Record<string, unknown>;

/** Where the bundled child is (under `dist/`, so that it finds `ws` and the package root from there). */
export function childBundle(): string {
  return join(packageRoot(), 'dist', 'bench', 'child.mjs');
}

/**
 * Bundles bench/core/child.ts and what it imports into `childBundle()`; `ws` stays a package
 * import, and the compiled package is loaded at run time (compiled.ts). Run once per bench.
 */
export async function bundleChild(): Promise<void> {
  await build({
    entryPoints: [join(packageRoot(), 'bench', 'core', 'child.ts')],
    outfile: childBundle(),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['ws'],
    // `ws` is CommonJS; a bundled ES module has no `require` of its own to load it with.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

/** Runs one scenario in a child (`bundleChild` first); resolves with its result object, or rejects with its output. */
export function runChild(params: Json, timeoutMs = 120_000): Promise<Json> {
  const nodeArgs = ['--expose-gc', childBundle(), JSON.stringify(params)];
  const [cmd, args] = usesPrlimit()
    ? ['/usr/bin/prlimit', [`--nofile=${childNofile()}:${childNofile()}`, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (line) resolve(JSON.parse(line.slice('@@RESULT '.length)) as Json);
      else reject(new Error(`${String(params.scenario)}/${String(params.side)} exited ${code ?? signal}: ${out.slice(-2000)}`));
    });
  });
}
