import type { Expectation, PortState, Protocol, Reason } from '../types.js';
import type { Target } from './target.js';

/**
 * The believed state of one port on one address of a target. A class rather than an object
 * literal: records live as long as their target, and scenario 1's peak RSS is lower when they
 * are not made at a literal's allocation site (docs/performance.md).
 */
export class PortRecord {
  constructor(
    /** Whose record it is: monitor, host, port, expectation and labels are the target's. */
    readonly target: Target,
    /** The address probed; "" when the host did not resolve. */
    readonly ip: string,
    public state: PortState,
    public reason: Reason,
    /** Epoch ms of the last confirmed change of state, or of the first result. */
    public changedAt: number,
    /** Epoch ms at which the last check of this port ended. */
    public checkedAt: number,
    public durationSeconds: number,
  ) {}

  /**
   * The record's labels as /metrics writes them, encoded at its first scrape: they never change
   * while the record lives (new labels or a new expectation make a new record).
   */
  exposedLabels: Buffer | undefined = undefined;
}

/** What names a record's port, as its series, its log lines and the check API name it. */
export interface PortIdentity {
  monitor: string;
  host: string;
  ip: string;
  port: number;
  protocol: Protocol;
  expected: Expectation;
}

export function identityOf({ target: t, ip }: PortRecord): PortIdentity {
  return { monitor: t.monitor, host: t.host, ip, port: t.port, protocol: t.protocol, expected: t.expected };
}
