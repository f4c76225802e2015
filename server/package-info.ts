/**
 * Where this package lives, and its version. The same code runs from the checkout (through tsx,
 * as `server/…/*.ts`) and installed (compiled, as `dist/lib/server/…/*.js`), so paths are found
 * by walking up to connscope's own package.json rather than assumed relative to this file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'connscope';

let cached: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME) {
        cached = { root: dir, version: pkg.version ?? '0.0.0' };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: cannot find its own package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The directory holding connscope's package.json. */
export function packageRoot(): string {
  return find().root;
}

/** connscope's version, from its package.json. */
export function packageVersion(): string {
  return find().version;
}

/** The built page shipped with the package (`dist/web`), absolute, wherever the process runs. */
export function defaultStaticDir(): string {
  return join(packageRoot(), 'dist', 'web');
}
