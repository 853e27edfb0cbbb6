import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { probeWithBackoff } from '../../src/probe/backoff.js';
import type { ProbeResult, Reason } from '../../src/types.js';
import { describeOrSkip, notLinux } from '../helpers/skip.js';
import { PROBE_PATHS } from './probe-paths.js';

const error = (reason: Reason): ProbeResult => ({ state: 'error', reason, durationSeconds: 0 });

/** A probe that answers from a script, counting its calls. */
function scripted(results: ProbeResult[]): { probe: () => Promise<ProbeResult>; calls: () => number } {
  let calls = 0;
  return {
    probe: () => Promise.resolve(results[Math.min(calls++, results.length - 1)]!),
    calls: () => calls,
  };
}

describe('probeWithBackoff', () => {
  it.each(['fd-exhausted', 'no-buffers', 'addr-unavailable'] as const)(
    'retries %s until the probe can be made',
    async (reason) => {
      const open: ProbeResult = { state: 'open', reason: 'syn-ack', durationSeconds: 0.001 };
      const { probe, calls } = scripted([error(reason), error(reason), open]);
      let backoffs = 0;
      expect(await probeWithBackoff(probe, { baseDelayMs: 1, onBackoff: () => backoffs++ })).toBe(open);
      expect([calls(), backoffs]).toEqual([3, 2]);
    },
  );

  it('gives up after the tries allowed and returns the error as it is', async () => {
    const { probe, calls } = scripted([error('fd-exhausted')]);
    const started = performance.now();
    const result = await probeWithBackoff(probe, { tries: 4, baseDelayMs: 20 });
    const elapsed = performance.now() - started;
    expect(result).toEqual(error('fd-exhausted'));
    expect(calls()).toBe(4);
    // Delays of 20, 40 and 80 ms, each jittered down to no less than half.
    expect(elapsed).toBeGreaterThanOrEqual(69);
    expect(elapsed).toBeLessThan(1000);
  });

  it('by default stops within 6 tries and about 1.6 s', async () => {
    const { probe, calls } = scripted([error('no-buffers')]);
    const started = performance.now();
    await probeWithBackoff(probe);
    expect(calls()).toBe(6);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it.each<ProbeResult>([
    { state: 'closed', reason: 'conn-refused', durationSeconds: 0 },
    { state: 'filtered', reason: 'no-response', durationSeconds: 3 },
    error('local-error'),
    error('self-connect'),
  ])('returns $state/$reason at once', async (result) => {
    const { probe, calls } = scripted([result]);
    expect(await probeWithBackoff(probe, { onBackoff: () => expect.unreachable() })).toBe(result);
    expect(calls()).toBe(1);
  });

  // Real file descriptor exhaustion, in a child process with a low limit so the test runner keeps its own.
  describeOrSkip(notLinux(), 'with a real descriptor limit', () => {
    it.each(PROBE_PATHS)('rides out a real EMFILE once descriptors are freed on the $path path', ({ env }) => {
      const dist = (file: string): string =>
        JSON.stringify(fileURLToPath(new URL(`../../dist/probe/${file}`, import.meta.url)));
      const script = `
      const { probeTcp } = await import(${dist('tcp.js')});
      const { probeWithBackoff } = await import(${dist('backoff.js')});
      const net = await import('node:net');
      const fs = await import('node:fs');
      const server = net.createServer((s) => s.on('error', () => {}));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address();
      const held = [];
      try {
        for (let i = 0; i < 1000; i++) held.push(fs.openSync('/dev/null', 'r'));
      } catch (e) {
        if (e.code !== 'EMFILE') throw e;
      }
      const exhausted = await probeTcp('127.0.0.1', port, 2000);
      setTimeout(() => { for (const fd of held.splice(0, 8)) fs.closeSync(fd); }, 150);
      let backoffs = 0;
      const recovered = await probeWithBackoff(
        () => probeTcp('127.0.0.1', port, 2000),
        { onBackoff: () => backoffs++ },
      );
      console.log(JSON.stringify({ exhausted, recovered, backoffs }));
      process.exit(0);
    `;
      const args = [...env, 'prlimit', '--nofile=128', process.execPath, '--input-type=module', '-e', script];
      const out = execFileSync('env', args, {
        encoding: 'utf8',
        timeout: 15_000,
      });
      const { exhausted, recovered, backoffs } = JSON.parse(out) as {
        exhausted: ProbeResult;
        recovered: ProbeResult;
        backoffs: number;
      };
      expect(exhausted).toMatchObject({ state: 'error', reason: 'fd-exhausted', code: 'EMFILE' });
      expect(recovered).toMatchObject({ state: 'open', reason: 'syn-ack' });
      expect(backoffs).toBeGreaterThanOrEqual(1);
    });
  });
});
