import { MAX_TIMER_MS } from '../timers.js';
import { DueQueue } from './due-queue.js';
import { JobTable } from './job-table.js';
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
  /** Each job's state, by job number. */
  readonly #table = new JobTable();
  /** The job set: id to job number, in the order the jobs were added. */
  readonly #jobs = new Map<string, number>();
  /**
   * Removed jobs whose run is still in flight, by id: a job of the same id added meanwhile
   * waits for that run, so an id never runs twice at once. Other runs are marked in the
   * job table alone, so a run's start and end touch no map.
   */
  readonly #removedRunning = new Map<string, number>();
  /** Queued jobs by due time. */
  readonly #queue = new DueQueue();
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
    const fresh = this.#table.create(job.id, job.intervalMs, phaseOf(job.id, job.intervalMs));
    this.#jobs.set(job.id, fresh);
    const stillRunning = this.#removedRunning.get(job.id);
    if (stillRunning === undefined) this.#queue.set(fresh, this.#now());
    else this.#table.setSuccessor(stillRunning, fresh);
    this.#requestDispatch();
  }

  /** Takes a job out: it never runs again (a run in flight finishes but is not requeued). False if unknown. */
  remove(id: string): boolean {
    const job = this.#jobs.get(id);
    if (job === undefined) return false;
    const table = this.#table;
    this.#jobs.delete(id);
    table.setRemoved(job);
    this.#queue.remove(job);
    if (!table.ranOnce(job)) this.#settleFirstRun(job);
    if (table.running(job)) {
      this.#removedRunning.set(id, job);
      return true;
    }
    // Waiting for its removed namesake's run to end: that run must not queue it then.
    const predecessor = this.#removedRunning.get(id);
    if (predecessor !== undefined && table.successor(predecessor) === job) table.setSuccessor(predecessor, -1);
    table.release(job);
    return true;
  }

  /**
   * Gives a job a new interval: it moves to the next slot of the new one (one that has not
   * run yet stays due at once; a running one is requeued from it when it completes). The
   * same interval changes nothing. False if the job is unknown.
   */
  reschedule(id: string, intervalMs: number): boolean {
    const job = this.#jobs.get(id);
    if (job === undefined) return false;
    const table = this.#table;
    if (table.intervalMs(job) === intervalMs) return true;
    assertInterval({ id, intervalMs });
    const phase = phaseOf(id, intervalMs);
    table.setTiming(job, intervalMs, phase);
    if (!table.running(job) && table.ranOnce(job)) {
      this.#queue.set(job, nextRunAt(this.#now(), phase, intervalMs));
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
    for (const job of this.#jobs.values()) if (!this.#table.ranOnce(job)) left += 1;
    if (left === 0) return Promise.resolve();
    return new Promise((resolve) => this.#roundWaiters.push({ upTo: this.#table.creations, left, resolve }));
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
      if (this.#queue.peekAt() > now) break;
      if (started === DISPATCH_BATCH) {
        this.#requestDispatch();
        return;
      }
      this.#start(this.#queue.pop());
      started += 1;
    }
    this.#arm(now);
  }

  #canStart(): boolean {
    return this.#inFlight < this.#maxInFlight && (this.#admit === undefined || this.#admit(this.#inFlight));
  }

  #arm(now: number): void {
    const due = this.#queue.peekAt();
    // Due jobs waiting for a free slot are picked up when a run completes (or on poke), not by the timer.
    const at = due <= now && !this.#canStart() ? Infinity : due;
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

  #start(job: number): void {
    this.#table.setRunning(job, true);
    this.#inFlight += 1;
    const id = this.#table.id(job);
    // A run that throws synchronously is reported like one that rejects, and never finishes within #start.
    let running: Promise<void>;
    try {
      running = Promise.resolve(this.#run(id));
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      () => this.#finish(job),
      (err: unknown) => {
        this.#report(id, err);
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

  #finish(job: number): void {
    const table = this.#table;
    table.setRunning(job, false);
    this.#inFlight -= 1;
    if (!table.removed(job)) {
      if (!table.ranOnce(job)) {
        table.setRanOnce(job);
        this.#settleFirstRun(job);
      }
      if (!this.#stopped) this.#queue.set(job, nextRunAt(this.#now(), table.phase(job), table.intervalMs(job)));
    } else {
      // Removed while it ran, so remove() kept it by id (an id runs once at a time): that run is over.
      this.#removedRunning.delete(table.id(job));
      // A successor removed meanwhile unlinked itself (see remove), so one here is in the job set.
      const next = table.successor(job);
      table.release(job);
      if (next >= 0) this.#queue.set(next, this.#now());
    }
    if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#requestDispatch();
  }

  /** The job completed its first run or was removed before it: one fewer for the waiters it was present for. */
  #settleFirstRun(job: number): void {
    if (this.#roundWaiters.length === 0) return;
    const created = this.#table.created(job);
    let settled = false;
    for (const w of this.#roundWaiters) {
      if (created >= w.upTo) continue;
      w.left -= 1;
      if (w.left === 0) {
        w.resolve();
        settled = true;
      }
    }
    if (settled) this.#roundWaiters = this.#roundWaiters.filter((w) => w.left > 0);
  }
}
