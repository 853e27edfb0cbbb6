/** Resource record types and classes used here (RFC 1035 §3.2.2, §3.2.4; RFC 6762 §5.4). */
export const TYPE_NS = 2;
export const TYPE_PTR = 12;
export const CLASS_IN = 1;
/** The top bit of an mDNS question's class: "answer me by unicast" (RFC 6762 §5.4). */
export const CLASS_UNICAST_RESPONSE = 0x8000;

export interface DnsQuestion {
  id: number;
  name: string;
  type: number;
  qclass: number;
  recursionDesired: boolean;
}

/**
 * One DNS query message (RFC 1035 §4.1): a 12-byte header (ID, flags with only RD, one
 * question, no records) and the question (name as length-prefixed labels, type, class).
 */
export function dnsQuery(q: DnsQuestion): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(q.recursionDesired ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(q.type, 0);
  tail.writeUInt16BE(q.qclass, 2);
  return Buffer.concat([header, encodeName(q.name), tail]);
}

/** A name as labels of at most 63 octets each, ended by the root's empty label (RFC 1035 §3.1). */
function encodeName(name: string): Buffer {
  const labels = name.split('.').filter((label) => label !== '');
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new RangeError(`DNS label longer than 63 octets: ${label}`);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** The root zone's NS records, recursion desired: a resolver or an authoritative server answers it. */
export const dnsRootQuery = (id: number): Buffer =>
  dnsQuery({ id, name: '.', type: TYPE_NS, qclass: CLASS_IN, recursionDesired: true });

/**
 * The DNS-SD service enumeration (RFC 6763 §9), asked with the unicast-response bit: a
 * question from a port other than 5353 is a legacy unicast query (RFC 6762 §6.7), ID 0 as §18.1 asks.
 */
export const mdnsServicesQuery = (): Buffer =>
  dnsQuery({
    id: 0,
    name: '_services._dns-sd._udp.local',
    type: TYPE_PTR,
    qclass: CLASS_IN | CLASS_UNICAST_RESPONSE,
    recursionDesired: false,
  });
