const PMAP_PROGRAM = 100_000;
const PMAP_VERSION = 2;
const PMAPPROC_DUMP = 4;

/**
 * An ONC RPC call (RFC 5531 §9: xid, CALL, rpcvers 2, program, version, procedure, then
 * credential and verifier, both AUTH_NONE with no body) to portmap version 2's DUMP
 * procedure (RFC 1833 §3.2), which takes no arguments. Over UDP there is no record mark.
 */
export function portmapDump(xid: number): Buffer {
  const words = [xid, 0, 2, PMAP_PROGRAM, PMAP_VERSION, PMAPPROC_DUMP, 0, 0, 0, 0];
  const call = Buffer.alloc(words.length * 4);
  words.forEach((word, i) => call.writeUInt32BE(word >>> 0, i * 4));
  return call;
}
