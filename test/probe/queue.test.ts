import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/probe/queue.js';

describe('Queue', () => {
  it('is first in, first out across compactions', () => {
    const q = new Queue<number>();
    const out: Array<number | undefined> = [];
    let pushed = 0;
    // Interleaved pushes and shifts cross the compaction threshold many times.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) q.push(pushed++);
      for (let i = 0; i < 2500; i++) out.push(q.shift());
    }
    expect(q.length).toBe(pushed - out.length);
    while (q.length > 0) out.push(q.shift());
    expect(out.every((v, i) => v === i)).toBe(true);
    expect(out).toHaveLength(pushed);
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });
});
