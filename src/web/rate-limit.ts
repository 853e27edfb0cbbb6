// exporter-toolkit's rate_limit, as golang.org/x/time/rate applies it: one token bucket for
// every request to the server, whoever sends it, holding `burst` tokens and starting full,
// refilled by one token per interval. A request finding no whole token is answered 429 and
// takes none; a burst below 1 lets nothing through.
import type { RateLimit } from './config.js';

export class RequestRateLimit {
  readonly settings: RateLimit;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(settings: RateLimit, now: () => number = () => performance.now()) {
    this.settings = settings;
    this.#now = now;
    this.#tokens = Math.max(settings.burst, 0);
    this.#at = now();
  }

  /** Takes a token if there is one. */
  allow(): boolean {
    const { burst, intervalMs } = this.settings;
    if (burst < 1) return false;
    const now = this.#now();
    const tokens = Math.min(burst, this.#tokens + (now - this.#at) / intervalMs);
    if (tokens < 1) return false;
    this.#tokens = tokens - 1;
    this.#at = now;
    return true;
  }
}
