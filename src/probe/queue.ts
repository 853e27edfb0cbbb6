/** Capacity a queue keeps when it empties: refilling up to it allocates nothing. */
const KEPT_CAPACITY = 256;

/**
 * A FIFO queue with O(1) push and shift, in a ring buffer: Array.prototype.shift moves
 * every element (quadratic over the 100k probes a large config can queue), and an array
 * emptied and refilled per burst is a new backing store each time, on the hot path of
 * every probe. The ring doubles when full and is dropped back to a small one when it
 * empties from large, so memory follows what is still queued.
 */
export class Queue<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(16).fill(undefined);
  #head = 0;
  #size = 0;

  get length(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) & (this.#items.length - 1)] = item;
    this.#size++;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#size--;
    if (this.#size === 0) {
      this.#head = 0;
      if (this.#items.length > KEPT_CAPACITY) this.#items = new Array<T | undefined>(KEPT_CAPACITY).fill(undefined);
    }
    return item;
  }

  /** Twice the room, items in order from index 0 (the capacity stays a power of two). */
  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.#size; i++) items[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}
