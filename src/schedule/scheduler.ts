import { MAX_TIMER_MS } from '../timers.js';
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

/** Jobs that can be gone through twice (set() checks them all before it changes anything). */
export interface Jobs {
  values(): Iterable<Job>;
}

/**
 * A job and, while it is queued, its place in the queue: the job is its own queue entry.
 * A class, so that 100k+ of them share one shape with every field inside the object.
 */
class JobState {
  /** When it is due next; meaningful while queued. */
  at = 0;
  /** Breaks ties in queueing order, so jobs due together run in the order they were added. */
  seq = 0;
  /** Its position in the queue, -1 when not queued (running, or removed). */
  heapIndex = -1;
  running = false;
  ranOnce = false;
  /** Taken out of the job set; a run in flight finishes but is not requeued. */
  removed = false;
  /** The job of the same id added while this removed one still ran: queued when this run ends. */
  successor: JobState | undefined = undefined;

  constructor(
    readonly id: string,
    public intervalMs: number,
    public phase: number,
    /** Order of creation, so a round waiter counts only the jobs present when it began. */
    readonly addedSeq: number,
  ) {}
}

/** Jobs are counted rather than listed: a set of 100k ids would live through the whole first round. */
interface RoundWaiter {
  /** Jobs created before this counter value are the waiter's. */
  readonly upTo: number;
  /** Of those, how many have still to complete a run (or be removed). */
  left: number;
  readonly resolve: () => void;
}

function assertInterval(job: Job): void {
  if (!Number.isSafeInteger(job.intervalMs) || job.intervalMs <= 0) {
    throw new RangeError(
      `job ${JSON.stringify(job.id)}: intervalMs must be a positive safe integer, got ${job.intervalMs}`,
    );
  }
}

/** The scheduler wakes at least this often; a longer wait is re-checked on wake-up, which is cheap. */
const LONGEST_SLEEP_MS = 3_600_000;
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
  /** The job set by id, in the order the jobs were added. */
  readonly #jobs = new Map<string, JobState>();
  /**
   * Removed jobs whose run is still in flight, by id: a job of the same id added meanwhile
   * waits for that run, so an id never runs twice at once. Other runs are marked on their
   * JobState alone, so a run's start and end touch no map.
   */
  readonly #removedRunning = new Map<string, JobState>();
  #added = 0;
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
   * Makes the job set equal to `jobs`: add, reschedule and remove for each difference.
   * Every job is checked before anything changes.
   */
  set(jobs: Jobs): void {
    const wanted = new Set<string>();
    for (const job of jobs.values()) {
      if (wanted.has(job.id)) throw new RangeError(`duplicate job id ${JSON.stringify(job.id)}`);
      assertInterval(job);
      wanted.add(job.id);
    }
    for (const id of this.#jobs.keys()) if (!wanted.has(id)) this.remove(id);
    for (const job of jobs.values()) if (!this.reschedule(job.id, job.intervalMs)) this.add(job);
  }

  /** A new job, due at once (when a removed job of the same id still runs: once that run ends). */
  add(job: Job): void {
    if (this.#jobs.has(job.id)) throw new RangeError(`duplicate job id ${JSON.stringify(job.id)}`);
    assertInterval(job);
    const fresh = new JobState(job.id, job.intervalMs, phaseOf(job.id, job.intervalMs), this.#added++);
    this.#jobs.set(job.id, fresh);
    const stillRunning = this.#removedRunning.get(job.id);
    if (stillRunning === undefined) this.#enqueue(fresh, this.#now());
    else stillRunning.successor = fresh;
    this.#requestDispatch();
  }

  /** Takes a job out: it never runs again (a run in flight finishes but is not requeued). False if unknown. */
  remove(id: string): boolean {
    const state = this.#jobs.get(id);
    if (state === undefined) return false;
    this.#jobs.delete(id);
    state.removed = true;
    if (state.running) this.#removedRunning.set(id, state);
    this.#queue.remove(state);
    if (!state.ranOnce) this.#settleFirstRun(state);
    return true;
  }

  /**
   * Gives a job a new interval: it moves to the next slot of the new one (one that has not
   * run yet stays due at once; a running one is requeued from it when it completes). The
   * same interval changes nothing. False if the job is unknown.
   */
  reschedule(id: string, intervalMs: number): boolean {
    const state = this.#jobs.get(id);
    if (state === undefined) return false;
    if (state.intervalMs === intervalMs) return true;
    assertInterval({ id, intervalMs });
    state.intervalMs = intervalMs;
    state.phase = phaseOf(id, intervalMs);
    if (!state.running && state.ranOnce) {
      this.#enqueue(state, nextRunAt(this.#now(), state.phase, state.intervalMs));
      this.#requestDispatch();
    }
    return true;
  }

  /** Room may have opened for held-back jobs (see admit): dispatch on the next turn. */
  poke(): void {
    this.#requestDispatch();
  }

  /** Resolves once every job present now has completed a run since it was added (or was removed). */
  firstRoundDone(): Promise<void> {
    let left = 0;
    for (const job of this.#jobs.values()) if (!job.ranOnce) left += 1;
    if (left === 0) return Promise.resolve();
    return new Promise((resolve) => this.#roundWaiters.push({ upTo: this.#added, left, resolve }));
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
        grace = setTimeout(resolve, Math.min(Math.max(graceMs, 0), MAX_TIMER_MS)).unref();
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
    const delay = Math.min(Math.max(at - now, 0), LONGEST_SLEEP_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#dispatch();
    }, delay).unref();
  }

  #start(job: JobState): void {
    job.running = true;
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
    this.#inFlight -= 1;
    if (!job.removed) {
      if (!job.ranOnce) {
        job.ranOnce = true;
        this.#settleFirstRun(job);
      }
      if (!this.#stopped) this.#enqueue(job, nextRunAt(this.#now(), job.phase, job.intervalMs));
    } else {
      // Removed while it ran, so remove() kept it by id (an id runs once at a time): that run is over.
      this.#removedRunning.delete(job.id);
      const next = job.successor;
      job.successor = undefined;
      if (next !== undefined && !next.removed) this.#enqueue(next, this.#now());
    }
    if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#requestDispatch();
  }

  /** The job completed its first run or was removed before it: one fewer for the waiters it was present for. */
  #settleFirstRun(job: JobState): void {
    if (this.#roundWaiters.length === 0) return;
    let settled = false;
    for (const w of this.#roundWaiters) {
      if (job.addedSeq >= w.upTo) continue;
      w.left -= 1;
      if (w.left === 0) {
        w.resolve();
        settled = true;
      }
    }
    if (settled) this.#roundWaiters = this.#roundWaiters.filter((w) => w.left > 0);
  }
}
