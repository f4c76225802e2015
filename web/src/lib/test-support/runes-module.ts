/**
 * Loads a `.svelte.ts` module (one that uses runes) in a node:test, compiled the way the page's
 * build does it: types stripped, then Svelte's `compileModule`. Its imports resolve to the
 * sources (`$protocol` to server/protocol); other `.svelte.ts` files it imports at run time would
 * need the same treatment, so such modules keep those imports type-only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileModule } from 'svelte/compiler';
import ts from 'typescript';

const PROTOCOL = fileURLToPath(new URL('../../../../server/protocol/index.ts', import.meta.url));

let tmp: string | null = null;

/** The module at `source` (a file URL, e.g. `new URL('./x.svelte.ts', import.meta.url)`), compiled and imported. */
export async function loadRunesModule<T>(source: URL): Promise<T> {
  if (tmp === null) {
    const dir = mkdtempSync(join(tmpdir(), 'runes-module-'));
    tmp = dir;
    after(() => rmSync(dir, { recursive: true, force: true }));
  }
  const path = fileURLToPath(source);
  const js = ts.transpileModule(readFileSync(path, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
  }).outputText;
  const name = basename(path).replace(/\.ts$/, '.js');
  const code = compileModule(js, { filename: name, generate: 'client' }).js.code.replace(/from ['"]([^'"]+)['"]/g, (_m, spec: string) => {
    if (spec === '$protocol') return `from '${pathToFileURL(PROTOCOL).href}'`;
    if (spec.startsWith('.')) return `from '${new URL(spec, source).href}'`;
    return `from '${import.meta.resolve(spec)}'`;
  });
  const out = join(tmp, name.replace(/\.js$/, '.mjs'));
  writeFileSync(out, code);
  return (await import(pathToFileURL(out).href)) as T;
}
