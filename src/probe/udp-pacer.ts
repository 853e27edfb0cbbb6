import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../types.js';
import { Queue } from './queue.js';

export interface UdpPacingOptions {
  /** ICMP errors a target sends at once before its rate limit applies. Default 6, Linux's burst. */
  burst?: number;
  /** Milliseconds between ICMP errors once the burst is spent. Default 1100: see DEFAULT_UDP_PACING. */
  intervalMs?: number;
  /**
   * A probe unanswered this long drew no ICMP answer to its first datagram: its token goes
   * back. Should an answer to a resend come after all, the token is taken then. Default 300.
   */
  answerWithinMs?: number;
}

/**
 * Linux's defaults (XRLIM_BURST_FACTOR 6, net.ipv4.icmp_ratelimit 1000 ms), the strictest
 * of the common systems, with a tenth added to the interval: the target's bucket fills
 * from when it answered, a trip and a clock tick after our count starts, and a datagram
 * that arrives just before its token is dropped, its retry then competing with the next probe.
 */
export const DEFAULT_UDP_PACING: Required<UdpPacingOptions> = { burst: 6, intervalMs: 1100, answerWithinMs: 300 };

interface Budget {
  /**
   * Errors the target may still send us now, as this model counts them (fractions accrue);
   * below zero when answers came that the model had not reserved for, a debt the next probes wait out.
   */
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
 * probe starts only with a token reserved for its answer. One that ends without an ICMP
 * answer (open, open|filtered, error) gives it back, since the target spent none on it,
 * and so does one still unanswered after `answerWithinMs` (silent ports cost no budget),
 * which takes a token again if an ICMP answer ends it later.
 */
export class UdpPacer {
  readonly #burst: number;
  readonly #intervalMs: number;
  readonly #answerWithinMs: number;
  readonly #budgets = new Map<string, Budget>();
  #closed: Error | undefined;

  constructor(opts: UdpPacingOptions = {}) {
    this.#burst = opts.burst ?? DEFAULT_UDP_PACING.burst;
    this.#intervalMs = opts.intervalMs ?? DEFAULT_UDP_PACING.intervalMs;
    this.#answerWithinMs = opts.answerWithinMs ?? DEFAULT_UDP_PACING.answerWithinMs;
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
        let reserved = true;
        const giveBack = setTimeout(() => {
          reserved = false;
          this.#credit(budget, 1);
        }, this.#answerWithinMs);
        let running: Promise<ProbeResult>;
        try {
          running = probe();
        } catch (err) {
          running = Promise.reject(err);
        }
        const ended = (icmp: boolean): void => {
          clearTimeout(giveBack);
          this.#ended(address, budget, reserved ? (icmp ? 0 : 1) : icmp ? -1 : 0);
        };
        running.then(
          (result) => (ended(drewIcmp(result)), resolve(result)),
          (err: unknown) => (ended(false), reject(err)),
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

  /** Tokens back (or, negative, taken) outside a start, and the probes waiting looked at again. */
  #credit(budget: Budget, tokens: number): void {
    this.#refill(budget);
    budget.tokens = Math.min(this.#burst, budget.tokens + tokens);
    this.#pump(budget);
  }

  #ended(address: string, budget: Budget, tokens: number): void {
    budget.active--;
    this.#credit(budget, tokens);
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
