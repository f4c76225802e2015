/**
 * Which page to show (README "Watching a fleet"): the ordinary dashboard, or the fleet view when
 * the page is served by `connscope fleet`. The server says so in `/healthz` (`mode: 'fleet'`,
 * docs/fleet.md). Asked over HTTP before any WebSocket opens, so the live page's `/ws` link never
 * sees a `fleet` message it cannot parse, and a deep link (`?node=NAME`) opens the node at once.
 * Anything else — no `/healthz` (a dev server), an error, another shape — is the ordinary page.
 */
export type PageMode = 'fleet' | 'live';

/** The mode a `/healthz` body names. */
export function pageModeOf(healthz: unknown): PageMode {
  return typeof healthz === 'object' && healthz !== null && (healthz as { mode?: unknown }).mode === 'fleet' ? 'fleet' : 'live';
}

/** Asks `/healthz` (through `fetchJson`); never throws. */
export async function detectPageMode(fetchJson: (path: string) => Promise<unknown>): Promise<PageMode> {
  try {
    return pageModeOf(await fetchJson('/healthz'));
  } catch {
    return 'live';
  }
}
