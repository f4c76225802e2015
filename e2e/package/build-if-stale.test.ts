/**
 * `npm start` builds only what is stale (scripts/build.mjs --if-stale): a part whose output is
 * missing or older than one of its sources. Checked on a scratch tree with set modification times,
 * never on the checkout's own dist/ (other tests read it meanwhile).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error -- plain JavaScript (it runs before anything is compiled), no types
import { PARTS, staleReason } from '../../scripts/build.mjs';

interface Part {
  name: string;
  output: string;
  sources: string[];
}

test('a part is built when its output is missing or older than a source; tests and node_modules do not count', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'connscope-stale-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const at = async (path: string, seconds: number): Promise<void> => {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, 'x');
    await utimes(full, seconds, seconds);
  };
  const server = (PARTS as Part[]).find((p) => p.name === 'server')!;
  const page = (PARTS as Part[]).find((p) => p.name === 'page')!;
  assert.ok(server.sources.includes('server') && page.sources.includes('web'));

  await at('server/app.ts', 1000);
  await at('web/src/main.ts', 1000);
  assert.match(staleReason(server, root), /missing/);

  await at(server.output, 2000);
  await at(page.output, 2000);
  assert.equal(staleReason(server, root), undefined, 'nothing changed: no build');
  assert.equal(staleReason(page, root), undefined);

  await at('server/app.test.ts', 3000);
  await at('server/node_modules/x/index.js', 3000);
  assert.equal(staleReason(server, root), undefined, 'a test or a dependency is no source of the build');

  await at('server/bridge/hub.ts', 3000);
  assert.match(staleReason(server, root), /sources changed/);
  assert.equal(staleReason(page, root), undefined, 'a server change does not rebuild the page');

  await at('server/protocol/events.ts', 3000);
  assert.match(staleReason(page, root), /sources changed/, 'the page embeds the protocol');
});
