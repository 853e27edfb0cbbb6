import type { Exchanged } from './dns-exchange.js';
import { RCODE, rcodeCode, type DnsResponse, type RecordType } from './dns-message.js';
import type { ResolvConf } from './resolv-conf.js';

// Which names are asked for a host name, in which order, and which answers end the search:
// glibc's __res_context_search (resolv/res_query.c). A name with at least `ndots` dots is
// asked as it is first; one with fewer tries the search domains first. A trailing dot means
// absolute: only the name itself. NXDOMAIN and NODATA move on to the next name, so does a
// SERVFAIL; a timeout or REFUSED ends the search list, though the name itself is still
// asked if it was not yet; a server that cannot be reached at all ends everything.

/** glibc's h_errno values for a name that was not found. */
export type HErrno = 'HOST_NOT_FOUND' | 'NO_DATA' | 'TRY_AGAIN' | 'NO_RECOVERY';

export interface Found {
  found: true;
  /** The name that answered: the host name itself or with a search domain. */
  name: string;
  replies: ReadonlyArray<{ type: RecordType; response: DnsResponse }>;
  lost: ReadonlyMap<RecordType, string>;
}

export interface NotFound {
  found: false;
  herrno: HErrno;
  /** ENOTFOUND, ENODATA, ESERVFAIL, ETIMEOUT, ECONNREFUSED, ... */
  code: string;
  /** Some server timed out or could not be reached (nss_dns then says UNAVAIL rather than NOTFOUND). */
  unavailable: boolean;
}

export type Ask = (name: string) => Promise<Exchanged>;

type SearchConf = Pick<ResolvConf, 'search' | 'ndots' | 'noTldQuery'>;

interface Failure {
  herrno: HErrno;
  code: string;
  /** SERVFAIL lets the search go on where another TRY_AGAIN ends it. */
  servfail: boolean;
}

export async function searchName(name: string, conf: SearchConf, ask: Ask): Promise<Found | NotFound> {
  const dots = [...name].filter((c) => c === '.').length;
  const trailingDot = name.endsWith('.');
  let unavailable = false;
  let last: Failure = { herrno: 'HOST_NOT_FOUND', code: 'ENOTFOUND', servfail: false };
  const query = async (candidate: string): Promise<Found | Failure> => {
    const exchanged = await ask(candidate);
    // Any failure to get a reply (not a name too long to ask) is what nss_dns calls UNAVAIL.
    if (!exchanged.ok && exchanged.code !== 'EBADNAME') unavailable = true;
    const judged = judge(candidate, exchanged);
    if (!('found' in judged)) last = judged;
    return judged;
  };
  const notFound = (f: Failure): NotFound => ({ found: false, herrno: f.herrno, code: f.code, unavailable });

  let asIs: Failure | undefined;
  if (dots >= conf.ndots || trailingDot) {
    const r = await query(name);
    if ('found' in r) return r;
    if (trailingDot) return notFound(r);
    asIs = r;
  }
  const listed = trailingDot ? { searched: false, rootListed: false } : await searchList(name, conf.search, query);
  if ('found' in listed) return listed;
  if ('herrno' in listed) return notFound(listed);
  if ((dots > 0 || !listed.searched || !conf.noTldQuery) && asIs === undefined && !listed.rootListed) {
    const r = await query(name);
    if ('found' in r) return r;
  }
  if (asIs !== undefined) return notFound(asIs);
  if (listed.gotNodata) return notFound({ herrno: 'NO_DATA', code: 'ENODATA', servfail: false });
  if (listed.gotServfail) return notFound({ herrno: 'TRY_AGAIN', code: 'ESERVFAIL', servfail: true });
  return notFound(last);
}

interface Listed {
  searched: boolean;
  rootListed: boolean;
  gotNodata?: boolean;
  gotServfail?: boolean;
}

/** The name with each search domain in turn, until one answers or an answer ends the list. */
async function searchList(
  name: string,
  search: readonly string[],
  query: (n: string) => Promise<Found | Failure>,
): Promise<Found | Failure | Listed> {
  const listed: Listed = { searched: false, rootListed: false, gotNodata: false, gotServfail: false };
  for (const entry of search) {
    listed.searched = true;
    // A leading dot is dropped; what is left empty is the root: the name asked as it is.
    const domain = entry.startsWith('.') ? entry.slice(1) : entry;
    if (domain === '') listed.rootListed = true;
    const r = await query(domain === '' ? `${name}.` : `${name}.${domain}`);
    if ('found' in r) return r;
    // No server could be reached at all: nothing else is asked.
    if (r.code === 'ECONNREFUSED') return { ...r, herrno: 'TRY_AGAIN' };
    if (r.herrno === 'NO_DATA') listed.gotNodata = true;
    else if (r.herrno === 'TRY_AGAIN' && r.servfail) listed.gotServfail = true;
    else if (r.herrno !== 'HOST_NOT_FOUND') break;
  }
  return listed;
}

/**
 * What one name's replies mean, as __res_context_query reads them: found when any reply
 * has answers; otherwise the first reply's rcode (the second's when the first is NOERROR).
 */
function judge(name: string, exchanged: Exchanged): Found | Failure {
  if (!exchanged.ok) {
    if (exchanged.code === 'EBADNAME') return { herrno: 'NO_RECOVERY', code: 'EBADNAME', servfail: false };
    return { herrno: 'TRY_AGAIN', code: exchanged.code, servfail: exchanged.lastRcode === RCODE.SERVFAIL };
  }
  const { replies, lost } = exchanged;
  if (replies.some((r) => r.response.rcode === RCODE.NOERROR && r.response.answerCount > 0))
    return { found: true, name, replies, lost };
  const first = replies[0]!.response;
  const rcode = first.rcode === RCODE.NOERROR ? (replies[1]?.response ?? first).rcode : first.rcode;
  if (rcode === RCODE.NXDOMAIN) return { herrno: 'HOST_NOT_FOUND', code: 'ENOTFOUND', servfail: false };
  if (rcode === RCODE.SERVFAIL) return { herrno: 'TRY_AGAIN', code: 'ESERVFAIL', servfail: true };
  if (rcode === RCODE.NOERROR) return { herrno: 'NO_DATA', code: 'ENODATA', servfail: false };
  return { herrno: 'NO_RECOVERY', code: rcodeCode(rcode), servfail: false };
}
