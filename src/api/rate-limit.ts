// Token buckets for the re-check API: one per client address and one for everyone, so a
// single client cannot use up the budget and many together cannot make portwatch a
// port scanner of its own targets.

export interface BucketSpec {
  /** Requests allowed at once. */
  burst: number;
  /** Tokens regained per second. */
  perSecond: number;
}

class Bucket {
  tokens: number;
  at: number;

  constructor(
    readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.at = now;
  }

  refill(now: number): void {
    this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.at) / 1000) * this.spec.perSecond);
    this.at = now;
  }

  /** Milliseconds until one token is there (0: now). */
  waitMs(): number {
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.spec.perSecond) * 1000);
  }
}

export interface RateLimitOptions {
  perClient: BucketSpec;
  global: BucketSpec;
  /** Client buckets kept at most; full ones are forgotten first. */
  maxClients?: number;
  now?: () => number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  perClient: { burst: 5, perSecond: 0.5 },
  global: { burst: 20, perSecond: 2 },
};

export class RateLimiter {
  readonly #opts: Required<RateLimitOptions>;
  readonly #global: Bucket;
  readonly #clients = new Map<string, Bucket>();

  constructor(opts: RateLimitOptions = DEFAULT_RATE_LIMIT) {
    this.#opts = { maxClients: 10_000, now: Date.now, ...opts };
    this.#global = new Bucket(opts.global, this.#opts.now());
  }

  /** Takes a token for `client`: 0 when allowed, or the seconds to wait (for Retry-After). */
  take(client: string): number {
    const now = this.#opts.now();
    const mine = this.#client(client, now);
    mine.refill(now);
    this.#global.refill(now);
    const wait = Math.max(mine.waitMs(), this.#global.waitMs());
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    mine.tokens -= 1;
    this.#global.tokens -= 1;
    return 0;
  }

  #client(client: string, now: number): Bucket {
    let bucket = this.#clients.get(client);
    if (bucket) return bucket;
    if (this.#clients.size >= this.#opts.maxClients) this.#forget(now);
    bucket = new Bucket(this.#opts.perClient, now);
    this.#clients.set(client, bucket);
    return bucket;
  }

  /** Drops buckets that have refilled (they hold nothing a new one would not); if none has, the oldest. */
  #forget(now: number): void {
    for (const [client, bucket] of this.#clients) {
      bucket.refill(now);
      if (bucket.tokens >= bucket.spec.burst) this.#clients.delete(client);
    }
    if (this.#clients.size >= this.#opts.maxClients) {
      const oldest = this.#clients.keys().next();
      if (!oldest.done) this.#clients.delete(oldest.value);
    }
  }
}
