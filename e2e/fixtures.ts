/**
 * Fixtures: the server under test and the dashboard page object.
 *
 * - `sharedServer` (worker-scoped): one lab server for read-mostly tests, which must leave the
 *   manager as they found it (they may change page-only state: filter, selection, theme).
 * - `server` (test-scoped): a fresh lab server for a test that changes the manager or the lab,
 *   or restarts the server, so tests never see each other's connections.
 * - `launchServer(flags)`: another fresh server with extra flags (e.g. `--token`), stopped at the
 *   end of the test.
 * - `dashboard`: the page object on this test's page (not yet opened: call `open(server)`).
 *
 * Every server is stopped with SIGTERM and awaited, so no process outlives its scope.
 */
import { test as base, expect } from '@playwright/test';
import { LabServer } from './lab-server.ts';
import { Dashboard } from './pages/dashboard.ts';

interface TestFixtures {
  server: LabServer;
  launchServer: (flags?: readonly string[]) => Promise<LabServer>;
  dashboard: Dashboard;
}

interface WorkerFixtures {
  sharedServer: LabServer;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  sharedServer: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern; none here
    async ({}, use) => {
      const server = await LabServer.start();
      try {
        await use(server);
      } finally {
        await server.stop();
      }
    },
    { scope: 'worker', timeout: 30_000 },
  ],

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern; none here
  launchServer: async ({}, use, testInfo) => {
    const started: LabServer[] = [];
    try {
      await use(async (flags = []) => {
        const server = await LabServer.start({ flags });
        started.push(server);
        return server;
      });
    } finally {
      await Promise.all(started.map((s) => s.stop()));
      // The server's own output is the first thing to read when a test failed.
      if (testInfo.status !== testInfo.expectedStatus) {
        for (const [i, s] of started.entries()) await testInfo.attach(`server-${i + 1}.log`, { body: s.output, contentType: 'text/plain' });
      }
    }
  },

  server: async ({ launchServer }, use) => {
    await use(await launchServer());
  },

  dashboard: async ({ page }, use, testInfo) => {
    // What the page itself reported. An uncaught exception fails the test; console errors and
    // warnings are attached for reading (a refused WebSocket while the server is down is expected).
    const uncaught: string[] = [];
    const consoleLines: string[] = [];
    page.on('pageerror', (err) => uncaught.push(err.stack ?? err.message));
    page.on('crash', () => uncaught.push('the page crashed'));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') consoleLines.push(`console.${msg.type()}: ${msg.text()}`);
    });
    await use(new Dashboard(page));
    const report = [...uncaught.map((e) => `uncaught: ${e}`), ...consoleLines];
    if (report.length > 0) await testInfo.attach('page-problems.txt', { body: report.join('\n'), contentType: 'text/plain' });
    expect(uncaught, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };
