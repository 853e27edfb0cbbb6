import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexedMinHeap } from '../../src/schedule/heap.js';

interface Item {
  key: number;
  heapIndex: number;
}

describe('IndexedMinHeap', () => {
  it('pops in key order after any mix of push, update, remove and pop', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), key: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), key: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new IndexedMinHeap<Item>((a, b) => a.key < b.key);
        const all: Item[] = [];
        const inHeap = new Set<Item>();
        for (const o of ops) {
          if (o.kind === 'push') {
            const item = { key: o.key, heapIndex: -1 };
            all.push(item);
            heap.push(item);
            inHeap.add(item);
          } else if (o.kind === 'pop') {
            const min = Math.min(...[...inHeap].map((i) => i.key));
            const top = heap.pop();
            if (inHeap.size === 0) expect(top).toBeUndefined();
            else {
              expect(top!.key).toBe(min);
              inHeap.delete(top!);
            }
          } else if (all.length > 0) {
            const item = all[o.pick % all.length]!;
            if (o.kind === 'remove') {
              heap.remove(item);
              inHeap.delete(item);
            } else {
              item.key = o.key;
              heap.update(item);
              inHeap.add(item);
            }
          }
          expect(heap.size).toBe(inHeap.size);
          for (const item of all) expect(heap.has(item)).toBe(inHeap.has(item));
        }
        const drained: number[] = [];
        for (let top = heap.pop(); top !== undefined; top = heap.pop()) drained.push(top.key);
        expect(drained).toEqual([...inHeap].map((i) => i.key).sort((a, b) => a - b));
      }),
    );
  });
});
