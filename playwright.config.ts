/**
 * Playwright e2e suite (e2e/*.spec.ts) in Debian's Chromium. It builds nothing: `npm test`
 * (scripts/test.sh) and `npm run test:e2e` build dist/web first; the global setup snapshots that
 * build. There is no `webServer`: the fixtures (e2e/fixtures.ts) start the server under test
 * themselves, on free ports, so a test may have a fresh server of its own and restart it.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  // Only *.spec.ts: e2e/package/*.test.ts are node:test files (npm run test:unit runs them).
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  // Two cores: one browser plus one or two servers at a time is what this machine runs well.
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 960 },
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium: `npx playwright install` cannot download browsers here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // No DNS: only the server under test on 127.0.0.1 is reachable.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      ],
    },
  },
});
