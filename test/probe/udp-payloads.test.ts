import { describe, expect, it } from 'vitest';
import { integer, objectId, tlv } from '../../src/probe/payloads/ber.js';
import { cldapRootDseSearch } from '../../src/probe/payloads/cldap.js';
import { dnsRootQuery, mdnsServicesQuery } from '../../src/probe/payloads/dns.js';
import { payloadFor } from '../../src/probe/payloads/index.js';
import { memcachedVersion } from '../../src/probe/payloads/memcached.js';
import { netbiosNodeStatus } from '../../src/probe/payloads/netbios.js';
import { ntpClientRequest } from '../../src/probe/payloads/ntp.js';
import { portmapDump } from '../../src/probe/payloads/portmap.js';
import { snmpGetRequest } from '../../src/probe/payloads/snmp.js';
import { ssdpSearch } from '../../src/probe/payloads/ssdp.js';
import { wsDiscoveryProbe } from '../../src/probe/payloads/wsd.js';

// Each request against its byte layout as the specification draws it, field by field (the
// expected bytes are written out here from the spec, not produced by our encoders). The
// daemons that answer them are in udp-netns.test.ts.
const hex = (...fields: string[]): string => fields.join('').replace(/\s+/g, '');

describe('UDP request payloads, byte for byte', () => {
  it('BER (X.690): short and long lengths, integers with a sign octet, OID arcs in base 128', () => {
    expect(tlv(0x04, Buffer.alloc(5)).subarray(0, 2).toString('hex')).toBe('0405');
    expect(tlv(0x04, Buffer.alloc(200)).subarray(0, 3).toString('hex')).toBe('0481c8');
    expect(tlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('0482012c');
    expect(integer(0).toString('hex')).toBe('020100');
    expect(integer(128).toString('hex')).toBe('02020080');
    expect(integer(0x12345).toString('hex')).toBe('020301' + '2345');
    // 1.3.6.1.4.1.8072 (net-snmp's enterprise): 8072 = 63 * 128 + 8.
    expect(objectId('1.3.6.1.4.1.8072').toString('hex')).toBe('06072b06010401bf08');
  });

  it('DNS (RFC 1035 §4.1): header with RD, the root name, type NS, class IN', () => {
    expect(dnsRootQuery(0x1234).toString('hex')).toBe(
      hex('1234', '0100', '0001', '0000', '0000', '0000', '00', '0002', '0001'),
    );
  });

  it('mDNS (RFC 6762 §5.4, §18.1): ID 0, no flags, PTR _services._dns-sd._udp.local, class IN with the QU bit', () => {
    const labels = ['_services', '_dns-sd', '_udp', 'local']
      .map((l) => l.length.toString(16).padStart(2, '0') + Buffer.from(l).toString('hex'))
      .join('');
    expect(mdnsServicesQuery().toString('hex')).toBe(
      hex('0000', '0000', '0001', '0000', '0000', '0000', labels, '00', '000c', '8001'),
    );
  });

  it('NTP (RFC 5905 §7.3): 48 octets, LI 0 VN 4 mode 3, the transmit timestamp in the last 8', () => {
    const packet = ntpClientRequest(0);
    expect(packet.length).toBe(48);
    expect(packet[0]).toBe(0b00_100_011);
    expect(packet.subarray(1, 40).every((b) => b === 0)).toBe(true);
    // The Unix epoch in NTP's era 0: 2,208,988,800 s = 0x83aa7e80.
    expect(packet.subarray(40).toString('hex')).toBe('83aa7e8000000000');
    expect(ntpClientRequest(500).readUInt32BE(44)).toBe(2 ** 31);
  });

  it('SNMPv2c (RFC 1901 §3, RFC 3416 §3): GetRequest sysDescr.0, community public', () => {
    expect(snmpGetRequest(1).toString('hex')).toBe(
      hex(
        '3026', // Message SEQUENCE
        '020101', // version 1 (v2c)
        '0406',
        Buffer.from('public').toString('hex'),
        'a019', // GetRequest-PDU
        '020101',
        '020100',
        '020100', // request-id 1, error-status, error-index
        '300e',
        '300c',
        '06082b06010201010100',
        '0500', // sysDescr.0 = NULL
      ),
    );
  });

  it('CLDAP (RFC 4511 §4.5.1): searchRequest of the root DSE, base scope, (objectClass=*)', () => {
    expect(cldapRootDseSearch(1).toString('hex')).toBe(
      hex(
        '3025',
        '020101', // LDAPMessage, messageID 1
        '6320', // [APPLICATION 3] searchRequest
        '0400',
        '0a0100',
        '0a0100', // baseObject "", scope base, derefAliases never
        '020100',
        '020100',
        '010100', // sizeLimit 0, timeLimit 0, typesOnly FALSE
        '870b',
        Buffer.from('objectClass').toString('hex'), // present filter
        '3000', // no attributes: all user attributes
      ),
    );
  });

  it('memcached (protocol.txt, UDP): request ID, sequence 0, 1 datagram, reserved, then the command', () => {
    expect(memcachedVersion(0xbeef).toString('hex')).toBe(
      hex('beef', '0000', '0001', '0000', Buffer.from('version\r\n').toString('hex')),
    );
  });

  it('NetBIOS (RFC 1002 §4.2.17): NODE STATUS REQUEST for "*", encoded CKAAAA...', () => {
    const name = Buffer.from('CK' + 'A'.repeat(30)).toString('hex');
    expect(netbiosNodeStatus(0x0102).toString('hex')).toBe(
      hex('0102', '0000', '0001', '0000', '0000', '0000', '20', name, '00', '0021', '0001'),
    );
  });

  it('portmap (RFC 5531 §9, RFC 1833 §3.2): CALL rpcvers 2, program 100000 v2, DUMP, AUTH_NONE twice', () => {
    expect(portmapDump(0x01020304).toString('hex')).toBe(
      hex(
        '01020304',
        '00000000',
        '00000002',
        '000186a0',
        '00000002',
        '00000004',
        '0000000000000000',
        '0000000000000000',
      ),
    );
  });

  it('SSDP (UDA 1.1 §1.3.2): a unicast M-SEARCH names the host searched, brackets for IPv6', () => {
    expect(ssdpSearch('2001:db8::5', 1900).toString()).toBe(
      'M-SEARCH * HTTP/1.1\r\nHOST: [2001:db8::5]:1900\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\n\r\n',
    );
    expect(ssdpSearch('198.51.100.5', 1900).toString()).toContain('HOST: 198.51.100.5:1900\r\n');
  });

  it('WS-Discovery (2005/04 §5.2): a SOAP 1.2 Probe to the discovery URN with its message ID', () => {
    const xml = wsDiscoveryProbe('00000000-0000-4000-8000-000000000000').toString();
    expect(xml).toContain('<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>');
    expect(xml).toContain('<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>');
    expect(xml).toContain('<wsa:MessageID>urn:uuid:00000000-0000-4000-8000-000000000000</wsa:MessageID>');
    expect(xml).toMatch(/<soap:Body><wsd:Probe\/><\/soap:Body><\/soap:Envelope>$/);
  });

  it('picks the request by port; QOTD, chargen and unknown ports get an empty datagram', () => {
    expect(payloadFor('198.51.100.5', 53).readUInt16BE(4)).toBe(1);
    expect(payloadFor('198.51.100.5', 161)[0]).toBe(0x30);
    expect(payloadFor('198.51.100.5', 11211).subarray(8).toString()).toBe('version\r\n');
    for (const port of [17, 19, 7000]) expect(payloadFor('198.51.100.5', port).length).toBe(0);
  });
});
