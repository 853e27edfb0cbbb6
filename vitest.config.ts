import { defineConfig } from 'vitest/config';

// Hang guards, not speed claims: namespace and end-to-end tests wait on real timeouts, and start
// processes that may take READY_MS (test/helpers/ready.ts) to say they are ready on a busy machine.
const timeouts = { testTimeout: 60_000, hookTimeout: 120_000 };

// Tiers that take minutes (the fault tier) or whole programs (a browser, Prometheus, a daemon
// under abuse, an image build): `npm test` runs them, `npm run test:quick` leaves them out.
const FAULTS = ['test/faults/**/*.test.ts'];
const SLOW = [
  'test/abuse/**/*.test.ts',
  'test/browser/**/*.test.ts',
  'test/dashboard/queries.test.ts',
  'test/dashboard/scale.test.ts',
  'test/alerts/e2e.test.ts',
  'test/deploy/image.test.ts',
];

export default defineConfig({
  test: {
    // Runs once for all projects: the projects below do not extend this config, so it is not repeated.
    globalSetup: ['test/helpers/build.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      { test: { ...timeouts, name: 'quick', include: ['test/**/*.test.ts'], exclude: [...FAULTS, ...SLOW] } },
      { test: { ...timeouts, name: 'slow', include: SLOW } },
      { test: { ...timeouts, name: 'faults', include: FAULTS } },
    ],
  },
});
