import type { ProbeResult, Protocol } from '../types.js';

export type { Protocol } from '../types.js';

/**
 * Options a prober takes beyond address, port and timeout, per protocol. Neither needs any:
 * the UDP prober picks its payload from the port.
 */
export interface ProberOptions {
  tcp: undefined;
  udp: undefined;
}

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
