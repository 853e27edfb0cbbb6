import { exchange } from './dns-exchange.js';
import { addressesOf, RCODE, rcodeCode, type RecordType } from './dns-message.js';
import { searchName, type Found } from './dns-search.js';
import type { Answer } from './host-sources.js';
import type { NssStatus } from './nsswitch.js';
import type { ResolvConf } from './resolv-conf.js';

const MIN_TTL_S = 1;
const MAX_TTL_S = 3600;

/**
 * A host name through DNS as getaddrinfo's dns source asks it: the search list, A and AAAA
 * (those of `types`) together for each name tried. The addresses of the name that answered
 * are kept for the lowest TTL among the records used (1 s to 1 h).
 */
export async function lookupDns(
  host: string,
  types: readonly RecordType[],
  conf: ResolvConf,
): Promise<{ status: NssStatus; answer: Answer }> {
  if (types.length === 0) return { status: 'notfound', answer: { reason: 'no-address', code: 'ENODATA' } };
  const result = await searchName(host, conf, (name) => exchange(name, types, conf));
  if (result.found) return { status: 'success', answer: answerOf(result, types) };
  const reason = result.herrno === 'NO_DATA' ? 'no-address' : 'dns-failure';
  return { status: result.unavailable ? 'unavail' : 'notfound', answer: { reason, code: result.code } };
}

/**
 * The addresses in the replies for the name that answered. A family whose query failed
 * there (SERVFAIL, no reply in time) fails the whole name, where getaddrinfo would return
 * the other family alone: an address silently missing would take its ports' states with it.
 */
function answerOf(found: Found, types: readonly RecordType[]): Answer {
  const addresses: string[] = [];
  let ttl = MAX_TTL_S;
  for (const type of types) {
    const lost = found.lost.get(type);
    const reply = found.replies.find((r) => r.type === type)?.response;
    if (lost !== undefined || reply === undefined) return { reason: 'dns-failure', code: lost ?? 'ETIMEOUT' };
    if (reply.rcode !== RCODE.NOERROR && reply.rcode !== RCODE.NXDOMAIN)
      return { reason: 'dns-failure', code: rcodeCode(reply.rcode) };
    const got = addressesOf(reply, found.name, type);
    addresses.push(...got.addresses);
    if (got.ttl !== undefined) ttl = Math.min(ttl, got.ttl);
  }
  // Answers, but none for these families (a CNAME leading nowhere): no address, and nothing more is searched.
  if (addresses.length === 0) return { reason: 'no-address', code: 'ENODATA' };
  return { addresses, ttlMs: Math.max(MIN_TTL_S, ttl) * 1000 };
}
