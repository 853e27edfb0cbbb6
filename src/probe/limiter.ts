import { performance } from 'node:perf_hooks';
import { Queue } from './queue.js';
import { RttEstimate } from './rtt.js';

/** What the limiter learns from an attempt's value; the prober's result shape is its caller's to read. */
export interface AttemptReading<T> {
  /** How long the attempt took to be answered, when the value is an answer from the address. */
  answerSeconds(value: T): number | undefined;
  /** Whether the attempt failed for want of file descriptors (EMFILE, ENFILE). */
  outOfDescriptors(value: T): boolean;
}

export interface ProbeLimiterOptions<T> {
  /** Connect attempts in flight in all that may still be answered: how many SYNs go out at once. */
  global: number;
  /**
   * Connect attempts in flight in all, those presumed silent included: the file-descriptor
   * budget. Silent attempts only wait out their timeout holding a socket, so beyond
   * `global` they may take this many. Default (and at least): `global`.
   */
  sockets?: number;
  /** Connect attempts in flight to one address that may still be answered, so one host cannot take every slot. */
  perAddress: number;
  /**
   * An attempt unanswered this long past the address's usual answer time (srtt + 4 rttvar,
   * at least this) gives its per-address slot back while it keeps waiting. Default 10 ms.
   */
  silentAfterMinMs?: number;
  /** Called after attempts were started, e.g. so that a scheduler holding work back looks again. */
  onStart?: (() => void) | undefined;
  /** Reads answers (round-trip times) and descriptor exhaustion from results; without it, neither is learnt. */
  reading?: AttemptReading<T>;
}

/** An attempt under way. A class, not a literal: see AddressCheck in check/checker.ts for why. */
class Running {
  readonly startedAt: number;
  done: boolean;
  /** Presumed silent: no longer counted against its address. */
  released: boolean;

  constructor() {
    this.startedAt = performance.now();
    this.done = false;
    this.released = false;
  }
}

interface AddressState {
  /** Starters of the attempts waiting; called with an error instead when the limiter closes. */
  readonly waiting: Queue<(cancelled?: Error) => void>;
  /** Attempts under way, oldest first; finished ones are dropped from the front lazily. */
  readonly started: Queue<Running>;
  /** Attempts that hold a per-address slot. */
  running: number;
  /** Attempts under way in all, released ones included. */
  active: number;
  /** Whether it is in the ready ring (has waiting work and a free per-address slot). */
  ready: boolean;
  readonly rtt: RttEstimate;
  /**
   * Its per-address cap now: perAddress, doubled (up to SILENT_WINDOW_GROWTH times) each
   * time a window's worth of attempts went unanswered since the last answer (counted in
   * silentSinceAnswer), back to perAddress at the next answer.
   */
  window: number;
  /** Attempts presumed silent since the address last answered, towards the next widening. */
  silentSinceAnswer: number;
  silenceTimer: NodeJS.Timeout | undefined;
}

/** How far a silent address's window may grow past perAddress. */
const SILENT_WINDOW_GROWTH = 16;

/** The socket budget never drops below this, so checks go on, slowly, whatever happens. */
const MIN_SOCKET_LIMIT = 8;

/** Attempts that got their descriptor before the lowered budget grows back by one. */
const GROW_BACK_AFTER = 32;

/** Round-trip estimates kept for addresses with nothing under way, so the next round starts informed. */
const RTT_MEMORY = 65_536;

/**
 * Caps concurrent connect attempts globally and per address. Work for one address runs
 * in the order it came; addresses with waiting work take turns (a ring), so thousands
 * of ports queued for one host never starve another host. Every operation is O(1).
 *
 * Adapts to each address's round-trip time, learnt from its answers: an attempt still
 * unanswered well past it is presumed dropped by a firewall and stops counting against
 * its address, nor against the global cap on SYNs in flight, only against the socket
 * budget (it still holds a file descriptor). It keeps waiting
 * for its full timeout, so a slow port still comes out open; only the next attempts to
 * that address start sooner, and each window's worth of them unanswered since its last
 * answer doubles the address's window (up to 16 x perAddress), so 10k dropped ports do not
 * trickle out 64 at a time. Before a first answer nothing is presumed.
 */
export class ProbeLimiter<T = unknown> {
  readonly #global: number;
  readonly #perAddress: number;
  readonly #silentAfterMinMs: number;
  readonly #sockets: number;
  /** The socket budget now: #sockets, lowered when the process ran out of descriptors. */
  #socketLimit: number;
  #fineSinceLowered = 0;
  #closed: Error | undefined;
  readonly #onStart: (() => void) | undefined;
  readonly #reading: AttemptReading<T> | undefined;
  readonly #addresses = new Map<string, AddressState>();
  readonly #ring = new Queue<AddressState>();
  readonly #rttMemory = new Map<string, RttEstimate>();
  #running = 0;
  #queued = 0;
  #released = 0;
  /** Attempts under way that are presumed silent: they count against sockets, not global. */
  #silent = 0;

  constructor(opts: ProbeLimiterOptions<T>) {
    for (const key of ['global', 'perAddress'] as const) {
      if (!Number.isSafeInteger(opts[key]) || opts[key] < 1)
        throw new RangeError(`ProbeLimiter: ${key} must be a whole number >= 1, got ${opts[key]}`);
    }
    this.#global = opts.global;
    this.#perAddress = opts.perAddress;
    this.#silentAfterMinMs = opts.silentAfterMinMs ?? 10;
    this.#sockets = Math.max(this.#global, opts.sockets ?? this.#global);
    this.#socketLimit = this.#sockets;
    this.#onStart = opts.onStart;
    this.#reading = opts.reading;
  }

  /**
   * An attempt failed for want of file descriptors (EMFILE, ENFILE; run() sees it in the
   * attempt's result, checks and sweeps alike): the budget was more
   * than the process may hold (a --probe.concurrency above the open-files limit, or
   * descriptors taken by something else). Hold a quarter fewer sockets than are open now.
   */
  reportDescriptorsExhausted(): void {
    this.#socketLimit = Math.max(MIN_SOCKET_LIMIT, Math.min(this.#socketLimit, Math.floor(this.#running * 0.75)));
    this.#fineSinceLowered = 0;
  }

  /** An attempt got its descriptor: after a run of them, the budget grows back by one. */
  reportDescriptorsFine(): void {
    if (this.#socketLimit >= this.#sockets || ++this.#fineSinceLowered < GROW_BACK_AFTER) return;
    this.#socketLimit++;
    this.#fineSinceLowered = 0;
    this.#pump();
  }

  /** The socket budget in force: lower than configured after descriptors ran out. */
  get socketLimit(): number {
    return this.#socketLimit;
  }

  /** Attempts presumed silent so far (they released their address's slot early). */
  get presumedSilent(): number {
    return this.#released;
  }

  get inFlight(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queued;
  }

  /**
   * Starts nothing more: every attempt still waiting is rejected with `reason`, so a
   * shutdown waits only for the attempts under way. Later calls of run() are rejected too.
   */
  close(reason: Error): void {
    this.#closed = reason;
    for (const [address, state] of this.#addresses) {
      for (let start = state.waiting.shift(); start !== undefined; start = state.waiting.shift()) {
        this.#queued--;
        start(reason);
      }
      if (state.active === 0) {
        clearTimeout(state.silenceTimer);
        this.#addresses.delete(address);
      }
    }
  }

  run<V extends T>(address: string, fn: () => Promise<V>): Promise<V> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return new Promise<V>((resolve, reject) => {
      let state = this.#addresses.get(address);
      if (state === undefined) {
        const rtt = this.#rttMemory.get(address) ?? new RttEstimate();
        this.#rttMemory.delete(address);
        state = {
          waiting: new Queue(),
          started: new Queue(),
          running: 0,
          active: 0,
          ready: false,
          rtt,
          window: this.#perAddress,
          silentSinceAnswer: 0,
          silenceTimer: undefined,
        };
        this.#addresses.set(address, state);
      }
      const owner = state;
      owner.waiting.push((cancelled?: Error) => {
        if (cancelled !== undefined) {
          reject(cancelled);
          return;
        }
        const entry = new Running();
        owner.started.push(entry);
        let promise: Promise<V>;
        try {
          promise = fn();
        } catch (err) {
          promise = Promise.reject(err);
        }
        // The slot is free before the caller hears back, so sequential callers never queue behind themselves.
        promise.then(
          (value) => {
            this.#learn(owner, value);
            this.#release(address, owner, entry);
            resolve(value);
          },
          (err: unknown) => (this.#release(address, owner, entry), reject(err)),
        );
      });
      this.#queued++;
      this.#markReady(owner);
      this.#pump();
    });
  }

  #learn(state: AddressState, value: T): void {
    const reading = this.#reading;
    if (reading === undefined) return;
    const answered = reading.answerSeconds(value);
    if (answered !== undefined) {
      state.rtt.observe(answered);
      state.window = this.#perAddress;
      state.silentSinceAnswer = 0;
    }
    if (reading.outOfDescriptors(value)) this.reportDescriptorsExhausted();
    else this.reportDescriptorsFine();
  }

  #markReady(state: AddressState): void {
    if (state.ready || state.waiting.length === 0) return;
    if (state.running < state.window) {
      state.ready = true;
      this.#ring.push(state);
    } else {
      this.#watchSilence(state);
    }
  }

  /** The address is full with work waiting: look again when its oldest attempt would count as silent. */
  #watchSilence(state: AddressState): void {
    if (state.silenceTimer !== undefined) return;
    const within = state.rtt.answerWithinMs(this.#silentAfterMinMs);
    if (within === undefined) return;
    const oldest = this.#oldestCounted(state);
    if (oldest === undefined) return;
    const delay = Math.max(0, oldest.startedAt + within - performance.now());
    state.silenceTimer = setTimeout(
      () => {
        state.silenceTimer = undefined;
        this.#releaseSilent(state);
      },
      Math.ceil(delay) + 1,
    );
    // Never what keeps the process alive: the attempts' own timers do that.
    state.silenceTimer.unref();
  }

  #oldestCounted(state: AddressState): Running | undefined {
    let head = state.started.peek();
    while (head !== undefined && (head.done || head.released)) {
      state.started.shift();
      head = state.started.peek();
    }
    return head;
  }

  #releaseSilent(state: AddressState): void {
    const within = state.rtt.answerWithinMs(this.#silentAfterMinMs);
    if (within === undefined) return;
    const cutoff = performance.now() - within;
    let released = 0;
    for (
      let head = this.#oldestCounted(state);
      head !== undefined && head.startedAt <= cutoff;
      head = this.#oldestCounted(state)
    ) {
      head.released = true;
      state.started.shift();
      state.running--;
      this.#released++;
      this.#silent++;
      released++;
    }
    // A whole window gone unanswered since the last answer: a firewall, most likely; the next
    // window may be twice as wide. Counted across releases, since a window that began with a
    // few answers (the open ports) is released in parts.
    state.silentSinceAnswer += released;
    if (state.silentSinceAnswer >= state.window) {
      state.silentSinceAnswer = 0;
      state.window = Math.min(state.window * 2, this.#perAddress * SILENT_WINDOW_GROWTH);
    }
    this.#markReady(state);
    this.#pump();
  }

  #pump(): void {
    let started = 0;
    while (
      this.#running - this.#silent < Math.min(this.#global, this.#socketLimit) &&
      this.#running < this.#socketLimit
    ) {
      const state = this.#ring.shift();
      if (state === undefined) break;
      state.ready = false;
      const start = state.waiting.shift();
      if (start === undefined) continue;
      this.#queued--;
      this.#running++;
      state.running++;
      state.active++;
      // Back of the ring: the next free slot goes to another address first.
      this.#markReady(state);
      start();
      started++;
    }
    if (started > 0) this.#onStart?.();
  }

  #release(address: string, state: AddressState, entry: Running): void {
    this.#running--;
    state.active--;
    entry.done = true;
    if (entry.released) this.#silent--;
    else state.running--;
    if (state.active === 0 && state.waiting.length === 0) {
      clearTimeout(state.silenceTimer);
      this.#addresses.delete(address);
      this.#remember(address, state.rtt);
    } else {
      this.#markReady(state);
    }
    this.#pump();
  }

  #remember(address: string, rtt: RttEstimate): void {
    if (rtt.samples === 0) return;
    this.#rttMemory.set(address, rtt);
    if (this.#rttMemory.size > RTT_MEMORY) this.#rttMemory.delete(this.#rttMemory.keys().next().value!);
  }
}
