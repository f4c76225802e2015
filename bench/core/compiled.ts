/**
 * The package as its users run it: the compiled JavaScript under `dist/lib` (what `npm start`,
 * `npx connscope` and an installed `connscope` load), not the TypeScript sources through tsx.
 * tsx compiles with esbuild's `keepNames`, which wraps every function it creates in a
 * `__name(fn, …)` call (an `Object.defineProperty`, and a property store on the function): per
 * connection that is a few hundred bytes and microseconds that no user pays, so measuring the
 * sources would charge the manager for the bench's loader. The suite builds first (`suite.ts`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../server/package-info.ts';

/** The compiled manager, typed by its source. */
export type ConnMgrModule = typeof import('../../server/connmgr/index.ts');
/** The compiled bridge, typed by its source. */
export type BridgeModule = typeof import('../../server/bridge/index.ts');

/** `dist/lib/<path>`, e.g. `server/connmgr/index.js`: where the compiled module is. */
export function compiledPath(path: string): string {
  return join(packageRoot(), 'dist', 'lib', path);
}

async function load<T>(path: string): Promise<T> {
  const file = compiledPath(path);
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (node scripts/build.mjs)`);
  return (await import(pathToFileURL(file).href)) as T;
}

export const connmgr = (): Promise<ConnMgrModule> => load<ConnMgrModule>('server/connmgr/index.js');
export const bridgeModule = (): Promise<BridgeModule> => load<BridgeModule>('server/bridge/index.js');
