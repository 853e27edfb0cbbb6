import { sourceClaims, type NssStatus } from './nsswitch.js';
import type { SystemView } from './system-files.js';

/** What a name comes to: its addresses (with how long they may be kept), or why it has none. */
export type Answer = { addresses: string[]; ttlMs: number } | { reason: 'dns-failure' | 'no-address'; code: string };

export interface SourceSteps {
  /** getaddrinfo itself: its answer is final, whatever the hosts line says after. */
  lookup(): Promise<Answer>;
  /** portwatch's own DNS search, and the status nss_dns would give it. */
  dns(): Promise<{ status: NssStatus; answer: Answer }>;
}

/** Sources whose names portwatch knows (nsswitch.ts): asked through getaddrinfo only for those names. */
const MODELLED = ['myhostname', 'mdns'];

/**
 * The hosts line walked as glibc walks it, with two sources done here: files (a name
 * /etc/hosts lists goes to getaddrinfo, which answers it from the file) and dns (the search
 * in dns-search.ts, with TTLs and without a thread per lookup). nss-myhostname and nss-mdns
 * are asked, through getaddrinfo, only for the names they answer. Any other source is asked
 * the same way once DNS has said the name does not exist, never before DNS: a name DNS
 * answers is not first sent through a thread to a source that most likely does not know it.
 * [STATUS=return] criteria end the walk as in glibc.
 */
export async function walkSources(name: string, view: SystemView, steps: SourceSteps): Promise<Answer> {
  let failure: Answer = { reason: 'dns-failure', code: 'ENOTFOUND' };
  let dnsStatus: NssStatus | undefined;
  // An unknown source before dns is put off until DNS has said the name does not exist.
  let putOff = false;
  for (const source of view.sources) {
    let status: NssStatus;
    if (source.name === 'files') {
      if (view.hostsNames.has(name.toLowerCase())) return steps.lookup();
      status = 'notfound';
    } else if (source.name === 'dns') {
      const asked = await steps.dns();
      if (asked.status === 'success') return asked.answer;
      ({ status, answer: failure } = asked);
      dnsStatus = status;
      if (putOff && status === 'notfound' && source.actions.notfound === 'continue') return steps.lookup();
    } else if (sourceClaims(source.name, name, view.hostname)) {
      return steps.lookup();
    } else if (MODELLED.some((m) => source.name.startsWith(m))) {
      // nss-mdns passes names outside .local on (UNAVAIL); nss-myhostname does not know them.
      status = source.name.startsWith('mdns') ? 'unavail' : 'notfound';
    } else if (dnsStatus === 'notfound') {
      return steps.lookup();
    } else {
      putOff ||= dnsStatus === undefined;
      status = 'unavail';
    }
    if (source.actions[status] === 'return') return failure;
  }
  return failure;
}
