/**
 * Runs once before the suite: checks that the page is built and copies dist/web to a temporary
 * directory that every server under test serves (`--static-dir`). The suite then tests one build
 * from start to end, even if `npm run build` (which empties dist/web first) runs meanwhile.
 * Returns the teardown, which deletes the copy.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILT = fileURLToPath(new URL('../dist/web/', import.meta.url));

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(BUILT, 'index.html'))) {
    throw new Error(`no built page in ${BUILT}: run "npm run build" first (npm test and npm run test:e2e do)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'connscope-e2e-web-'));
  await cp(BUILT, dir, { recursive: true });
  process.env.E2E_STATIC_DIR = dir;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
