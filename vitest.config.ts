import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Hang guards, not speed claims: namespace and end-to-end tests wait on real timeouts, and start
// processes that may take READY_MS (test/helpers/ready.ts) to say they are ready on a busy machine.
const timeouts = { testTimeout: 60_000, hookTimeout: 120_000 };

// The tiers that take minutes or whole programs of their own. `npm test` (CI) runs every project;
// `npm run test:quick` runs only `quick`, everything else, for the edit loop; `--project <name>`
// runs one tier.
export const TIERS: Record<string, string[]> = {
  // Packet loss, resolver and address faults inside network namespaces (root).
  faults: ['test/faults/**/*.test.ts'],
  // Probes and the resolver against namespaces with iptables rules, DNS servers and timeouts (root).
  namespaces: [
    'test/probe/netns.test.ts',
    'test/probe/silent.test.ts',
    'test/resolve/resolve-pod.test.ts',
    'test/resolve/resolve-search.test.ts',
    'test/resolve/resolve-servers.test.ts',
    'test/probe/udp-netns.test.ts',
    'test/probe/udp-ratelimit.test.ts',
  ],
  // The built portwatch run as a process, daemon or CLI: restarts, reloads, signals, discovery, shards.
  daemon: [
    'test/e2e/**/*.test.ts',
    'test/api/check.test.ts',
    'test/config/reading.test.ts',
    'test/deploy/dockerfile.test.ts',
    'test/probe/probe-command.test.ts',
    'test/sd/file-sd.test.ts',
    'test/sd/http-sd.test.ts',
    'test/shard/processes.test.ts',
    'test/storage/bad-file.test.ts',
    'test/storage/discovery-sd.test.ts',
    'test/storage/restart.test.ts',
    'test/storage/unwritable.test.ts',
    'test/web/check-config.test.ts',
    'test/web/daemon.test.ts',
  ],
  // Other programs on every case: promtool, amtool, openssl s_client, npm, actionlint, tsc, a child
  // vitest; and the fuzzers.
  tools: [
    'test/deps/engines.test.ts',
    'test/deploy/workflows.test.ts',
    'test/sd/promtool.test.ts',
    'test/tiers/require-tools.test.ts',
    'test/tiers/build-emit.test.ts',
    'test/sd/prometheus-files.test.ts',
    'test/alerts/rules.test.ts',
    'test/web/tls.test.ts',
    'test/web/upstream-access.test.ts',
    'test/fuzz/**/*.test.ts',
  ],
  // Floods, huge bodies and low limits against the built daemon.
  abuse: ['test/abuse/**/*.test.ts'],
  // Debian's prometheus and alertmanager scraping and alerting on a running daemon.
  prometheus: [
    'test/alerts/e2e.test.ts',
    'test/alerts/e2e-udp.test.ts',
    'test/dashboard/queries.test.ts',
    'test/dashboard/scale.test.ts',
  ],
  // The landing page in chromium.
  browser: ['test/browser/**/*.test.ts'],
  // The Dockerfile built with podman and run.
  image: ['test/deploy/image.test.ts'],
};

// vitest runs a group's files on one worker fewer than the machine has CPUs, which is one on two
// CPUs: the quick tier is in-process work and loopback sockets, so it takes two there. Projects of
// one group share their worker count, so the quick tier is a group of its own, run first.
const quick = { sequence: { groupOrder: 0 }, maxWorkers: Math.max(availableParallelism() - 1, 2) };

// The abuse tier asserts that the daemon answers within 2 s under a flood: it runs after every
// other tier, one file at a time, so that the rest of the suite does not take the CPUs it measures.
const alone = (name: string) =>
  name === 'abuse' ? { sequence: { groupOrder: 2 }, fileParallelism: false } : { sequence: { groupOrder: 1 } };

export default defineConfig({
  test: {
    // Runs once for all projects: the projects below do not extend this config, so it is not repeated.
    globalSetup: ['test/helpers/build.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        test: {
          ...timeouts,
          ...quick,
          name: 'quick',
          include: ['test/**/*.test.ts'],
          exclude: Object.values(TIERS).flat(),
        },
      },
      ...Object.entries(TIERS).map(([name, include]) => ({ test: { ...timeouts, name, include, ...alone(name) } })),
    ],
  },
});
