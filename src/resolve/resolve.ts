import dns from 'node:dns';
import net from 'node:net';
import type { RecordType } from './dns-message.js';
import { lookupDns } from './dns-lookup.js';
import { walkSources, type Answer } from './host-sources.js';
import { SystemFiles, type SystemView } from './system-files.js';

export type Resolution = { addresses: string[] } | { reason: 'dns-failure' | 'no-address'; message: string };

/** getaddrinfo, as dns.lookup gives it; `family` 0 asks for both. */
export type Lookup = (host: string, family: 0 | 4 | 6) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** Which families to ask for: a monitor with ip_family ipv4 need not wait for AAAA answers. */
export interface Want {
  ipv4: boolean;
  ipv6: boolean;
}

const BOTH: Want = { ipv4: true, ipv6: true };

export interface ResolverOptions {
  /** How long a getaddrinfo answer (a name in /etc/hosts, another NSS source) is reused. DNS answers keep their TTL. */
  ttlMs?: number;
  now?: () => number;
  /** getaddrinfo by default. */
  lookup?: Lookup;
  /** What resolv.conf, hosts and nsswitch.conf say: by default the files in /etc, read again when they change. */
  system?: { current(): SystemView };
  /** A getaddrinfo call still unanswered after this is a failure (its thread cannot be stopped). Default 10 s. */
  deadlineMs?: number;
}

const systemLookup: Lookup = (host, family) => dns.promises.lookup(host, { all: true, verbatim: true, family });

// "The name exists but has no record of that type": an answer, not a failure.
const NO_ADDRESS_CODES = new Set(['ENODATA', 'EAI_NODATA']);
const NUMERIC_TLD = /(?:^|\.)\d+\.?$/;

/**
 * Host names to every address they have, so each can be probed on its own (a port open
 * on IPv6 only is an exposure too), as getaddrinfo would give them on this machine or in
 * this pod: /etc/hosts, then DNS with resolv.conf's search list, ndots and options, then the
 * other sources of nsswitch.conf (host-sources.ts). DNS is asked by portwatch itself over
 * UDP (dns-exchange.ts), so a stalled server takes none of libuv's four threads, and its
 * answers carry their TTL, which is how long they are kept. Failures are never cached: the
 * next check asks again, so a name recovers on its own. Concurrent lookups of one name are
 * shared, so checking 65535 ports of a host costs one.
 */
export class Resolver {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #lookup: Lookup;
  readonly #system: { current(): SystemView };
  readonly #deadlineMs: number;
  readonly #cache = new Map<string, { addresses: readonly string[]; expires: number }>();
  readonly #inFlight = new Map<string, Promise<Answer>>();
  #nextSweep = 0;
  #view: SystemView | undefined;

  constructor(opts: ResolverOptions = {}) {
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
    this.#lookup = opts.lookup ?? systemLookup;
    this.#system = opts.system ?? new SystemFiles();
    this.#deadlineMs = opts.deadlineMs ?? 10_000;
  }

  /**
   * Never rejects. IP literals come back as they are, without a lookup, in an answer that
   * is shared and frozen; names' answers are copies. Either way no caller can change what
   * another sees.
   */
  async resolve(host: string, want: Want = BOTH): Promise<Resolution> {
    const literal = literalAnswer(host);
    if (literal !== undefined) return literal;
    // A last label of digits is no host name but a mistyped address ("198.51.100.999"):
    // asking DNS for it would only send a query off the machine that cannot succeed.
    if (NUMERIC_TLD.test(host)) {
      return { reason: 'no-address', message: `${host} is neither an IP address nor a host name` };
    }
    const view = this.#system.current();
    if (view !== this.#view) {
      // Edited files can change any answer (another search list, a name added to /etc/hosts): none outlives them.
      this.#view = view;
      this.#cache.clear();
    }
    const key = `${host.toLowerCase()} ${want.ipv4 ? 4 : ''}${want.ipv6 ? 6 : ''}`;
    const answer = await this.#shared(key, () => this.#answer(host, want, view));
    if ('reason' in answer) return resolution(host, want, answer);
    const addresses = ordered(answer.addresses).filter((a) => (net.isIPv4(a) ? want.ipv4 : want.ipv6));
    return addresses.length > 0 ? { addresses } : resolution(host, want, { reason: 'no-address', code: '' });
  }

  #answer(host: string, want: Want, view: SystemView): Promise<Answer> {
    const types: RecordType[] = [
      ...(want.ipv4 ? ['A' as const] : []),
      ...(want.ipv6 && !view.resolv.noAaaa ? ['AAAA' as const] : []),
    ];
    return walkSources(host, view, {
      lookup: () => this.#viaLookup(host, want),
      dns: () => lookupDns(host, types, view.resolv),
    });
  }

  /** A fresh cached answer, or the one lookup under way for `key`, or a new one. Only addresses are kept. */
  async #shared(key: string, ask: () => Promise<Answer>): Promise<Answer> {
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expires > this.#now()) return { addresses: [...cached.addresses], ttlMs: 0 };
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = Promise.resolve()
        .then(ask)
        .catch((err: unknown): Answer => ({ reason: 'dns-failure', code: codeOf(err) }))
        .then((answer) => {
          if ('addresses' in answer && answer.addresses.length > 0) this.#store(key, answer.addresses, answer.ttlMs);
          return answer;
        })
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    const answer = await pending;
    return 'addresses' in answer ? { addresses: [...answer.addresses], ttlMs: answer.ttlMs } : answer;
  }

  /** getaddrinfo, bounded by the deadline; its answers are kept for ttlMs, as it gives no TTL. */
  async #viaLookup(host: string, want: Want): Promise<Answer> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Answer>((resolve) => {
      timer = setTimeout(() => resolve({ reason: 'dns-failure', code: 'ETIMEOUT' }), this.#deadlineMs);
    });
    const family = want.ipv4 && want.ipv6 ? 0 : want.ipv4 ? 4 : 6;
    const asked = Promise.resolve()
      .then(() => this.#lookup(host, family))
      .then((found): Answer => ({ addresses: found.map((a) => a.address), ttlMs: this.#ttlMs }))
      .catch((err: unknown): Answer => {
        const code = codeOf(err);
        return { reason: NO_ADDRESS_CODES.has(code) ? 'no-address' : 'dns-failure', code };
      });
    return Promise.race([asked, deadline]).finally(() => clearTimeout(timer));
  }

  #store(key: string, addresses: readonly string[], ttlMs: number): void {
    this.#sweep();
    this.#cache.set(key, { addresses, expires: this.#now() + ttlMs });
  }

  /** Forgets expired answers now and then, so names dropped from the config do not pile up. */
  #sweep(): void {
    const now = this.#now();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + this.#ttlMs;
    for (const [key, entry] of this.#cache) if (entry.expires <= now) this.#cache.delete(key);
  }
}

function resolution(
  host: string,
  want: Want,
  failure: { reason: 'dns-failure' | 'no-address'; code: string },
): Resolution {
  if (failure.reason === 'dns-failure')
    return { reason: 'dns-failure', message: `cannot resolve ${host}: ${failure.code}` };
  const families = want.ipv4 && want.ipv6 ? 'IPv4 or IPv6' : want.ipv4 ? 'IPv4' : 'IPv6';
  return {
    reason: 'no-address',
    message: `${host} has no ${families} address${failure.code ? ` (${failure.code})` : ''}`,
  };
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(err);
}

/**
 * The answer for an IP literal, made once per literal and shared (frozen, so no caller can
 * change it for the others): every check of a literal host asks, and an answer made per
 * check lives as long as the check, which is what V8 may take for long-lived objects and
 * start allocating in the old generation, where garbage then piles up until a full GC.
 */
const literals = new Map<string, Resolution>();
const MAX_LITERALS = 65_536;

/** The answer for `host` when it is an IP literal, without asking anyone; undefined for a name. */
export function literalAnswer(host: string): Resolution | undefined {
  // The cache first: a Map lookup is cheaper than isIP's regular expressions, once per check.
  let answer = literals.get(host);
  if (answer === undefined) {
    if (net.isIP(host) === 0) return undefined;
    // Bounded: literals dropped from the config by reloads do not pile up.
    if (literals.size >= MAX_LITERALS) literals.clear();
    answer = Object.freeze({ addresses: Object.freeze([host]) as string[] });
    literals.set(host, answer);
  }
  return answer;
}

/** IPv4 before IPv6, each in the resolver's order, without duplicates. */
function ordered(addresses: readonly string[]): string[] {
  const unique = [...new Set(addresses)];
  return [...unique.filter((a) => net.isIPv4(a)), ...unique.filter((a) => !net.isIPv4(a))];
}

export const defaultResolver = new Resolver();

/** Resolves through the shared default resolver and its cache. */
export function resolveHost(host: string, want?: Want): Promise<Resolution> {
  return defaultResolver.resolve(host, want);
}
