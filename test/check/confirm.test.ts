import { describe, expect, it } from 'vitest';
import { confirmResult } from '../../src/check/confirm.js';
import type { PortState, ProbeResult, Reason } from '../../src/types.js';

const REASON: Record<PortState, Reason> = {
  open: 'syn-ack',
  closed: 'conn-refused',
  filtered: 'no-response',
  'open|filtered': 'no-response',
  error: 'local-error',
};

/** Attempts that answer from a script, so the confirmation arithmetic can be checked exactly. */
function scripted(states: PortState[]): { attempt: () => Promise<ProbeResult>; calls: () => number } {
  let i = 0;
  return {
    attempt: () => {
      const state = states[Math.min(i, states.length - 1)]!;
      i++;
      return Promise.resolve({ state, reason: REASON[state], durationSeconds: 0 });
    },
    calls: () => i,
  };
}

describe('confirmResult', () => {
  const cases: Array<{
    name: string;
    baseline: PortState | undefined;
    expected: 'open' | 'closed';
    retries: number;
    states: PortState[];
    believed: PortState;
    calls: number;
  }> = [
    {
      name: 'same as believed: one attempt',
      baseline: 'open',
      expected: 'open',
      retries: 2,
      states: ['open'],
      believed: 'open',
      calls: 1,
    },
    {
      name: 'one lost answer is not believed',
      baseline: 'open',
      expected: 'open',
      retries: 2,
      states: ['filtered', 'open'],
      believed: 'open',
      calls: 2,
    },
    {
      name: 'a change seen on every attempt is believed',
      baseline: 'open',
      expected: 'open',
      retries: 2,
      states: ['closed', 'closed', 'closed'],
      believed: 'closed',
      calls: 3,
    },
    {
      name: 'the last of several changed answers is believed',
      baseline: 'open',
      expected: 'open',
      retries: 2,
      states: ['filtered', 'filtered', 'closed'],
      believed: 'closed',
      calls: 3,
    },
    {
      name: 'retries 0 believes the first answer',
      baseline: 'closed',
      expected: 'closed',
      retries: 0,
      states: ['open'],
      believed: 'open',
      calls: 1,
    },
    {
      name: 'first sight as expected: one attempt',
      baseline: undefined,
      expected: 'closed',
      retries: 2,
      states: ['filtered'],
      believed: 'filtered',
      calls: 1,
    },
    {
      name: 'first sight of a violation is re-checked',
      baseline: undefined,
      expected: 'closed',
      retries: 2,
      states: ['open', 'closed'],
      believed: 'closed',
      calls: 2,
    },
    {
      name: 'first sight of a confirmed violation',
      baseline: undefined,
      expected: 'open',
      retries: 1,
      states: ['error', 'error'],
      believed: 'error',
      calls: 2,
    },
    {
      name: 'a recovery is confirmed too',
      baseline: 'open',
      expected: 'closed',
      retries: 2,
      states: ['closed', 'open'],
      believed: 'open',
      calls: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const s = scripted(c.states);
      const r = await confirmResult({
        attempt: s.attempt,
        baseline: c.baseline,
        expected: c.expected,
        retries: c.retries,
        retryDelayMs: 0,
      });
      expect(r.state).toBe(c.believed);
      expect(s.calls()).toBe(c.calls);
    });
  }
});
