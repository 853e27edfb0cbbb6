import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { PortState, ProbeResult } from '../../src/types.js';
import { UdpPacer } from '../../src/probe/udp-pacer.js';

const result = (state: PortState): ProbeResult => ({
  state,
  reason: state === 'closed' ? 'port-unreach' : 'udp-response',
  durationSeconds: 0,
});

describe('UdpPacer', () => {
  it('starts a burst at once, then one probe an interval while each draws an ICMP answer', async () => {
    const pacer = new UdpPacer({ burst: 2, intervalMs: 150 });
    const t0 = performance.now();
    const starts: number[] = [];
    const probe = (): Promise<ProbeResult> => (starts.push(performance.now() - t0), Promise.resolve(result('closed')));
    await Promise.all(Array.from({ length: 4 }, () => pacer.run('198.51.100.5', probe)));
    expect(starts).toHaveLength(4);
    // Lower bounds only: the budget's own arithmetic, whatever the machine's load.
    expect(starts[2]!).toBeGreaterThanOrEqual(149);
    expect(starts[3]!).toBeGreaterThanOrEqual(299);
  });

  it('gives the token back when a probe drew no ICMP answer (open, open|filtered, error)', async () => {
    // An interval no test waits out: only the refunds can start the later probes.
    const pacer = new UdpPacer({ burst: 1, intervalMs: 600_000 });
    const states: PortState[] = ['open', 'open|filtered', 'error', 'open'];
    const results = await Promise.all(states.map((s) => pacer.run('198.51.100.5', () => Promise.resolve(result(s)))));
    expect(results.map((r) => r.state)).toEqual(states);
  });

  it('gives the token back from a probe unanswered after answerWithinMs: silent ports cost no budget', async () => {
    const pacer = new UdpPacer({ burst: 1, intervalMs: 600_000, answerWithinMs: 20 });
    const events: string[] = [];
    const silent = (): Promise<ProbeResult> =>
      new Promise((resolve) => {
        events.push('first started');
        setTimeout(() => (events.push('first ended'), resolve(result('open|filtered'))), 300);
      });
    const next = (): Promise<ProbeResult> => (events.push('second started'), Promise.resolve(result('closed')));
    await Promise.all([pacer.run('198.51.100.5', silent), pacer.run('198.51.100.5', next)]);
    expect(events).toEqual(['first started', 'second started', 'first ended']);
  });

  it('keeps one budget per address: a closed port elsewhere does not hold this address back', async () => {
    const pacer = new UdpPacer({ burst: 1, intervalMs: 600_000 });
    await pacer.run('198.51.100.5', () => Promise.resolve(result('closed')));
    const other = await pacer.run('198.51.100.6', () => Promise.resolve(result('closed')));
    expect(other.state).toBe('closed');
    expect(pacer.waiting).toBe(0);
  });

  it('rejects the probes still waiting when closed, and every later one', async () => {
    const pacer = new UdpPacer({ burst: 1, intervalMs: 600_000 });
    await pacer.run('198.51.100.5', () => Promise.resolve(result('closed')));
    const waiting = pacer.run('198.51.100.5', () => Promise.resolve(result('open')));
    pacer.close(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    await expect(pacer.run('198.51.100.6', () => Promise.resolve(result('open')))).rejects.toThrow('shutting down');
  });

  it('refuses a budget it cannot keep', () => {
    expect(() => new UdpPacer({ burst: 0 })).toThrow(RangeError);
  });
});
