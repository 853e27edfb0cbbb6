import { grown } from './columns.js';

/**
 * Job numbers by due time: a binary min-heap ordered by (due time, order of queueing), so
 * jobs due together come out in the order they were queued. The keys sit beside the job
 * numbers in typed arrays by heap position, so that a sift through 100k queued jobs reads
 * a few contiguous arrays instead of an object per job it passes.
 */
export class DueQueue {
  /** By heap position: the job number, its due time and its place in the queueing order. */
  #jobs = new Int32Array(64);
  #at = new Float64Array(64);
  #seq = new Float64Array(64);
  /** By job number: its heap position, -1 when not queued. */
  #position = new Int32Array(64).fill(-1);
  #size = 0;
  #nextSeq = 0;

  get size(): number {
    return this.#size;
  }

  has(job: number): boolean {
    return job < this.#position.length && this.#position[job]! >= 0;
  }

  /** The job due first, or -1 when none is queued. */
  peek(): number {
    return this.#size === 0 ? -1 : this.#jobs[0]!;
  }

  /** When the job due first is due (Infinity when none is queued). */
  peekAt(): number {
    return this.#size === 0 ? Infinity : this.#at[0]!;
  }

  /** Queues the job at `at`, behind those queued before at the same time; moves it if queued already. */
  set(job: number, at: number): void {
    if (!Number.isInteger(job) || job < 0) throw new RangeError(`job must be a whole number >= 0, got ${job}`);
    this.#fit(job);
    let i = this.#position[job]!;
    if (i < 0) {
      i = this.#size++;
      this.#jobs[i] = job;
    }
    this.#at[i] = at;
    this.#seq[i] = this.#nextSeq++;
    this.#siftDown(this.#siftUp(i));
  }

  /** Takes the job out; nothing when it is not queued. */
  remove(job: number): void {
    if (!this.has(job)) return;
    const i = this.#position[job]!;
    this.#position[job] = -1;
    const last = --this.#size;
    if (i === last) return;
    this.#move(last, i);
    this.#siftDown(this.#siftUp(i));
  }

  /** Takes out and returns the job due first, or -1 when none is queued. */
  pop(): number {
    const top = this.peek();
    if (top >= 0) this.remove(top);
    return top;
  }

  /** Makes room for job numbers up to `job` and for one more queued job. */
  #fit(job: number): void {
    if (job >= this.#position.length) {
      this.#position = grown(this.#position, new Int32Array(Math.max(job + 1, this.#position.length * 2)).fill(-1));
    }
    if (this.#size === this.#jobs.length) {
      const n = this.#jobs.length * 2;
      this.#jobs = grown(this.#jobs, new Int32Array(n));
      this.#at = grown(this.#at, new Float64Array(n));
      this.#seq = grown(this.#seq, new Float64Array(n));
    }
  }

  /** Whether the entry at heap position `i` comes before the key (at, seq). */
  #before(i: number, at: number, seq: number): boolean {
    const a = this.#at[i]!;
    return a < at || (a === at && this.#seq[i]! < seq);
  }

  /** Puts the entry at heap position `from` at `to`, and tells its job where it is. */
  #move(from: number, to: number): void {
    const job = this.#jobs[from]!;
    this.#jobs[to] = job;
    this.#at[to] = this.#at[from]!;
    this.#seq[to] = this.#seq[from]!;
    this.#position[job] = to;
  }

  #place(i: number, job: number, at: number, seq: number): void {
    this.#jobs[i] = job;
    this.#at[i] = at;
    this.#seq[i] = seq;
    this.#position[job] = i;
  }

  /** Moves the entry at `i` up past the entries due after it; returns where it came to rest. */
  #siftUp(i: number): number {
    const job = this.#jobs[i]!;
    const at = this.#at[i]!;
    const seq = this.#seq[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#before(parent, at, seq)) break;
      this.#move(parent, i);
      i = parent;
    }
    this.#place(i, job, at, seq);
    return i;
  }

  /** Moves the entry at `i` down past the entries due before it. */
  #siftDown(i: number): void {
    const job = this.#jobs[i]!;
    const at = this.#at[i]!;
    const seq = this.#seq[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.#size) break;
      const right = left + 1;
      const child = right < this.#size && this.#before(right, this.#at[left]!, this.#seq[left]!) ? right : left;
      if (!this.#before(child, at, seq)) break;
      this.#move(child, i);
      i = child;
    }
    this.#place(i, job, at, seq);
  }
}
