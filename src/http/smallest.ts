/**
 * The `limit` smallest items offered, by a comparison: a max-heap whose top is the largest
 * item kept, so an item that would not be kept costs one comparison and no allocation. A
 * page of a 100k-target list is then chosen without sorting the whole list.
 */
export class Smallest<T> {
  readonly #heap: T[] = [];
  readonly #limit: number;
  readonly #compare: (a: T, b: T) => number;

  constructor(limit: number, compare: (a: T, b: T) => number) {
    this.#limit = limit;
    this.#compare = compare;
  }

  /** Whether an item comparing as `probe` does against kept ones would be kept. */
  admits(probe: (kept: T) => number): boolean {
    if (this.#limit <= 0) return false;
    return this.#heap.length < this.#limit || probe(this.#heap[0]!) < 0;
  }

  /** Keeps `item`, dropping the largest kept when full; only call when admits() said so. */
  add(item: T): void {
    const heap = this.#heap;
    if (heap.length < this.#limit) {
      heap.push(item);
      this.#up(heap.length - 1);
      return;
    }
    heap[0] = item;
    this.#down(0);
  }

  /** What was kept, smallest first. */
  sorted(): T[] {
    return [...this.#heap].sort(this.#compare);
  }

  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#compare(heap[i]!, heap[parent]!) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < heap.length && this.#compare(heap[left]!, heap[largest]!) > 0) largest = left;
      if (right < heap.length && this.#compare(heap[right]!, heap[largest]!) > 0) largest = right;
      if (largest === i) return;
      [heap[i], heap[largest]] = [heap[largest]!, heap[i]!];
      i = largest;
    }
  }
}
