#!/usr/bin/env node
/**
 * Builds what the package ships: the page (`dist/web`, by Vite, plus the protocol's JSON Schema,
 * then brotli and gzip copies of every compressible file)
 * and the compiled server (`dist/lib`, by tsc, JavaScript + .d.ts). Plain JavaScript so it runs
 * before anything is compiled.
 *
 *   node scripts/build.mjs              build both
 *   node scripts/build.mjs --if-stale   build only a part whose output is missing or older than
 *                                       one of its sources (what `npm start` runs: a start with
 *                                       nothing changed pays no build)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG_FILES = ['package.json', 'package-lock.json', 'tsconfig.json'];

/** Each part: the file whose age stands for the output, the sources, and how to build it. */
export const PARTS = [
  {
    name: 'page',
    output: 'dist/web/protocol.schema.json', // written after vite's files
    sources: [
      'web',
      'server/protocol',
      'scripts/build-schema.ts',
      'scripts/precompress.mjs',
      'vite.config.ts',
      'web/tsconfig.json',
      'README.md', // its "Rule ids" table is built into the page (virtual:readme-rules)
      ...CONFIG_FILES,
    ],
    steps: [
      ['node_modules/.bin/vite', 'build', '--logLevel', 'warn'],
      [process.execPath, '--import', 'tsx', 'scripts/build-schema.ts', 'dist/web'],
      [process.execPath, 'scripts/precompress.mjs', 'dist/web'],
    ],
  },
  {
    name: 'server',
    output: 'dist/lib/server/cli.js',
    sources: ['server', 'e2e/fixtures.ts', 'e2e/lab-server.ts', 'e2e/testing.ts', 'e2e/pages', 'tsconfig.build.json', ...CONFIG_FILES],
    clean: 'dist/lib',
    steps: [['node_modules/.bin/tsc', '-p', 'tsconfig.build.json']],
  },
];

/** Newest modification time (ms) among the files under `paths` (relative to `root`), tests excluded. */
function newestSource(root, paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const info = statSync(path);
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules') visit(join(path, entry));
    } else if (!/\.(test|spec)\.ts$/.test(path)) {
      newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const p of paths) visit(join(root, p));
  return newest;
}

/** Why `part` must be built under `root`, or undefined when its output is newer than every source. */
export function staleReason(part, root = ROOT) {
  const out = join(root, part.output);
  if (!existsSync(out)) return `${part.output} is missing`;
  return newestSource(root, part.sources) > statSync(out).mtimeMs ? 'sources changed since the last build' : undefined;
}

function build(ifStale) {
  for (const part of PARTS) {
    const reason = ifStale ? staleReason(part) : 'asked';
    if (reason === undefined) continue;
    if (ifStale) process.stderr.write(`connscope: building the ${part.name} (${reason})…\n`);
    if (part.clean) rmSync(join(ROOT, part.clean), { recursive: true, force: true });
    for (const [cmd, ...args] of part.steps) {
      const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
      if (result.status !== 0) {
        process.stderr.write(`connscope: build step failed: ${relative(ROOT, cmd) || cmd} ${args.join(' ')}\n`);
        process.exit(result.status ?? 1);
      }
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) build(process.argv.includes('--if-stale'));
