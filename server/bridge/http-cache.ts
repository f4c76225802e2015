/**
 * The two pieces of HTTP content negotiation and caching that the static files need, pure so that
 * each rule is table-tested: which precompressed variant an `Accept-Encoding` header allows, and
 * whether an `If-None-Match` header names the current ETag.
 */

/** Content codings the build precompresses, best first (scripts/precompress.mjs writes `.br` and `.gz`). */
export const PRECOMPRESSED = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
] as const;
export type Coding = (typeof PRECOMPRESSED)[number]['coding'];

/** The longest `Accept-Encoding` or `If-None-Match` header read; a longer one counts as absent. */
const MAX_HEADER_CHARS = 1024;

/**
 * The q-value `header` gives `coding` (RFC 9110 §12.5.3): its own entry, else `*`, else 0. An
 * absent header means no preference: only the identity coding is then sent, like nginx's
 * `gzip_static`, since a client that says nothing may not decode anything.
 */
export function acceptsCoding(header: string | undefined, coding: string): boolean {
  if (header === undefined || header.length > MAX_HEADER_CHARS) return false;
  let wildcard: number | undefined;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';');
    const token = name.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q') q = Number(v?.trim());
    }
    if (!Number.isFinite(q)) q = 0;
    if (token === coding) return q > 0;
    if (token === '*') wildcard = q;
  }
  return (wildcard ?? 0) > 0;
}

/** The first precompressed coding the client accepts among those that exist for the file. */
export function chooseCoding(header: string | undefined, available: ReadonlySet<Coding>): Coding | undefined {
  return PRECOMPRESSED.find(({ coding }) => available.has(coding) && acceptsCoding(header, coding))?.coding;
}

/**
 * An ETag for one representation: the file's size and modification time, and the coding (each
 * encoded variant is a different representation, so a cache must not mix them up).
 */
export function etagOf(size: number, mtimeMs: number, coding: Coding | undefined): string {
  return `"${size.toString(36)}-${Math.trunc(mtimeMs).toString(36)}${coding === undefined ? '' : `-${coding}`}"`;
}

/** Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2), or is `*`. */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.length > MAX_HEADER_CHARS) return false;
  const bare = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);
  return header.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || bare(tag) === bare(etag);
  });
}
