/**
 * memcached's UDP request (its protocol.txt, "UDP protocol"): an 8-byte frame header
 * (request ID, sequence number 0, datagrams in this message 1, reserved 0) before a
 * text command; "version\r\n" asks the least of the server. Without the header the
 * server drops the datagram.
 */
export function memcachedVersion(requestId: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(requestId, 0);
  header.writeUInt16BE(0, 2);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, Buffer.from('version\r\n', 'latin1')]);
}
