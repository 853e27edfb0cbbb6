import type { ProbeResult } from '../types.js';
import { probeWithBackoff, triesToOutlast, type BackoffOptions } from './backoff.js';
import { defaultGlobalConcurrency, defaultSocketBudget } from './fd-budget.js';
import { ProbeLimiter } from './limiter.js';
import type { ProberOptions, Protocol } from './prober.js';
import { probers } from './registry.js';
import { probeResultReading } from './result-reading.js';
import { UdpPacer, type UdpPacingOptions } from './udp-pacer.js';

/** Attempts in flight to one address by default (--probe.concurrency-per-address). */
export const DEFAULT_PER_ADDRESS = 64;

/** How to probe, beyond what: in the background (behind checks), with the prober's options. */
export interface ProbeHow<P extends Protocol> {
  background?: boolean;
  options?: ProberOptions[P];
}

export interface ProbeCapacityOptions {
  /**
   * Attempts in flight that may still be answered (--probe.concurrency); when given, also
   * the socket budget. Default: from the open-files limit.
   */
  concurrency?: number | undefined;
  /** Attempts in flight to one address that may still be answered. Default DEFAULT_PER_ADDRESS. */
  perAddress?: number | undefined;
  /** The target's ICMP error budget UDP probes are paced by. Default: Linux's (DEFAULT_UDP_PACING). */
  udpPacing?: UdpPacingOptions | undefined;
  /** Called after attempts were started, so that a scheduler holding checks back looks again. */
  onStart?: () => void;
  /** Called before each backoff delay after descriptors or buffers ran short. */
  onBackoff?: () => void;
  /** Called with each probe's final result, after its backoff. */
  onResult?: (result: ProbeResult) => void;
}

/**
 * How much probing this process does at once, for every caller (checks, re-checks,
 * discovery sweeps, the probe command): the socket budget, the per-address limits, the
 * backoff after descriptor exhaustion and the rule that admits checks to wait for a slot.
 */
export class ProbeCapacity {
  /** Attempts in flight that may still be answered: how many SYNs go out at once. */
  readonly concurrency: number;
  /** Attempts in flight in all, those presumed silent included: the file-descriptor budget. */
  readonly sockets: number;
  /** How long checks under way may go on at shutdown: a check at the default timeout and retries fits. */
  readonly shutdownGraceMs = 10_000;
  readonly #limiter: ProbeLimiter<ProbeResult>;
  readonly #udpPacer: UdpPacer;
  readonly #onBackoff: (() => void) | undefined;
  readonly #onResult: ((result: ProbeResult) => void) | undefined;
  /** One per timeout rather than one per probe: a round shares a handful. */
  readonly #backoffs = new Map<number, BackoffOptions>();
  /** Background attempts waiting in the limiter: the rest of its queue are foreground ones. */
  #backgroundQueued = 0;

  constructor(opts: ProbeCapacityOptions) {
    this.concurrency = opts.concurrency ?? defaultGlobalConcurrency();
    // A concurrency given caps sockets too; by default silent attempts may use the fd budget.
    this.sockets = opts.concurrency ?? Math.max(this.concurrency, defaultSocketBudget());
    this.#limiter = new ProbeLimiter({
      global: this.concurrency,
      sockets: this.sockets,
      perAddress: opts.perAddress ?? DEFAULT_PER_ADDRESS,
      reading: probeResultReading,
      onStart: opts.onStart,
    });
    this.#udpPacer = new UdpPacer(opts.udpPacing);
    this.#onBackoff = opts.onBackoff;
    this.#onResult = opts.onResult;
  }

  /**
   * One probe, limits and backoff applied; never rejects but when the capacity is closed. A
   * background probe (discovery sweeps behind checks) has the same limits but is counted
   * apart, so that foregroundWaiting sees only the others.
   */
  probe<P extends Protocol>(
    protocol: P,
    address: string,
    port: number,
    timeoutMs: number,
    how?: ProbeHow<P>,
  ): Promise<ProbeResult> {
    const prober = probers[protocol];
    const options = how?.options;
    const attempt = (): Promise<ProbeResult> => prober(address, port, timeoutMs, options);
    const limited =
      how?.background === true
        ? (): Promise<ProbeResult> => this.#inBackground(address, attempt)
        : (): Promise<ProbeResult> => this.#limiter.run(address, attempt);
    return probeWithBackoff(this.#paced(protocol, address, limited), this.#backoffFor(timeoutMs));
  }

  #inBackground(address: string, attempt: () => Promise<ProbeResult>): Promise<ProbeResult> {
    this.#backgroundQueued++;
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      this.#backgroundQueued--;
    };
    const run = (): Promise<ProbeResult> => {
      start();
      return attempt();
    };
    return this.#limiter.run(address, run).finally(start);
  }

  /** Whether foreground probes (checks) are waiting for a slot: background ones then hold back. */
  get foregroundWaiting(): boolean {
    return this.#limiter.queued - this.#backgroundQueued > 0;
  }

  /**
   * Checks waiting for a probe slot at most as many as probes under way (at least 256):
   * enough to keep the limiter busy, few enough that checks finish young (cheap to collect).
   */
  admitsCheck(checksInFlight: number): boolean {
    const probing = this.#limiter.inFlight;
    return checksInFlight - probing < Math.max(256, probing);
  }

  /** Checks in flight at most, whatever admitsCheck says. */
  get maxChecksInFlight(): number {
    return 2 * this.sockets + 256;
  }

  /** Attempts under way now. */
  get inFlight(): number {
    return this.#limiter.inFlight;
  }

  /** The socket budget in force: lower than configured after descriptors ran out. */
  get socketLimit(): number {
    return this.#limiter.socketLimit;
  }

  /** Starts no more probes: those waiting for a slot are rejected with `reason`, those under way finish. */
  close(reason: Error): void {
    this.#udpPacer.close(reason);
    this.#limiter.close(reason);
  }

  /** UDP probes wait for their address's ICMP budget before they take a slot, so no slot is held idle. */
  #paced(protocol: Protocol, address: string, limited: () => Promise<ProbeResult>): () => Promise<ProbeResult> {
    return protocol === 'udp' ? () => this.#udpPacer.run(address, limited) : limited;
  }

  #backoffFor(timeoutMs: number): BackoffOptions {
    let opts = this.#backoffs.get(timeoutMs);
    if (opts === undefined) {
      opts = { tries: triesToOutlast(timeoutMs), onBackoff: this.#onBackoff, onResult: this.#onResult };
      this.#backoffs.set(timeoutMs, opts);
    }
    return opts;
  }
}
