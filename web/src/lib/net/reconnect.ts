/**
 * Reconnect delays: capped exponential backoff with jitter, so many pages whose server restarted
 * do not all knock at the same instant. Pure, so the schedule is table-tested.
 */
export interface ReconnectPolicy {
  /** First delay ceiling. @default 500 */
  baseMs: number;
  /** Largest delay. @default RECONNECT_MAX_DELAY_MS */
  capMs: number;
}

/**
 * The longest the page waits between two tries. Kept to a few seconds: the page is the operator's
 * only view, and every second of backoff after the server is back is a second of stale picture
 * (the jitter still spreads many pages over [cap/2, cap)).
 */
export const RECONNECT_MAX_DELAY_MS = 2000;

export const DEFAULT_RECONNECT: ReconnectPolicy = { baseMs: 500, capMs: RECONNECT_MAX_DELAY_MS };

/** Delay before reconnect `attempt` (1 = first): uniform in [c/2, c) with c = min(base × 2^(n−1), cap). */
export function reconnectDelayMs(attempt: number, random: () => number, policy: ReconnectPolicy = DEFAULT_RECONNECT): number {
  const n = Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(policy.baseMs * 2 ** Math.min(n - 1, 30), policy.capMs);
  const r = Math.min(Math.max(random(), 0), 0.999999);
  return Math.round(ceiling / 2 + r * (ceiling / 2));
}

/**
 * The WebSocket URL of the page's server, with the control token (see token.ts) if there is one,
 * and the node when the page shows one node of a fleet dashboard (`/?node=NAME`: docs/fleet.md,
 * "Selecting a node").
 */
export function socketUrl(location: { protocol: string; host: string; search?: string }, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const params = new URLSearchParams();
  const node = new URLSearchParams(location.search ?? '').get('node');
  if (node) params.set('node', node);
  if (token) params.set('token', token);
  const query = params.toString().replaceAll('+', '%20');
  return `${scheme}://${location.host}/ws${query ? `?${query}` : ''}`;
}
