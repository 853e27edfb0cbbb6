import { describe, expect, it } from 'vitest';
import { RttEstimate } from '../../src/probe/rtt.js';
import { probeResultReading } from '../../src/probe/result-reading.js';
import type { ProbeResult } from '../../src/types.js';

const answerSeconds = (r: Pick<ProbeResult, 'state' | 'durationSeconds'>): number | undefined =>
  probeResultReading.answerSeconds({ reason: 'syn-ack', ...r });

describe('RttEstimate', () => {
  it('knows nothing before a first answer', () => {
    expect(new RttEstimate().answerWithinMs(50)).toBeUndefined();
  });

  it('starts at srtt + 4 * srtt/2 and smooths later samples as TCP does', () => {
    const rtt = new RttEstimate();
    rtt.observe(0.1);
    expect(rtt.answerWithinMs(0)).toBeCloseTo(300);
    rtt.observe(0.1);
    // rttvar 0.75 * 0.05 = 0.0375; srtt 0.1
    expect(rtt.answerWithinMs(0)).toBeCloseTo(250);
  });

  it('never goes below its floor, and ignores nonsense', () => {
    const rtt = new RttEstimate();
    rtt.observe(0.00005);
    rtt.observe(Number.NaN);
    rtt.observe(-1);
    expect(rtt.samples).toBe(1);
    expect(rtt.answerWithinMs(50)).toBe(50);
  });

  it('learns only from answers: open and closed, not silence or local errors', () => {
    expect(answerSeconds({ state: 'open', durationSeconds: 0.2 })).toBe(0.2);
    expect(answerSeconds({ state: 'closed', durationSeconds: 0.1 })).toBe(0.1);
    expect(answerSeconds({ state: 'filtered', durationSeconds: 3 })).toBeUndefined();
    expect(answerSeconds({ state: 'error', durationSeconds: 0 })).toBeUndefined();
  });
});
