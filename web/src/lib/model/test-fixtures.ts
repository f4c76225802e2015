/**
 * Protocol fixtures for tests and benchmarks of the page's model: a stats block with every
 * counter at zero and a manager configuration with the manager's defaults.
 */
import type { ConnManagerConfig, ConnStats } from '$protocol';

export function stats(over: Partial<ConnStats> = {}): ConnStats {
  return {
    currByType: { inbound: 0, outbound: 0, manual: 0 },
    currByState: { pending: 0, established: 0, failing: 0 },
    currConnections: 0,
    persistentEntries: 0,
    targetOutbound: 8,
    maxInbound: 117,
    maxPersistent: 8,
    totalDials: 0,
    totalEstablished: 0,
    totalFailedDials: 0,
    totalAccepted: 0,
    rejected: { limit: 0, duplicate: 0, shutdown: 0, 'per-host-limit': 0, 'rate-limit': 0, banned: 0 },
    disconnects: {},
    retries: 0,
    idleKicks: 0,
    acceptingConns: true,
    listenDisabledNum: 0,
    timeInListenDisabledMs: 0,
    consecutiveFailedAttempts: 0,
    throttledAttempts: 0,
    bannedHosts: 0,
    totalBans: 0,
    ...over,
  };
}

export const config: ConnManagerConfig = {
  listen: [{ host: '127.0.0.1', port: 8333 }],
  targetOutbound: 8,
  hasAddressSource: true,
  dialTimeoutMs: 30_000,
  retryDelayMs: 5_000,
  maxRetryDelayMs: 300_000,
  backoff: 'linear',
  maxFailedAttempts: 25,
  maxPersistent: 8,
  maxInbound: 117,
  inboundPolicy: 'shed',
  idleTimeoutMs: 0,
  banWarnThreshold: 50,
  banThreshold: 100,
  banDurationMs: 86_400_000,
};
