import type { IpFamily } from '../config/types.js';
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
