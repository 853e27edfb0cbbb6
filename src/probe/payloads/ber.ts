// The few ASN.1 BER encodings (ITU-T X.690 §8) that the SNMP and CLDAP requests need:
// definite lengths (short form below 128, long form above), universal tags by number.

/** A tag-length-value: X.690 §8.1.2 (identifier), §8.1.3 (length), then the content. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOf(content.length), content]);
}

function lengthOf(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));

/** A non-negative INTEGER (§8.3) in the fewest octets, with a leading zero when the top bit is set. */
export function integer(value: number): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0 || bytes.length === 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

export const octetString = (text: string): Buffer => tlv(0x04, Buffer.from(text, 'latin1'));
export const enumerated = (value: number): Buffer => tlv(0x0a, Buffer.from([value]));
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]));
export const nullValue = (): Buffer => tlv(0x05, Buffer.alloc(0));

/** An OBJECT IDENTIFIER (§8.19): the first two arcs in one octet, the rest base 128. */
export function objectId(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const digits: number[] = [];
    for (let v = arc; v > 0 || digits.length === 0; v = Math.floor(v / 128)) digits.unshift(v % 128);
    bytes.push(...digits.map((d, i) => (i < digits.length - 1 ? d | 0x80 : d)));
  }
  return tlv(0x06, Buffer.from(bytes));
}
