import { defineConfig } from 'vitest/config'

// Each test file runs in its own process (forks): chdb binds one data directory per process,
// and every integration file starts GridPulse on its own temp data dir.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
})
