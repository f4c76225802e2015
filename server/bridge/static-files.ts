/**
 * Serves the built page from one directory: real files with their content type, `index.html` for
 * any other path that looks like a page route (SPA fallback), 404 for missing assets, and 403 for
 * anything that would leave the directory.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { assertNever } from '../protocol/index.ts';
import { PRECOMPRESSED, chooseCoding, etagOf, noneMatchHits, type Coding } from './http-cache.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Content type for a file name; unknown extensions are served as bytes. */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticResolution =
  | { kind: 'file'; path: string }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'bad-request'; reason: string };

/**
 * Maps a URL path to a file under `root`. Pure: no disk access. Decodes percent-escapes once and
 * refuses results outside `root`, NUL bytes and dot-files (`.env`, `.git`).
 */
export function resolveStaticPath(root: string, urlPath: string): StaticResolution {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'bad-request', reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0')) return { kind: 'bad-request', reason: 'NUL byte in path' };
  const base = resolve(root);
  const full = resolve(base, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`);
  if (full !== base && !full.startsWith(base + sep)) return { kind: 'forbidden', reason: 'path leaves the static directory' };
  const relative = full.slice(base.length);
  if (relative.split(sep).some((part) => part.startsWith('.'))) return { kind: 'forbidden', reason: 'hidden file' };
  return { kind: 'file', path: full === base ? resolve(base, 'index.html') : full };
}

/** Handles a GET/HEAD for the page or one of its assets. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
  const target = resolveStaticPath(root, urlPath);
  switch (target.kind) {
    case 'bad-request':
      return sendText(res, 400, `bad request: ${target.reason}`);
    case 'forbidden':
      return sendText(res, 403, `forbidden: ${target.reason}`);
    case 'file':
      break;
    default:
      return assertNever(target);
  }
  if (await isFile(target.path)) return sendFile(req, res, target.path, urlPath);
  // SPA fallback: routes without an extension (and explicit HTML requests) get the app shell;
  // a missing asset gets a 404 so a broken build shows up as such.
  const wantsPage = extname(urlPath) === '' || (req.headers.accept ?? '').includes('text/html');
  const index = resolve(root, 'index.html');
  if (wantsPage && (await isFile(index))) return sendFile(req, res, index, '/index.html');
  if (wantsPage) return sendText(res, 404, `the page is not built (no ${index}): run npm run build`);
  return sendText(res, 404, 'not found');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Sends a file as a real web server does: the precompressed variant the client accepts (`.br`,
 * then `.gz`, written by the build next to each compressible file), an ETag per variant with `304
 * Not Modified` for a client that already has it, and caching by kind — Vite's content-hashed files
 * under `/assets/` for a year (`immutable`), everything else (`index.html` first) revalidated on
 * every use (`no-cache`), so a new build is picked up at once.
 */
async function sendFile(req: IncomingMessage, res: ServerResponse, path: string, urlPath: string): Promise<void> {
  const available = new Set<Coding>();
  for (const { coding, suffix } of PRECOMPRESSED) if (await isFile(path + suffix)) available.add(coding);
  const coding = chooseCoding(req.headers['accept-encoding'], available);
  const servedPath = coding === undefined ? path : path + PRECOMPRESSED.find((p) => p.coding === coding)!.suffix;
  const info = await stat(servedPath);
  const etag = etagOf(info.size, info.mtimeMs, coding);
  const headers: Record<string, string> = {
    'content-type': contentTypeOf(path),
    'cache-control': urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    etag,
    'last-modified': info.mtime.toUTCString(),
  };
  // A cache must key compressible files by what the client accepts.
  if (available.size > 0) headers.vary = 'Accept-Encoding';
  if (noneMatchHits(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  if (coding !== undefined) headers['content-encoding'] = coding;
  headers['content-length'] = String(info.size);
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(servedPath);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** A short plain-text response. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers });
  res.end(`${text}\n`);
}
