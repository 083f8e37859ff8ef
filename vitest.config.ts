import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The json report feeds the plain `N passed, N failed` line .ci/run prints last (scripts/test-summary.mjs).
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  },
});
