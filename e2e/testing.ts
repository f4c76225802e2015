/**
 * `connscope/testing` — what another project's Playwright suite needs to test against connscope:
 * the fixtures (`test`, `expect`), the `Dashboard` page object, and `startServer`, which runs a
 * dashboard with the peer lab on a free loopback port. The same modules drive connscope's own e2e
 * suite. Needs `@playwright/test` (a peer dependency) and Chromium; see the README, "Testing with
 * connscope".
 */
import { LabServer, type LabServerOptions } from './lab-server.ts';

export { expect, test } from './fixtures.ts';
export { Dashboard } from './pages/dashboard.ts';
export { FAST_FLAGS, LabServer, SEED, TARGET_OUTBOUND, freePort, type Healthz, type LabServerOptions } from './lab-server.ts';

/**
 * Starts a connscope server (CLI, lab on and quiet, seed `SEED`, fast timings) on a free loopback port and
 * resolves once `/healthz` says it runs. `stop()` ends the process and waits for it.
 */
export function startServer(options: LabServerOptions = {}): Promise<LabServer> {
  return LabServer.start(options);
}
