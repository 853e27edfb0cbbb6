import type { PortState, Reason } from '../types.js';

export interface Classification {
  state: PortState;
  reason: Reason;
}

/**
 * What each errno of a failed connect() means, as nmap -sT reads it. A refusal is an
 * answer (closed); ICMP errors and silence mean something in the path filters (filtered);
 * resource errors mean the probe never left this host (error), so they must never look
 * like an answer from the target.
 */
const BY_CODE: ReadonlyMap<string, Classification> = new Map<string, Classification>([
  ['ECONNREFUSED', { state: 'closed', reason: 'conn-refused' }],
  // On IPv4 also ICMP "administratively prohibited" (code 13): connect() cannot tell them
  // apart, and nmap -sT --reason says host-unreach for it too (test/abuse/admin-prohibited).
  ['EHOSTUNREACH', { state: 'filtered', reason: 'host-unreach' }],
  ['ENETUNREACH', { state: 'filtered', reason: 'net-unreach' }],
  // A "prohibit" route, or ICMPv6 administratively prohibited (IPv4's arrives as EHOSTUNREACH).
  ['EACCES', { state: 'filtered', reason: 'admin-prohibited' }],
  ['EPERM', { state: 'filtered', reason: 'admin-prohibited' }],
  ['ENOPROTOOPT', { state: 'filtered', reason: 'proto-unreach' }],
  ['EHOSTDOWN', { state: 'filtered', reason: 'host-down' }],
  // The kernel gave up on its own SYN retries before our timer fired: silence all the same.
  ['ETIMEDOUT', { state: 'filtered', reason: 'no-response' }],
  ['EMFILE', { state: 'error', reason: 'fd-exhausted' }],
  ['ENFILE', { state: 'error', reason: 'fd-exhausted' }],
  ['EADDRNOTAVAIL', { state: 'error', reason: 'addr-unavailable' }],
  ['ENOBUFS', { state: 'error', reason: 'no-buffers' }],
]);

const LOCAL_ERROR: Classification = { state: 'error', reason: 'local-error' };

export const TIMED_OUT: Classification = { state: 'filtered', reason: 'no-response' };

/** The state and reason for a connect() error code; unknown or missing codes are local errors. */
export function classifyError(code: string | undefined): Classification {
  return (code === undefined ? undefined : BY_CODE.get(code)) ?? LOCAL_ERROR;
}
