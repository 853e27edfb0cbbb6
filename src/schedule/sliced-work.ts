import { performance } from 'node:perf_hooks';

/** How long one slice runs: a turn of the event loop stays short however many jobs a change touches. */
const SLICE_MS = 2;
/** Steps between two looks at the clock. */
const STEPS_PER_LOOK = 32;

interface Task {
  /** A later task of the same key replaces this one's remaining steps. */
  readonly key: string | undefined;
  readonly steps: Iterator<unknown>;
}

/**
 * Work on many jobs, done a slice of steps per turn of the event loop, in the order it was
 * queued, so that no change of 100k jobs stalls the loop. Each step is one whole change of
 * one job (a generator yields after each), so between slices every job is on either its
 * old or its new schedule.
 */
export class SlicedWork {
  readonly #sliceMs: number;
  #tasks: Task[] = [];
  #immediate: NodeJS.Immediate | undefined;
  #idle: Array<() => void> = [];
  #stopped = false;

  /** sliceMs: how long a slice runs at most (give or take a few steps); 0 runs one look's worth of steps. */
  constructor(sliceMs = SLICE_MS) {
    this.#sliceMs = sliceMs;
  }

  /** Tasks not yet finished. */
  get pending(): number {
    return this.#tasks.length;
  }

  /**
   * Queues the steps; with a key, a queued task of that key is dropped first (its remaining
   * steps superseded by these).
   */
  enqueue(steps: Iterable<unknown>, key?: string): void {
    if (this.#stopped) return;
    if (key !== undefined) this.#tasks = this.#tasks.filter((t) => t.key !== key);
    this.#tasks.push({ key, steps: steps[Symbol.iterator]() });
    this.#schedule();
  }

  /** Runs every queued step now, in one go: at start-up, before anything is served. */
  drain(): void {
    while (this.#tasks.length > 0) this.#slice(Infinity);
    this.#settle();
  }

  /** Resolves once nothing is queued. */
  idle(): Promise<void> {
    if (this.#tasks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drops what is queued and runs nothing more. */
  stop(): void {
    this.#stopped = true;
    this.#tasks = [];
    clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#settle();
  }

  #schedule(): void {
    if (this.#immediate !== undefined || this.#tasks.length === 0) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#slice(performance.now() + this.#sliceMs);
      this.#settle();
      this.#schedule();
    });
  }

  /** Runs steps of the tasks in order until `until` (performance.now() ms); a finished task leaves the queue. */
  #slice(until: number): void {
    while (this.#tasks.length > 0) {
      const steps = this.#tasks[0]!.steps;
      for (let i = 0; i < STEPS_PER_LOOK; i++) {
        if (steps.next().done === true) {
          this.#tasks.shift();
          break;
        }
      }
      if (performance.now() >= until) return;
    }
  }

  #settle(): void {
    if (this.#tasks.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
