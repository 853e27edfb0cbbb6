// Named groups of ports, usable in expect_open, expect_closed, discover.ports and allow.
// Port numbers are the IANA assignments or, where IANA has none or an outdated one, the
// product's default. PORT_GROUPS are TCP ports, UDP_PORT_GROUPS UDP ones.
import type { Protocol } from '../types.js';

export const PORT_GROUPS: Readonly<Record<string, readonly number[]>> = {
  databases: [
    1433, // Microsoft SQL Server
    1521, // Oracle TNS listener
    3306, // MySQL, MariaDB
    5432, // PostgreSQL
    5984, // CouchDB
    6379, // Redis
    7000, // Cassandra inter-node
    7474, // Neo4j HTTP
    7687, // Neo4j Bolt
    8086, // InfluxDB HTTP API
    9042, // Cassandra CQL
    9200, // Elasticsearch / OpenSearch HTTP
    9300, // Elasticsearch transport
    11211, // Memcached
    27017, // MongoDB
  ],
  'file-sharing': [
    21, // FTP control
    111, // rpcbind / portmapper (NFS)
    139, // NetBIOS session (SMB over NetBIOS)
    445, // SMB
    873, // rsync daemon
    2049, // NFS
  ],
  mail: [
    25, // SMTP
    110, // POP3
    143, // IMAP
    465, // SMTP submission over TLS
    587, // SMTP submission
    993, // IMAP over TLS
    995, // POP3 over TLS
  ],
  'remote-access': [
    23, // Telnet
    512, // rexec
    513, // rlogin
    514, // rsh
    3389, // RDP
    5900, // VNC display :0
    5901, // VNC display :1
    5985, // WinRM HTTP
    5986, // WinRM HTTPS
  ],
  web: [
    80, // HTTP
    443, // HTTPS
    8080, // HTTP alternate
    8443, // HTTPS alternate
  ],
};

/**
 * UDP services abused as reflectors in amplification DDoS attacks: a small request gets a
 * much larger answer sent to a spoofed source. Sources: US-CERT/CISA alert TA14-017A,
 * "UDP-Based Amplification Attacks" (revised 2018: DNS, NTP, CLDAP, CharGEN, SSDP,
 * SNMPv2, Portmap, QOTD, mDNS, NetBIOS, RIPv1, TFTP, Memcache), and Shadowserver's scan
 * reports "Open SSDP" and "Accessible WS-Discovery Service" (3702/udp). Protocols of the
 * alert without a fixed port (BitTorrent, Kad, game servers) are left out.
 */
export const UDP_PORT_GROUPS: Readonly<Record<string, readonly number[]>> = {
  'udp-amplification': [
    17, // QOTD
    19, // CharGEN
    53, // DNS
    69, // TFTP
    111, // portmap / rpcbind
    123, // NTP
    137, // NetBIOS name service
    161, // SNMP
    389, // CLDAP
    520, // RIPv1
    1900, // SSDP
    3702, // WS-Discovery
    5353, // mDNS
    11211, // memcached
  ],
};

/** The group names, sorted, for messages. */
export const PORT_GROUP_NAMES: readonly string[] = [
  ...Object.keys(PORT_GROUPS),
  ...Object.keys(UDP_PORT_GROUPS),
].sort();

/** A group's protocol and ports, or undefined for a name that is no group. */
export function portGroup(name: string): { protocol: Protocol; ports: readonly number[] } | undefined {
  if (Object.hasOwn(PORT_GROUPS, name)) return { protocol: 'tcp', ports: PORT_GROUPS[name]! };
  if (Object.hasOwn(UDP_PORT_GROUPS, name)) return { protocol: 'udp', ports: UDP_PORT_GROUPS[name]! };
  return undefined;
}
