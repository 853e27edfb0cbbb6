import { setTimeout as sleep } from 'node:timers/promises';

export interface SweepGateOptions {
  /** Sweep attempts in flight at once, all sweeps together: a small share of the global concurrency. */
  concurrency: number;
  /** Sweep attempts started per second to one address, at most. */
  perAddressRate: number;
  /** Whether scheduled checks are waiting for a probe slot: sweeps then hold back. */
  checksWaiting: () => boolean;
  /** How long to wait before looking again while checks wait. Default 10 ms. */
  yieldMs?: number;
}

/**
 * Keeps discovery sweeps polite and behind the scheduled checks: a cap on sweep attempts
 * in flight, a per-address start rate, and no new sweep attempt while a check waits for a
 * probe slot. Sweep attempts then still go through the probe limiter like checks do.
 */
export class SweepGate {
  readonly #opts: Required<SweepGateOptions>;
  readonly #waiting: Array<() => void> = [];
  /** Per address, the earliest time (performance.now ms) the next sweep attempt may start. */
  readonly #nextStart = new Map<string, number>();
  #running = 0;
  #closed: Error | undefined;

  constructor(opts: SweepGateOptions) {
    for (const key of ['concurrency', 'perAddressRate'] as const) {
      if (!(opts[key] > 0)) throw new RangeError(`SweepGate: ${key} must be > 0, got ${opts[key]}`);
    }
    this.#opts = { yieldMs: 10, ...opts };
  }

  get inFlight(): number {
    return this.#running;
  }

  /** Every later run() and every one waiting is rejected with `reason`. */
  close(reason: Error): void {
    this.#closed = reason;
    for (const wake of this.#waiting.splice(0)) wake();
  }

  async run<T>(address: string, fn: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      while (this.#opts.checksWaiting()) {
        this.#check();
        await sleep(this.#opts.yieldMs, undefined, { ref: false });
      }
      await this.#pace(address);
      this.#check();
      return await fn();
    } finally {
      this.#release();
    }
  }

  #check(): void {
    if (this.#closed !== undefined) throw this.#closed;
  }

  async #acquire(): Promise<void> {
    this.#check();
    while (this.#running >= this.#opts.concurrency) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.#check();
    }
    this.#running++;
  }

  #release(): void {
    this.#running--;
    this.#waiting.shift()?.();
  }

  /** Reserves the address's next start slot and waits for it. */
  async #pace(address: string): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, this.#nextStart.get(address) ?? 0);
    this.#nextStart.set(address, at + 1000 / this.#opts.perAddressRate);
    if (this.#nextStart.size > 65_536) this.#forgetPast(now);
    if (at > now) await sleep(at - now, undefined, { ref: false });
  }

  #forgetPast(now: number): void {
    for (const [address, at] of this.#nextStart) if (at < now) this.#nextStart.delete(address);
  }
}
