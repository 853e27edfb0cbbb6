import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export type Resolution = { addresses: string[] } | { reason: 'dns-failure' | 'no-address'; message: string };

export type Lookup = (host: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** One DNS query of one record type, answering addresses with their TTL in seconds. */
export type Query = (host: string, type: 'A' | 'AAAA') => Promise<ReadonlyArray<{ address: string; ttl: number }>>;

/** Which families to ask for: a monitor with ip_family ipv4 need not wait for AAAA answers. */
export interface Want {
  ipv4: boolean;
  ipv6: boolean;
}

const BOTH: Want = { ipv4: true, ipv6: true };

export interface ResolverOptions {
  /** How long a getaddrinfo answer (a name in /etc/hosts) is reused. DNS answers keep their own TTL. */
  ttlMs?: number;
  now?: () => number;
  /** getaddrinfo by default. Given without `query`, it answers every name (tests). */
  lookup?: Lookup;
  /** DNS queries through c-ares by default. */
  query?: Query;
  /** Whether getaddrinfo answers a name: by default, names in /etc/hosts and single labels (search domains). */
  useLookup?: (name: string) => boolean;
  /** Any lookup still unanswered after this is a failure (the resolver's own timeouts come first). Default 5 s. */
  deadlineMs?: number;
}

const systemLookup: Lookup = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

// c-ares: 1 s for the first try, 2 s for the second, per server; then ETIMEOUT.
let cares: dns.promises.Resolver | undefined;
const caresQuery: Query = (host, type) => {
  // Made on first use, so it reads the resolv.conf of the namespace the process runs in.
  cares ??= new dns.promises.Resolver({ timeout: 1000, tries: 2 });
  return type === 'A' ? cares.resolve4(host, { ttl: true }) : cares.resolve6(host, { ttl: true });
};

// "The name exists but has no record of that type": an answer, not a failure.
const NO_ADDRESS_CODES = new Set(['ENODATA', 'EAI_NODATA']);
const MIN_TTL_MS = 1000;
const NUMERIC_TLD = /(?:^|\.)\d+\.?$/;
const MAX_TTL_MS = 3_600_000;

type Answer = { addresses: string[] } | { code: string };
interface Entry {
  addresses: readonly string[];
  expires: number;
}

/**
 * Host names to every address they have, so each can be probed on its own (a port open
 * on IPv6 only is an exposure too). Names in /etc/hosts go through getaddrinfo, exactly
 * as before; other names are asked of DNS with c-ares (A and AAAA at once), whose queries
 * do not take one of libuv's four threads, so a stalled resolver cannot starve other
 * lookups or fs work, and whose answers carry their TTL, which is how long they are kept.
 * Failures are never cached: the next check asks again, so a name recovers on its own.
 * Concurrent lookups of one name are shared, so checking 65535 ports of a host costs one.
 */
export class Resolver {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #lookup: Lookup;
  readonly #query: Query | undefined;
  readonly #useLookup: (name: string) => boolean;
  readonly #deadlineMs: number;
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Answer>>();
  #nextSweep = 0;

  constructor(opts: ResolverOptions = {}) {
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
    this.#lookup = opts.lookup ?? systemLookup;
    this.#query = opts.query ?? (opts.lookup === undefined ? caresQuery : undefined);
    const hosts = new HostsFile();
    this.#useLookup = opts.useLookup ?? ((name) => !name.replace(/\.$/, '').includes('.') || hosts.has(name));
    this.#deadlineMs = opts.deadlineMs ?? 5000;
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
    if (NUMERIC_TLD.test(host)) return { reason: 'no-address', message: `${host} is neither an IP address nor a host name` };
    const name = host.toLowerCase();
    const answers =
      this.#query === undefined || this.#useLookup(name)
        ? [await this.#shared(`lookup ${name}`, () => this.#viaLookup(host))]
        : await Promise.all([...(want.ipv4 ? ['A' as const] : []), ...(want.ipv6 ? ['AAAA' as const] : [])].map((t) => this.#shared(`${t} ${name}`, () => this.#viaQuery(host, t))));
    // Any failed part fails the whole: a partial answer would silently drop addresses.
    const failed = answers.find((a): a is { code: string } => 'code' in a && !NO_ADDRESS_CODES.has(a.code));
    if (failed !== undefined) return { reason: 'dns-failure', message: `cannot resolve ${host}: ${failed.code}` };
    const all = answers.flatMap((a) => ('addresses' in a ? a.addresses : []));
    const addresses = ordered(all).filter((a) => (net.isIPv4(a) ? want.ipv4 : want.ipv6));
    if (addresses.length > 0) return { addresses };
    const noData = answers.find((a): a is { code: string } => 'code' in a);
    const families = want.ipv4 && want.ipv6 ? 'IPv4 or IPv6' : want.ipv4 ? 'IPv4' : 'IPv6';
    return { reason: 'no-address', message: `${host} has no ${families} address${noData ? ` (${noData.code})` : ''}` };
  }

  /** A fresh cached answer, or the one lookup under way for `key`, or a new one. */
  async #shared(key: string, ask: () => Promise<Answer & { ttlMs?: number }>): Promise<Answer> {
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expires > this.#now()) return { addresses: [...cached.addresses] };
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#bounded(ask)
        .then((answer) => {
          // getaddrinfo's empty answers are not kept (it gives no TTL for them); DNS ones say how long.
          if ('addresses' in answer && (answer.addresses.length > 0 || answer.ttlMs !== undefined)) this.#store(key, answer.addresses, answer.ttlMs ?? this.#ttlMs);
          return answer;
        })
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    const answer = await pending;
    return 'addresses' in answer ? { addresses: [...answer.addresses] } : answer;
  }

  /** Never rejects, and never takes longer than the deadline. */
  #bounded(ask: () => Promise<Answer & { ttlMs?: number }>): Promise<Answer & { ttlMs?: number }> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Answer>((resolve) => {
      timer = setTimeout(() => resolve({ code: 'ETIMEOUT' }), this.#deadlineMs);
    });
    const asked = Promise.resolve()
      .then(ask)
      .catch((err: unknown) => ({ code: codeOf(err) }));
    return Promise.race([asked, deadline]).finally(() => clearTimeout(timer));
  }

  async #viaLookup(host: string): Promise<Answer> {
    const answers = await this.#lookup(host);
    // An empty answer is "no address", told apart from an ENODATA by having no code.
    return { addresses: ordered(answers.map((a) => a.address)) };
  }

  async #viaQuery(host: string, type: 'A' | 'AAAA'): Promise<Answer & { ttlMs: number }> {
    let records: ReadonlyArray<{ address: string; ttl: number }>;
    try {
      records = await this.#query!(host, type);
    } catch (err) {
      // No record of this type (an IPv4-only name's AAAA): kept like an answer, or every check would ask again.
      if (NO_ADDRESS_CODES.has(codeOf(err))) return { addresses: [], ttlMs: this.#ttlMs };
      throw err;
    }
    const ttl = Math.min(...records.map((r) => r.ttl * 1000), MAX_TTL_MS);
    return { addresses: records.map((r) => r.address), ttlMs: Math.max(MIN_TTL_MS, ttl) };
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

/** The names /etc/hosts lists, read again when it is older than a few seconds. */
class HostsFile {
  #names = new Set<string>();
  #readAt = -Infinity;

  has(name: string): boolean {
    const now = Date.now();
    if (now - this.#readAt > 5000) {
      this.#readAt = now;
      this.#names = hostsNames();
    }
    return this.#names.has(name.replace(/\.$/, ''));
  }
}

function hostsNames(): Set<string> {
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    // No hosts file: every name goes to DNS.
  }
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const [, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    for (const a of aliases) names.add(a.toLowerCase());
  }
  return names;
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
