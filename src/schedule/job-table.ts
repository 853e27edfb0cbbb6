import { grown } from './columns.js';

/**
 * The scheduler's state of each job, in columns indexed by job number: typed arrays
 * rather than an object per job, so that 100k jobs are a few arrays for the collector
 * instead of 100k objects to trace and promote. A number is given back when its job is
 * released and handed out again to the next job created.
 */
export class JobTable {
  #ids: Array<string | undefined> = [];
  #interval = new Float64Array(64);
  /** Its offset within its interval (see phase.ts). */
  #phase = new Float64Array(64);
  /** Order of creation, so a round waiter counts only the jobs present when it began. */
  #created = new Float64Array(64);
  #flags = new Uint8Array(64);
  /** The job of the same id added while this removed one still ran, queued when this run ends; -1 for none. */
  #successor = new Int32Array(64).fill(-1);
  /** Released numbers, handed out again before new ones. */
  readonly #free: number[] = [];
  #creations = 0;

  /** A new job's number; it has run neither now nor before, and is not removed. */
  create(id: string, intervalMs: number, phase: number): number {
    const job = this.#free.pop() ?? this.#ids.length;
    if (job === this.#ids.length) {
      this.#ids.push(id);
      this.#fit(job);
    } else {
      this.#ids[job] = id;
    }
    this.#interval[job] = intervalMs;
    this.#phase[job] = phase;
    this.#created[job] = this.#creations++;
    return job;
  }

  /** The job is gone from every list: its number may go to the next job created. */
  release(job: number): void {
    this.#ids[job] = undefined;
    this.#flags[job] = 0;
    this.#successor[job] = -1;
    this.#free.push(job);
  }

  /** How many jobs were created so far: a creation number below it is of a job created before. */
  get creations(): number {
    return this.#creations;
  }

  id(job: number): string {
    return this.#ids[job]!;
  }

  intervalMs(job: number): number {
    return this.#interval[job]!;
  }

  phase(job: number): number {
    return this.#phase[job]!;
  }

  setTiming(job: number, intervalMs: number, phase: number): void {
    this.#interval[job] = intervalMs;
    this.#phase[job] = phase;
  }

  created(job: number): number {
    return this.#created[job]!;
  }

  running(job: number): boolean {
    return (this.#flags[job]! & RUNNING) !== 0;
  }

  setRunning(job: number, running: boolean): void {
    this.#flag(job, RUNNING, running);
  }

  ranOnce(job: number): boolean {
    return (this.#flags[job]! & RAN_ONCE) !== 0;
  }

  setRanOnce(job: number): void {
    this.#flag(job, RAN_ONCE, true);
  }

  /** Taken out of the job set; a run in flight finishes but is not requeued. */
  removed(job: number): boolean {
    return (this.#flags[job]! & REMOVED) !== 0;
  }

  setRemoved(job: number): void {
    this.#flag(job, REMOVED, true);
  }

  successor(job: number): number {
    return this.#successor[job]!;
  }

  setSuccessor(job: number, next: number): void {
    this.#successor[job] = next;
  }

  #flag(job: number, bit: number, on: boolean): void {
    this.#flags[job] = on ? this.#flags[job]! | bit : this.#flags[job]! & ~bit;
  }

  #fit(job: number): void {
    if (job < this.#flags.length) return;
    const n = this.#flags.length * 2;
    this.#interval = grown(this.#interval, new Float64Array(n));
    this.#phase = grown(this.#phase, new Float64Array(n));
    this.#created = grown(this.#created, new Float64Array(n));
    this.#flags = grown(this.#flags, new Uint8Array(n));
    this.#successor = grown(this.#successor, new Int32Array(n).fill(-1));
  }
}

const RUNNING = 1;
const RAN_ONCE = 2;
const REMOVED = 4;
