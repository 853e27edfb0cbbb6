import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../types.js';
import { Queue } from './queue.js';

export interface UdpPacingOptions {
  /** ICMP errors a target sends at once before its rate limit applies. Default 6, Linux's burst. */
  burst?: number;
  /** Milliseconds between ICMP errors once the burst is spent. Default 1000, Linux's net.ipv4.icmp_ratelimit. */
  intervalMs?: number;
}

/** Linux's defaults (XRLIM_BURST_FACTOR, icmp_ratelimit), the strictest of the common systems. */
export const DEFAULT_UDP_PACING: Required<UdpPacingOptions> = { burst: 6, intervalMs: 1000 };

interface Budget {
  /** Errors the target may still send us now, as this model counts them (fractions accrue). */
  tokens: number;
  at: number;
  /** Starters of the probes waiting; called with an error instead when the pacer closes. */
  readonly waiting: Queue<(cancelled?: Error) => void>;
  active: number;
  timer: NodeJS.Timeout | undefined;
}

/** Addresses whose budget is kept beyond which idle, refilled ones are forgotten. */
const KEPT_BUDGETS = 4096;

/**
 * Paces UDP probes per address by a model of the target's ICMP error budget towards us
 * (a token bucket: `burst` at once, then one per `intervalMs`), so that a closed port's
 * port-unreachable is not dropped by the target's rate limit and taken for silence. A
 * probe starts only with a token reserved for its answer; one that ends without an ICMP
 * answer (open, open|filtered, error) gives it back, since the target spent none on it.
 */
export class UdpPacer {
  readonly #burst: number;
  readonly #intervalMs: number;
  readonly #budgets = new Map<string, Budget>();
  #closed: Error | undefined;

  constructor(opts: UdpPacingOptions = {}) {
    this.#burst = opts.burst ?? DEFAULT_UDP_PACING.burst;
    this.#intervalMs = opts.intervalMs ?? DEFAULT_UDP_PACING.intervalMs;
    if (!(this.#burst >= 1) || !(this.#intervalMs >= 0))
      throw new RangeError(`UdpPacer: burst must be >= 1 and intervalMs >= 0, got ${this.#burst}, ${this.#intervalMs}`);
  }

  run(address: string, probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const budget = this.#budgetOf(address);
    return new Promise<ProbeResult>((resolve, reject) => {
      budget.waiting.push((cancelled?: Error) => {
        if (cancelled !== undefined) return reject(cancelled);
        budget.active++;
        let running: Promise<ProbeResult>;
        try {
          running = probe();
        } catch (err) {
          running = Promise.reject(err);
        }
        running.then(
          (result) => (this.#ended(address, budget, drewIcmp(result)), resolve(result)),
          (err: unknown) => (this.#ended(address, budget, false), reject(err)),
        );
      });
      this.#pump(budget);
    });
  }

  /** Starts no more probes: those waiting for a token are rejected with `reason`. */
  close(reason: Error): void {
    this.#closed = reason;
    for (const budget of this.#budgets.values()) {
      clearTimeout(budget.timer);
      budget.timer = undefined;
      for (let start = budget.waiting.shift(); start !== undefined; start = budget.waiting.shift()) start(reason);
    }
  }

  /** Probes waiting for a token, across addresses. */
  get waiting(): number {
    let n = 0;
    for (const budget of this.#budgets.values()) n += budget.waiting.length;
    return n;
  }

  #budgetOf(address: string): Budget {
    let budget = this.#budgets.get(address);
    if (budget === undefined) {
      if (this.#budgets.size >= KEPT_BUDGETS) this.#forgetIdle();
      budget = { tokens: this.#burst, at: performance.now(), waiting: new Queue(), active: 0, timer: undefined };
      this.#budgets.set(address, budget);
    }
    return budget;
  }

  #refill(budget: Budget): void {
    const now = performance.now();
    const earned = this.#intervalMs === 0 ? this.#burst : (now - budget.at) / this.#intervalMs;
    budget.tokens = Math.min(this.#burst, budget.tokens + earned);
    budget.at = now;
  }

  #pump(budget: Budget): void {
    if (this.#closed !== undefined) return;
    this.#refill(budget);
    for (let start = budget.waiting.peek(); start !== undefined && budget.tokens >= 1; start = budget.waiting.peek()) {
      budget.waiting.shift();
      budget.tokens -= 1;
      start();
    }
    if (budget.waiting.length === 0 || budget.timer !== undefined) return;
    const delay = Math.ceil((1 - budget.tokens) * this.#intervalMs);
    budget.timer = setTimeout(() => {
      budget.timer = undefined;
      this.#pump(budget);
    }, delay);
  }

  #ended(address: string, budget: Budget, drewIcmp: boolean): void {
    budget.active--;
    this.#refill(budget);
    if (!drewIcmp) budget.tokens = Math.min(this.#burst, budget.tokens + 1);
    this.#pump(budget);
    if (budget.active === 0 && budget.waiting.length === 0 && budget.tokens >= this.#burst)
      this.#budgets.delete(address);
  }

  /** Forgets budgets with nothing under way that have refilled: they are as good as new. */
  #forgetIdle(): void {
    for (const [address, budget] of this.#budgets) {
      if (budget.active > 0 || budget.waiting.length > 0) continue;
      this.#refill(budget);
      if (budget.tokens >= this.#burst) this.#budgets.delete(address);
    }
  }
}

/** Whether the target spent an ICMP error on this probe: closed and filtered are ICMP answers. */
function drewIcmp(result: ProbeResult): boolean {
  return result.state === 'closed' || result.state === 'filtered';
}
