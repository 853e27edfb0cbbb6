import { IndexedMinHeap } from './heap.js';
import { nextRunAt, phaseOf } from './phase.js';

export interface Job {
  id: string;
  intervalMs: number;
}

export interface SchedulerOptions {
  /** Runs one job; a rejection (or throw) is reported through onError and the job keeps its schedule. */
  run: (id: string) => Promise<void> | void;
  /** Runs at once at most; due jobs beyond it wait in due order, which bounds memory when many are due together. */
  maxInFlight: number;
  /**
   * Asked before each start, with the runs in flight: false holds due jobs back (in due
   * order) until a run completes or poke() is called. Lets the caller keep runs that would
   * only wait for a probe slot few, so they finish young and cheap. Default: always.
   */
  admit?: (inFlight: number) => boolean;
  now?: () => number;
  onError?: (id: string, err: unknown) => void;
}

/** A job and, while it is queued, its place in the queue: the job is its own queue entry. */
interface JobState {
  readonly id: string;
  intervalMs: number;
  phase: number;
  /** When it is due next; meaningful while queued. */
  at: number;
  /** Breaks ties in queueing order, so jobs due together run in the order they were added. */
  seq: number;
  /** Its position in the queue, -1 when not queued (running, or removed). */
  heapIndex: number;
  running: boolean;
  ranOnce: boolean;
  /** Re-added while the removed job of the same id still runs; queued when that run ends. */
  blocked: boolean;
}

interface RoundWaiter {
  pending: Set<string>;
  resolve: () => void;
}

/** A cap well below setTimeout's 2^31-1 ms: longer waits are re-checked on wake-up, which is cheap. */
const MAX_TIMER_MS = 3_600_000;
/** Dispatches per event-loop turn, so 100k jobs due at once do not starve I/O. */
const DISPATCH_BATCH = 256;

/**
 * Runs each job every interval at its phase slot (see phase.ts), with one timer over a
 * min-heap of due times rather than one timer per job. A job is queued again only when its
 * run completes, at the first slot after completion: its runs never overlap, and slots
 * missed while it ran long or the process was paused are skipped rather than bunched.
 * The timer is unref()'d: the HTTP server is what keeps the daemon alive.
 */
export class Scheduler {
  readonly #run: (id: string) => Promise<void> | void;
  readonly #maxInFlight: number;
  readonly #admit: ((inFlight: number) => boolean) | undefined;
  readonly #now: () => number;
  readonly #onError: ((id: string, err: unknown) => void) | undefined;
  readonly #jobs = new Map<string, JobState>();
  /** Ids with a run in flight, including runs of jobs removed since: an id never runs twice at once. */
  readonly #runningIds = new Set<string>();
  readonly #queue = new IndexedMinHeap<JobState>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  #seq = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #immediate: NodeJS.Immediate | undefined;
  #stopped = false;
  #roundWaiters: RoundWaiter[] = [];
  #idleWaiters: Array<() => void> = [];

  constructor(opts: SchedulerOptions) {
    if (!Number.isSafeInteger(opts.maxInFlight) || opts.maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a positive integer, got ${opts.maxInFlight}`);
    }
    this.#run = opts.run;
    this.#maxInFlight = opts.maxInFlight;
    this.#admit = opts.admit;
    this.#now = opts.now ?? Date.now;
    this.#onError = opts.onError;
  }

  get size(): number {
    return this.#jobs.size;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Makes the job set equal to `jobs`. New jobs are due at once; jobs that stay keep their
   * schedule; a changed interval moves the job to the next slot of the new one (a job that
   * has not run yet stays due at once). Removed jobs are never run again: a run in flight
   * finishes but is not requeued.
   */
  set(jobs: readonly Job[]): void {
    const wanted = new Map<string, Job>();
    for (const job of jobs) {
      if (wanted.has(job.id)) throw new RangeError(`duplicate job id ${JSON.stringify(job.id)}`);
      if (!Number.isSafeInteger(job.intervalMs) || job.intervalMs <= 0) {
        throw new RangeError(`job ${JSON.stringify(job.id)}: intervalMs must be a positive safe integer, got ${job.intervalMs}`);
      }
      wanted.set(job.id, job);
    }
    const now = this.#now();
    for (const [id, state] of this.#jobs) {
      if (wanted.has(id)) continue;
      this.#jobs.delete(id);
      this.#queue.remove(state);
      this.#settleFirstRun(id);
    }
    for (const job of wanted.values()) {
      const state = this.#jobs.get(job.id);
      if (!state) {
        const blocked = this.#runningIds.has(job.id);
        const fresh: JobState = { id: job.id, intervalMs: job.intervalMs, phase: phaseOf(job.id, job.intervalMs), at: 0, seq: 0, heapIndex: -1, running: false, ranOnce: false, blocked };
        this.#jobs.set(job.id, fresh);
        if (!blocked) this.#enqueue(fresh, now);
      } else if (state.intervalMs !== job.intervalMs) {
        state.intervalMs = job.intervalMs;
        state.phase = phaseOf(job.id, job.intervalMs);
        // A running job is requeued from its new interval when it completes; an unrun one keeps its turn.
        if (!state.running && state.ranOnce) this.#enqueue(state, nextRunAt(now, state.phase, state.intervalMs));
      }
    }
    this.#requestDispatch();
  }

  /** Room may have opened for held-back jobs (see admit): dispatch on the next turn. */
  poke(): void {
    this.#requestDispatch();
  }

  /** Resolves once every job present now has completed a run since it was added (or was removed). */
  firstRoundDone(): Promise<void> {
    const pending = new Set<string>();
    for (const job of this.#jobs.values()) if (!job.ranOnce) pending.add(job.id);
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#roundWaiters.push({ pending, resolve }));
  }

  /** Stops dispatching and clears the timers; resolves when runs in flight finish or after graceMs. */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#immediate = undefined;
    if (this.#inFlight === 0 || graceMs <= 0) return;
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
      new Promise<void>((resolve) => {
        grace = setTimeout(resolve, Math.min(Math.max(graceMs, 0), 2 ** 31 - 1)).unref();
      }),
    ]);
    clearTimeout(grace);
  }

  /** Queues the job at `at`, or moves it there when it is queued already. */
  #enqueue(job: JobState, at: number): void {
    job.at = at;
    job.seq = this.#seq++;
    this.#queue.update(job);
  }

  #peek(): JobState | undefined {
    return this.#queue.peek();
  }

  /**
   * Dispatch on the next turn of the event loop; many requests in one turn make one dispatch.
   * Not unref()'d: an unref'd immediate does not wake a waiting loop, so it would run only
   * when some other event came. It lives one turn, so it never holds the process up.
   */
  #requestDispatch(): void {
    if (this.#stopped || this.#immediate) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#stopped) return;
    const now = this.#now();
    let started = 0;
    while (this.#canStart()) {
      const top = this.#peek();
      if (!top || top.at > now) break;
      if (started === DISPATCH_BATCH) {
        this.#requestDispatch();
        return;
      }
      this.#queue.pop();
      this.#start(top);
      started += 1;
    }
    this.#arm(now);
  }

  #canStart(): boolean {
    return this.#inFlight < this.#maxInFlight && (this.#admit === undefined || this.#admit(this.#inFlight));
  }

  #arm(now: number): void {
    const top = this.#peek();
    // Due jobs waiting for a free slot are picked up when a run completes (or on poke), not by the timer.
    const at = !top || (top.at <= now && !this.#canStart()) ? Infinity : top.at;
    if (at === this.#timerAt && this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    const delay = Math.min(Math.max(at - now, 0), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#dispatch();
    }, delay).unref();
  }

  #start(job: JobState): void {
    job.running = true;
    this.#runningIds.add(job.id);
    this.#inFlight += 1;
    // A run that throws synchronously is reported like one that rejects, and never finishes within #start.
    let running: Promise<void>;
    try {
      running = Promise.resolve(this.#run(job.id));
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      () => this.#finish(job),
      (err: unknown) => {
        this.#report(job.id, err);
        this.#finish(job);
      },
    );
  }

  #report(id: string, err: unknown): void {
    try {
      this.#onError?.(id, err);
    } catch {
      // A failing error handler must not stop the job's schedule.
    }
  }

  #finish(job: JobState): void {
    job.running = false;
    this.#runningIds.delete(job.id);
    this.#inFlight -= 1;
    const current = this.#jobs.get(job.id);
    if (current === job) {
      job.ranOnce = true;
      this.#settleFirstRun(job.id);
      if (!this.#stopped) this.#enqueue(job, nextRunAt(this.#now(), job.phase, job.intervalMs));
    } else if (current?.blocked) {
      current.blocked = false;
      this.#enqueue(current, this.#now());
    }
    if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#requestDispatch();
  }

  #settleFirstRun(id: string): void {
    if (this.#roundWaiters.length === 0) return;
    this.#roundWaiters = this.#roundWaiters.filter((w) => {
      w.pending.delete(id);
      if (w.pending.size > 0) return true;
      w.resolve();
      return false;
    });
  }
}
