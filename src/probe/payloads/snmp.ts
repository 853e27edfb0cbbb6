import { integer, nullValue, objectId, octetString, sequence, tlv } from './ber.js';

/** sysDescr.0 (RFC 3418): every agent has it, and any view that exists shows it. */
const SYS_DESCR = '1.3.6.1.2.1.1.1.0';

/**
 * An SNMPv2c GetRequest for sysDescr.0 with community "public": the community-based
 * message of RFC 1901 §3 (version 1 = v2c, community, PDU) around RFC 3416 §3's
 * GetRequest-PDU ([0] IMPLICIT: request-id, error-status 0, error-index 0, one binding
 * whose value is NULL). An agent answers a community it does not know with silence.
 */
export function snmpGetRequest(requestId: number, community = 'public'): Buffer {
  const binding = sequence(objectId(SYS_DESCR), nullValue());
  const pdu = tlv(0xa0, Buffer.concat([integer(requestId), integer(0), integer(0), sequence(binding)]));
  return sequence(integer(1), octetString(community), pdu);
}
