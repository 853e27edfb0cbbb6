import type { Classification } from './classify.js';

/**
 * What an error on a connected UDP socket means once its datagram is out, as nmap -sU
 * names the ICMP behind it. Linux reports only the "hard" ICMP errors to a socket without
 * IP_RECVERR (icmp_err_convert's fatal ones): port unreachable (ECONNREFUSED), the
 * administratively prohibited codes (IPv4 10, 13, 14, 15 as EHOSTUNREACH; ICMPv6 code 1,
 * 5, 6 as EACCES), net unknown or prohibited (ENETUNREACH), protocol unreachable
 * (ENOPROTOOPT), host unknown (EHOSTDOWN). Host and net unreachable (IPv4 codes 0 and 1,
 * ICMPv6 0 and 3) are soft errors it keeps to itself: such a port stays silent here.
 */
const BY_CODE: ReadonlyMap<string, Classification> = new Map<string, Classification>([
  ['ECONNREFUSED', { state: 'closed', reason: 'port-unreach' }],
  ['EHOSTUNREACH', { state: 'filtered', reason: 'admin-prohibited' }],
  ['EACCES', { state: 'filtered', reason: 'admin-prohibited' }],
  ['ENETUNREACH', { state: 'filtered', reason: 'net-unreach' }],
  ['ENOPROTOOPT', { state: 'filtered', reason: 'proto-unreach' }],
  ['EHOSTDOWN', { state: 'filtered', reason: 'host-down' }],
]);

/** The verdict an ICMP error reported on the socket gives, or undefined when the code is no ICMP error. */
export function classifyIcmpError(code: string | undefined): Classification | undefined {
  return code === undefined ? undefined : BY_CODE.get(code);
}
