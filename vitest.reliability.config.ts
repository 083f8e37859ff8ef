// `npm run test:reliability`: the reliability suite (test/reliability) at the scale issue 9 names, one scenario
// file at a time so that their load and timings do not disturb each other. `npm test` runs the same files at CI
// scale with the other tests (vitest.config.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    env: { RELIABILITY_SCALE: 'full' },
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
