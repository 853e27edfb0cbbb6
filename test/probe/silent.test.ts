import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { describeOrSkip } from '../helpers/skip.js';
import { PROBE_PATHS } from './probe-paths.js';

// The limiter's round-trip adaptation against a real firewall: inside one namespace of
// its own, on its loopback only, ports dropped by iptables and a port whose first SYN is
// dropped (it answers after the kernel's 1 s retransmission: slow, but open).

const skip = netnsSkipReason();
const dist = (file: string): string => JSON.stringify(fileURLToPath(new URL(`../../dist/${file}`, import.meta.url)));

const SCRIPT = `
  const net = await import('node:net');
  const { ProbeLimiter } = await import(${dist('probe/limiter.js')});
  const { probeTcp } = await import(${dist('probe/tcp.js')});
  const { probeResultReading: reading } = await import(${dist('probe/result-reading.js')});
  for (const port of [80, 81])
    await new Promise((r) => net.createServer((s) => s.on('error', () => {})).listen(port, '127.0.0.1', r));
  const limiter = new ProbeLimiter({ global: 100, perAddress: 2, reading });
  const probe = (port) => limiter.run('127.0.0.1', () => probeTcp('127.0.0.1', port, 2500));
  // Answers first, so the address's round-trip time is known.
  const first = [await probe(80), await probe(79)];
  const dropped = Array.from({ length: 20 }, (_, i) => probe(30001 + i));
  const slow = probe(81);
  let peak = 0;
  const watch = setInterval(() => (peak = Math.max(peak, limiter.inFlight)), 5);
  const results = { first, dropped: await Promise.all(dropped), slow: await slow };
  clearInterval(watch);
  console.log(JSON.stringify({ ...results, peak, presumedSilent: limiter.presumedSilent }));
  process.exit(0);`;

interface Result {
  state: string;
  reason: string;
  durationSeconds: number;
}

describeOrSkip(skip, 'ProbeLimiter adapting to a firewalled host', () => {
  describe.each(PROBE_PATHS)('ProbeLimiter adapting to a firewalled host on the $path path', ({ env }) => {
    const spaces = new Namespaces();
    let out: { first: Result[]; dropped: Result[]; slow: Result; peak: number; presumedSilent: number };

    beforeAll(async () => {
      await spaces.prepare(async () => {
        const ns = spaces.create();
        spaces.exec(ns, 'iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '30001:30020', '-j', 'DROP']);
        // Every other SYN to 81 is dropped: the first attempt's SYN is lost, its retransmission answered.
        spaces.exec(ns, 'iptables', [
          '-A',
          'INPUT',
          '-p',
          'tcp',
          '--dport',
          '81',
          '--syn',
          '-m',
          'statistic',
          '--mode',
          'nth',
          '--every',
          '2',
          '--packet',
          '0',
          '-j',
          'DROP',
        ]);
        const r = await spaces.run(ns, 'env', [...env, process.execPath, '--input-type=module', '-e', SCRIPT], 30_000);
        if (r.code !== 0) throw new Error(`probe script failed: ${r.stderr}`);
        out = JSON.parse(r.stdout) as typeof out;
      });
    }, 60_000);
    afterAll(() => spaces.cleanup());

    it('lets attempts to silent ports stop counting against their address, beyond its per-address limit', () => {
      expect(out.first.map((r) => r.state)).toEqual(['open', 'closed']);
      expect(out.presumedSilent).toBeGreaterThan(0);
      // perAddress is 2: more than 2 in flight at once means silent attempts gave their slots back.
      expect(out.peak).toBeGreaterThan(2);
    });

    it('still waits every silent attempt out to its full timeout before calling it filtered', () => {
      for (const r of out.dropped) {
        expect(r).toMatchObject({ state: 'filtered', reason: 'no-response' });
        expect(r.durationSeconds).toBeGreaterThanOrEqual(2.4);
      }
    });

    it('never calls a slow open port filtered, even after presuming it silent', () => {
      expect(out.slow).toMatchObject({ state: 'open', reason: 'syn-ack' });
      // Answered by the retransmitted SYN, long after the address's usual answer time.
      expect(out.slow.durationSeconds).toBeGreaterThan(0.5);
    });
  });
});
