import { randomInt, randomUUID } from 'node:crypto';
import { cldapRootDseSearch } from './cldap.js';
import { dnsRootQuery, mdnsServicesQuery } from './dns.js';
import { memcachedVersion } from './memcached.js';
import { netbiosNodeStatus } from './netbios.js';
import { ntpClientRequest } from './ntp.js';
import { portmapDump } from './portmap.js';
import { snmpGetRequest } from './snmp.js';
import { ssdpSearch } from './ssdp.js';
import { wsDiscoveryProbe } from './wsd.js';

type Payload = (address: string, port: number) => Buffer;

const id16 = (): number => randomInt(1, 0x10000);
const EMPTY = Buffer.alloc(0);

/**
 * The request each well-known UDP port gets: its service answers only a request it
 * understands, and any answer makes the port open. QOTD (17, RFC 865) and chargen (19,
 * RFC 864) ignore what a datagram holds, as does every other port: an empty datagram.
 */
const BY_PORT: ReadonlyMap<number, Payload> = new Map<number, Payload>([
  [53, () => dnsRootQuery(id16())],
  [111, () => portmapDump(randomInt(1, 2 ** 31))],
  [123, () => ntpClientRequest(Date.now())],
  [137, () => netbiosNodeStatus(id16())],
  [161, () => snmpGetRequest(randomInt(1, 2 ** 31))],
  [389, () => cldapRootDseSearch(randomInt(1, 2 ** 31))],
  [1900, ssdpSearch],
  [3702, () => wsDiscoveryProbe(randomUUID())],
  [5353, () => mdnsServicesQuery()],
  [11211, () => memcachedVersion(id16())],
]);

/** The datagram a UDP probe of this port sends. */
export function payloadFor(address: string, port: number): Buffer {
  return BY_PORT.get(port)?.(address, port) ?? EMPTY;
}

/** The ports that get a request of their protocol rather than an empty datagram. */
export const PAYLOAD_PORTS: readonly number[] = [...BY_PORT.keys()];
