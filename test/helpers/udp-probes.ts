import { fileURLToPath } from 'node:url';
import type { Namespaces } from './netns.js';

const DIST = fileURLToPath(new URL('../../dist', import.meta.url));
const RUNNER = fileURLToPath(new URL('./udp-probe-runner.mjs', import.meta.url));

/** One probe's result as udp-probe-runner.mjs prints it. */
export interface ProbeRow {
  address: string;
  port: number;
  state: string;
  reason?: string;
  code?: string;
  /** From the first probe's start to the last one's end, the same on every row of a run. */
  elapsedSeconds: number;
}

/**
 * UDP probes of the built dist/ from inside `ns` (see udp-probe-runner.mjs for the modes):
 * `capacity` as the daemon probes, `unpaced` all at once, `empty` one empty datagram each.
 */
export async function runUdpProbes(
  spaces: Namespaces,
  ns: string,
  mode: 'capacity' | 'unpaced' | 'empty',
  timeoutMs: number,
  targets: Array<[string, number]>,
): Promise<ProbeRow[]> {
  const job = JSON.stringify({ dist: DIST, mode, timeoutMs, targets });
  const run = await spaces.run(ns, process.execPath, [RUNNER, job], 300_000);
  if (run.code !== 0) throw new Error(`probe runner exited with ${run.code}: ${run.stderr}`);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ProbeRow);
}

export const verdictOf = (r: { state: string; reason?: string | undefined }): string => `${r.state}/${r.reason}`;
