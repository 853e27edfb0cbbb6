import type { Config, IpFamily } from '../config/types.js';
import { targetId } from '../state/store.js';
import type { Expectation } from '../types.js';

/** One configured (monitor, host, port) with everything needed to check it. */
export interface CheckTarget {
  readonly id: string;
  readonly monitor: string;
  readonly host: string;
  readonly port: number;
  readonly expected: Expectation;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Absent: auto. */
  readonly ipFamily?: IpFamily;
}

export function targetsOf(config: Config): Map<string, CheckTarget> {
  const targets = new Map<string, CheckTarget>();
  for (const m of config.monitors) {
    const common = { monitor: m.name, intervalMs: m.intervalMs, timeoutMs: m.timeoutMs, retries: m.retries, ...(m.ipFamily && { ipFamily: m.ipFamily }) };
    for (const host of m.hosts) {
      for (const [ports, expected] of [[m.expectOpen, 'open'], [m.expectClosed, 'closed']] as const) {
        for (const port of ports) {
          const id = targetId(m.name, host, port);
          targets.set(id, { id, host, port, expected, ...common });
        }
      }
    }
  }
  return targets;
}
