/**
 * What a probe found, as nmap names it (-sT for TCP, -sU for UDP). open|filtered is UDP's
 * silence: the port may be open and ignoring the datagram, or dropped on the way.
 */
export type PortState = 'open' | 'closed' | 'filtered' | 'open|filtered' | 'error';

/** The transport a port is checked over: the `protocol` label of every port series. */
export type Protocol = 'tcp' | 'udp';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];

/** What the operator declared for a port. */
export type Expectation = 'open' | 'closed';

/**
 * Why a probe ended the way it did, in nmap's --reason words.
 * open: syn-ack (TCP), udp-response (UDP). closed: conn-refused (TCP), port-unreach (UDP).
 * filtered: no-response (TCP), host-unreach, net-unreach, admin-prohibited, proto-unreach,
 * host-down. open|filtered: no-response (UDP).
 * error (the probe did not happen): dns-failure, no-address, no-route, fd-exhausted,
 * addr-unavailable, no-buffers, self-connect, local-error.
 */
export type Reason =
  | 'syn-ack'
  | 'udp-response'
  | 'conn-refused'
  | 'port-unreach'
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
  'open|filtered': -1,
  error: -2,
};

/**
 * Filtered and open|filtered satisfy "expected closed"; error is a violation only for
 * "expected open": a port we could not check is not known to be exposed.
 */
export function isViolation(expected: Expectation, state: PortState): boolean {
  return expected === 'open' ? state !== 'open' : state === 'open';
}
