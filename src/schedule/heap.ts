/** What an item of an IndexedMinHeap carries: its own position, -1 while not in the heap. */
export interface HeapItem {
  heapIndex: number;
}

/**
 * A binary min-heap whose items know their position, so one can be moved or removed in
 * O(log n) rather than left behind as an obsolete copy. A scheduler of 100k jobs then
 * needs no entry object per queued run: the job itself is the entry. `less` decides the order.
 */
export class IndexedMinHeap<T extends HeapItem> {
  #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.#items[item.heapIndex] === item;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#siftUp(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Takes `item` out; nothing when it is not in the heap. */
  remove(item: T): void {
    if (!this.has(item)) return;
    const items = this.#items;
    const at = item.heapIndex;
    const last = items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    items[at] = last;
    last.heapIndex = at;
    this.#siftDown(at);
    this.#siftUp(last.heapIndex);
  }

  /** Puts `item` back in order after its key changed; pushes it when it was not in the heap. */
  update(item: T): void {
    if (!this.has(item)) {
      this.push(item);
      return;
    }
    this.#siftUp(item.heapIndex);
    this.#siftDown(item.heapIndex);
  }

  #siftUp(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent]!;
      if (!this.#less(item, above)) break;
      items[i] = above;
      above.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  #siftDown(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#less(items[right]!, items[left]!) ? right : left;
      const below = items[child]!;
      if (!this.#less(below, item)) break;
      items[i] = below;
      below.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
