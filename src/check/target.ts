import type { Config, IpFamily } from '../config/types.js';
import { PortStore } from '../state/store.js';
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
  readonly ipFamily?: IpFamily | undefined;
}

/**
 * The targets of `config` by id, in configuration order: what a daemon's store holds for
 * it, without the records.
 */
export function targetsOf(config: Config): ReadonlyMap<string, CheckTarget> {
  const store = new PortStore();
  store.setTargets(config.monitors);
  return store.targets();
}
