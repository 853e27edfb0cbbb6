import dns from 'node:dns';
import net from 'node:net';

export type Resolution = { addresses: string[] } | { reason: 'dns-failure' | 'no-address'; message: string };

export type Lookup = (host: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface ResolverOptions {
  /** How long an answer is reused. Failures are never cached: the checker retries them. */
  ttlMs?: number;
  now?: () => number;
  /** For tests; defaults to getaddrinfo, which honours /etc/hosts and nsswitch. */
  lookup?: Lookup;
}

const systemLookup: Lookup = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

// getaddrinfo's way of saying "the name exists but has no A or AAAA record".
const NO_ADDRESS_CODES = new Set(['ENODATA', 'EAI_NODATA']);

/**
 * Host names to every address they have, so each can be probed on its own (a port open
 * on IPv6 only is an exposure too). Answers are cached briefly and concurrent lookups of
 * one name shared, so checking 65535 ports of a host costs one lookup.
 */
export class Resolver {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #lookup: Lookup;
  readonly #cache = new Map<string, { addresses: readonly string[]; expires: number }>();
  readonly #inFlight = new Map<string, Promise<Resolution>>();
  #nextSweep = 0;

  constructor(opts: ResolverOptions = {}) {
    this.#ttlMs = opts.ttlMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
    this.#lookup = opts.lookup ?? systemLookup;
  }

  /** Never rejects. IP literals come back as they are, without a lookup. */
  async resolve(host: string): Promise<Resolution> {
    if (net.isIP(host) !== 0) return { addresses: [host] };
    const key = host.toLowerCase();
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expires > this.#now()) return { addresses: [...cached.addresses] };
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#lookupAndCache(key, host).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    const result = await pending;
    return 'addresses' in result ? { addresses: [...result.addresses] } : result;
  }

  async #lookupAndCache(key: string, host: string): Promise<Resolution> {
    let answers: ReadonlyArray<{ address: string; family: number }>;
    try {
      answers = await this.#lookup(host);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      const text = typeof code === 'string' ? code : String(err);
      return NO_ADDRESS_CODES.has(text)
        ? { reason: 'no-address', message: `${host} has no IPv4 or IPv6 address (${text})` }
        : { reason: 'dns-failure', message: `cannot resolve ${host}: ${text}` };
    }
    const addresses = ordered(answers);
    if (addresses.length === 0) return { reason: 'no-address', message: `${host} has no IPv4 or IPv6 address` };
    this.#sweep();
    this.#cache.set(key, { addresses, expires: this.#now() + this.#ttlMs });
    return { addresses };
  }

  /** Forgets expired answers now and then, so names dropped from the config do not pile up. */
  #sweep(): void {
    const now = this.#now();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + this.#ttlMs;
    for (const [key, entry] of this.#cache) if (entry.expires <= now) this.#cache.delete(key);
  }
}

/** IPv4 before IPv6, each in the resolver's order, without duplicates. */
function ordered(answers: ReadonlyArray<{ address: string; family: number }>): string[] {
  const unique = [...new Set(answers.map((a) => a.address))];
  return [...unique.filter((a) => net.isIPv4(a)), ...unique.filter((a) => !net.isIPv4(a))];
}

export const defaultResolver = new Resolver();

/** Resolves through the shared default resolver and its cache. */
export function resolveHost(host: string): Promise<Resolution> {
  return defaultResolver.resolve(host);
}
