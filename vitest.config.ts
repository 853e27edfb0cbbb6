import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/build.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Namespace and end-to-end tests wait on real timeouts; the defaults are too short for them.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
