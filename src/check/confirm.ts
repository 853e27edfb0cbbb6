import { setTimeout as sleep } from 'node:timers/promises';
import type { Expectation, PortState, ProbeResult } from '../types.js';
import { isViolation } from '../types.js';

/**
 * Is this result news? Against a believed state, any other state is. With nothing believed
 * yet (first check, new address) the expectation stands in, so a first sighting of a
 * violation is double-checked and a first sighting of the expected state is not.
 */
function isNews(baseline: PortState | undefined, expected: Expectation, state: PortState): boolean {
  return baseline === undefined ? isViolation(expected, state) : state !== baseline;
}

export interface ConfirmOptions {
  baseline: PortState | undefined;
  expected: Expectation;
  retries: number;
  /** Pause before each re-attempt, so a burst of loss is not sampled twice. */
  retryDelayMs: number;
  /**
   * What an attempt's result means here (e.g. net-unreach without a route is no-route),
   * applied to each before it is judged.
   */
  read?(result: ProbeResult): ProbeResult;
}

/** The attempt to make, and again, with how to judge it: a method, so a check made per port needs no closure for it. */
export interface Confirmation extends ConfirmOptions {
  attempt(): Promise<ProbeResult>;
}

/**
 * A result that differs from what is believed is attempted again `retries` times before it
 * is believed: one re-attempt that agrees with the belief keeps it, so a lost SYN or a
 * briefly busy listener raises no alarm. The last attempt is what is believed otherwise.
 */
export function confirmResult(c: Confirmation): Promise<ProbeResult> {
  // Most results are no news: no async frame of their own for those.
  let first: Promise<ProbeResult>;
  try {
    first = c.attempt();
  } catch (err) {
    return Promise.reject(err);
  }
  return first.then((raw) => {
    const result = c.read === undefined ? raw : c.read(raw);
    return c.retries > 0 && isNews(c.baseline, c.expected, result.state) ? reattempt(result, c) : result;
  });
}

async function reattempt(first: ProbeResult, c: Confirmation): Promise<ProbeResult> {
  let result = first;
  for (let i = 0; i < c.retries && isNews(c.baseline, c.expected, result.state); i++) {
    await sleep(c.retryDelayMs);
    const raw = await c.attempt();
    result = c.read === undefined ? raw : c.read(raw);
  }
  return result;
}
