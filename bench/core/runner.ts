/**
 * The one child-process runner: every measured side runs alone in a fresh
 * `node --expose-gc --import tsx bench/core/child.ts` (heaps never mix), under
 * `prlimit --nofile=65536:65536` (or up to the hard limit) when this process's soft fd limit is lower. The child prints one
 * `@@RESULT {json}` line; anything else it prints is passed through on failure.
 */
import { spawn } from 'node:child_process';
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

/** Runs one scenario in a child; resolves with its result object, or rejects with its output. */
export function runChild(params: Json, timeoutMs = 120_000): Promise<Json> {
  const nodeArgs = ['--expose-gc', '--import', 'tsx', join(packageRoot(), 'bench', 'core', 'child.ts'), JSON.stringify(params)];
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
