import { readFileSync } from 'node:fs';
import { Queue } from './queue.js';

export interface ProbeLimiterOptions {
  /** Connect attempts in flight in all. */
  global: number;
  /** Connect attempts in flight to one address, so one slow host cannot take every slot. */
  perAddress: number;
}

interface AddressState {
  readonly waiting: Queue<() => void>;
  running: number;
  /** Whether it is in the ready ring (has waiting work and a free per-address slot). */
  ready: boolean;
}

/**
 * Caps concurrent connect attempts globally and per address. Work for one address runs
 * in the order it came; addresses with waiting work take turns (a ring), so thousands
 * of ports queued for one host never starve another host. Every operation is O(1).
 */
export class ProbeLimiter {
  readonly #global: number;
  readonly #perAddress: number;
  readonly #addresses = new Map<string, AddressState>();
  readonly #ring = new Queue<AddressState>();
  #running = 0;
  #queued = 0;

  constructor(opts: ProbeLimiterOptions) {
    for (const key of ['global', 'perAddress'] as const) {
      if (!Number.isSafeInteger(opts[key]) || opts[key] < 1) throw new RangeError(`ProbeLimiter: ${key} must be a whole number >= 1, got ${opts[key]}`);
    }
    this.#global = opts.global;
    this.#perAddress = opts.perAddress;
  }

  get inFlight(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  run<T>(address: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let state = this.#addresses.get(address);
      if (state === undefined) {
        state = { waiting: new Queue(), running: 0, ready: false };
        this.#addresses.set(address, state);
      }
      const owner = state;
      owner.waiting.push(() => {
        let promise: Promise<T>;
        try {
          promise = fn();
        } catch (err) {
          promise = Promise.reject(err);
        }
        // The slot is free before the caller hears back, so sequential callers never queue behind themselves.
        promise.then(
          (value) => (this.#release(address, owner), resolve(value)),
          (err: unknown) => (this.#release(address, owner), reject(err)),
        );
      });
      this.#queued++;
      this.#markReady(owner);
      this.#pump();
    });
  }

  #markReady(state: AddressState): void {
    if (!state.ready && state.waiting.length > 0 && state.running < this.#perAddress) {
      state.ready = true;
      this.#ring.push(state);
    }
  }

  #pump(): void {
    while (this.#running < this.#global) {
      const state = this.#ring.shift();
      if (state === undefined) return;
      state.ready = false;
      const start = state.waiting.shift();
      if (start === undefined) continue;
      this.#queued--;
      this.#running++;
      state.running++;
      // Back of the ring: the next free slot goes to another address first.
      this.#markReady(state);
      start();
    }
  }

  #release(address: string, state: AddressState): void {
    this.#running--;
    state.running--;
    if (state.running === 0 && state.waiting.length === 0) this.#addresses.delete(address);
    else this.#markReady(state);
    this.#pump();
  }
}

const FALLBACK_FD_LIMIT = 1024;

/**
 * Connect attempts that fit the soft open-files limit with room to spare for the HTTP
 * server, logs and DNS: three quarters of it less 32, at most 1024, at least 1.
 */
export function defaultGlobalConcurrency(): number {
  let limits: string;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return concurrencyForFdLimit(FALLBACK_FD_LIMIT);
  }
  return concurrencyForFdLimit(softNofile(limits) ?? FALLBACK_FD_LIMIT);
}

export function concurrencyForFdLimit(limit: number): number {
  return Math.max(1, Math.min(1024, Math.floor(limit * 0.75) - 32));
}

/** The soft limit from /proc/self/limits text ("Max open files  1024  4096  files"); unlimited is Infinity. */
export function softNofile(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (match === null) return undefined;
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}
