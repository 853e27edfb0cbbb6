import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js';

// Objects that outlive a scavenge or two, as a round's checks and new records do: V8 then
// grows the young generation towards its maximum. Prints the largest new space seen, in MiB.
const GROWS_THE_YOUNG_GENERATION = `
const v8 = require('node:v8');
let kept = [];
let largest = 0;
for (let i = 0; i < 2e6; i++) {
  kept.push({ n: i, list: [i], text: 'x' + i });
  if (kept.length > 200000) kept = kept.slice(100000);
  if (i % 10000 === 0) {
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    largest = Math.max(largest, space.space_size);
  }
}
console.log(largest / 1048576);
`;

function largestNewSpaceMiB(args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(process.execPath, [...args, '-e', GROWS_THE_YOUNG_GENERATION], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

// The new space V8 reports is at most two semi-spaces of the size the flags allow.
const SEMI_SPACE_MIB = Number(
  DAEMON_NODE_FLAGS.map((flag) => /^--max-semi-space-size=(\d+)$/.exec(flag)?.[1]).find((mib) => mib !== undefined),
);
const BOUND_MIB = 2 * SEMI_SPACE_MIB;

describe("the daemon's Node.js flags (image ENTRYPOINT, npm start, bench)", () => {
  it('cap the semi-spaces', () => {
    expect(SEMI_SPACE_MIB).toBeGreaterThan(0);
  });

  it('bound the young generation on this Node.js, given on the command line', () => {
    expect(largestNewSpaceMiB(DAEMON_NODE_FLAGS)).toBeLessThanOrEqual(BOUND_MIB);
  });

  it('do the same through NODE_OPTIONS, as the usage text suggests for other launches', () => {
    const env = { ...process.env, NODE_OPTIONS: DAEMON_NODE_FLAGS.join(' ') };
    expect(largestNewSpaceMiB([], env)).toBeLessThanOrEqual(BOUND_MIB);
  });
});
