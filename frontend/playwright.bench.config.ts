// The save engine's browser benchmark (benchmarks/frontend_engine.py runs it): the same
// live server and Chromium as the e2e suite, its own test directory (not part of make test).
import { defineConfig } from '@playwright/test'
import base from './playwright.config'

export default defineConfig({
  ...base,
  testDir: 'tests/bench',
  testMatch: '**/*.bench.ts',
  timeout: 15 * 60_000,
  reporter: 'line',
})
