/**
 * A NetBIOS NODE STATUS REQUEST (RFC 1002 §4.2.17): the name service header (§4.2.1.1:
 * transaction ID, opcode query with no flags, one question) and the question "*" (the
 * wildcard name, padded to 16 octets with NULs, first-level encoded as §4.1: each half
 * octet plus 'A'), type NBSTAT (0x0021), class IN.
 */
export function netbiosNodeStatus(transactionId: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(transactionId, 0);
  header.writeUInt16BE(1, 4);
  const name = Buffer.alloc(16);
  name.write('*', 'latin1');
  const encoded = [...name].flatMap((b) => [0x41 + (b >> 4), 0x41 + (b & 0x0f)]);
  const question = Buffer.from([encoded.length, ...encoded, 0, 0x00, 0x21, 0x00, 0x01]);
  return Buffer.concat([header, question]);
}
