// End-to-end tests: Debian's Chromium (never a downloaded browser) against a live Django
// server with a real Celery worker, both started by tests/e2e/global-setup.ts.
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  globalTeardown: './tests/e2e/global-teardown.ts',
  fullyParallel: false,
  workers: 1, // one live server and one database shared by every test
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // In CI one retry, reported as "flaky" in the output: on a loaded 2-core runner a few editor
  // and publish journeys have missed their 10 s waits (they pass alone); locally none.
  retries: process.env.CI ? 1 : 0,
  // 'list' prints every failure's details again at the end, where a CI log's tail shows them.
  reporter: 'list',
  use: {
    baseURL: process.env.E2E_BASE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
})
