import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/probe/queue.js';

describe('Queue', () => {
  it('is first in, first out across growth, wrap-around and emptying', () => {
    const q = new Queue<number>();
    const out: Array<number | undefined> = [];
    let pushed = 0;
    // Interleaved pushes and shifts wrap the ring and make it grow many times.
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

  it('stays in order when it fills up exactly and wraps at every position', () => {
    for (let offset = 0; offset < 40; offset++) {
      const q = new Queue<number>();
      for (let i = 0; i < offset; i++) q.push(-1);
      for (let i = 0; i < offset; i++) q.shift();
      for (let i = 0; i < 100; i++) q.push(i);
      expect(q.peek()).toBe(0);
      const out: number[] = [];
      for (let v = q.shift(); v !== undefined; v = q.shift()) out.push(v);
      expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
  });
});
