import type { ProbeResult } from '../types.js';

/**
 * Options a prober takes beyond address, port and timeout, per protocol. TCP needs none;
 * a protocol that sends a payload (UDP) says here what it takes.
 */
export interface ProberOptions {
  tcp: undefined;
}

/** The protocols portwatch can check: the keys of the prober registry. */
export type Protocol = keyof ProberOptions;

/**
 * One check of one port of one literal address: no DNS, no retries of its own, no limits
 * (ProbeCapacity applies those). Never rejects: every failure is a result with its reason.
 */
export type Prober<P extends Protocol = Protocol> = (
  address: string,
  port: number,
  timeoutMs: number,
  options: ProberOptions[P],
) => Promise<ProbeResult>;
