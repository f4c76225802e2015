#!/usr/bin/env node
/**
 * Build step: writes a brotli (`.br`) and a gzip (`.gz`) copy beside every compressible file of
 * the built page, at the highest levels (done once at build time, so the server never compresses
 * per request). The bridge serves the variant the client's Accept-Encoding allows. A copy that
 * would not be smaller is not written. Usage: node scripts/precompress.mjs <dir>
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map', '.webmanifest']);
/** Below this a compressed copy saves less than the headers it costs. */
const MIN_BYTES = 512;

function* files(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node scripts/precompress.mjs <dir>\n');
  process.exit(2);
}
for (const path of files(dir)) {
  if (!COMPRESSIBLE.has(extname(path))) continue;
  const raw = readFileSync(path);
  if (raw.length < MIN_BYTES) continue;
  const variants = [
    ['.br', brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })],
    ['.gz', gzipSync(raw, { level: 9 })],
  ];
  for (const [suffix, data] of variants) if (data.length < raw.length) writeFileSync(path + suffix, data);
}
