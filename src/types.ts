/** What a TCP connect attempt found, as nmap -sT names it. */
export type PortState = 'open' | 'closed' | 'filtered' | 'error';

/** What the operator declared for a port. */
export type Expectation = 'open' | 'closed';

/**
 * Why a probe ended the way it did, in the spirit of nmap's --reason.
 * open: syn-ack. closed: conn-refused. filtered: no-response, host-unreach,
 * net-unreach, admin-prohibited, proto-unreach, host-down.
 * error (the probe did not happen): dns-failure, no-address, no-route, fd-exhausted,
 * addr-unavailable, no-buffers, self-connect, local-error.
 */
export type Reason =
  | 'syn-ack'
  | 'conn-refused'
  | 'no-response'
  | 'host-unreach'
  | 'net-unreach'
  | 'admin-prohibited'
  | 'proto-unreach'
  | 'host-down'
  | 'dns-failure'
  | 'no-address'
  /** This machine has no route for the address's family (an IPv4-only container and an AAAA record). */
  | 'no-route'
  | 'fd-exhausted'
  | 'addr-unavailable'
  | 'no-buffers'
  | 'self-connect'
  | 'local-error';

export interface ProbeResult {
  state: PortState;
  reason: Reason;
  /** Wall time of the connect attempt. */
  durationSeconds: number;
  /** The errno code (ECONNREFUSED, EMFILE, ...) when there was one, for logs. */
  code?: string;
}

/** The numeric encoding of port_state. */
export const STATE_VALUE: Readonly<Record<PortState, number>> = {
  open: 1,
  closed: 0,
  filtered: -1,
  error: -2,
};

/**
 * Filtered satisfies "expected closed"; error is a violation only for "expected open":
 * a port we could not check is not known to be exposed.
 */
export function isViolation(expected: Expectation, state: PortState): boolean {
  return expected === 'open' ? state !== 'open' : state === 'open';
}
