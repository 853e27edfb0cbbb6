import { describe, expect, it } from 'vitest';
import { SlicedWork } from '../../src/schedule/sliced-work.js';

/** One turn of the event loop: immediates queued before this one run first. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Steps that record their name and index when run. */
function* steps(log: string[], name: string, n: number): Generator<void> {
  for (let i = 0; i < n; i++) yield void log.push(`${name}${i}`);
}

describe('SlicedWork', () => {
  it('runs a long task a slice per turn of the event loop, never all in one', async () => {
    const work = new SlicedWork(0);
    const log: string[] = [];
    work.enqueue(steps(log, 'a', 100));
    expect(log).toEqual([]);
    await turn();
    const first = log.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(100);
    await turn();
    expect(log.length).toBeGreaterThan(first);
    await work.idle();
    expect(log).toEqual(Array.from({ length: 100 }, (_, i) => `a${i}`));
    expect(work.pending).toBe(0);
  });

  it('runs tasks in the order they were queued', async () => {
    const work = new SlicedWork(0);
    const log: string[] = [];
    work.enqueue(steps(log, 'a', 40));
    work.enqueue(steps(log, 'b', 40));
    await work.idle();
    expect(log).toEqual([
      ...Array.from({ length: 40 }, (_, i) => `a${i}`),
      ...Array.from({ length: 40 }, (_, i) => `b${i}`),
    ]);
  });

  it('drops what is left of a keyed task when one of the same key comes, and keeps the others', async () => {
    const work = new SlicedWork(0);
    const log: string[] = [];
    work.enqueue(steps(log, 'old', 200), 'web');
    work.enqueue(steps(log, 'other', 3));
    await turn();
    const done = log.length;
    expect(done).toBeLessThan(200);
    work.enqueue(steps(log, 'new', 2), 'web');
    await work.idle();
    expect(log.slice(done)).toEqual(['other0', 'other1', 'other2', 'new0', 'new1']);
  });

  it('drains everything at once, and runs nothing after stop', async () => {
    const work = new SlicedWork(0);
    const log: string[] = [];
    work.enqueue(steps(log, 'a', 500));
    work.drain();
    expect(log).toHaveLength(500);
    work.enqueue(steps(log, 'b', 500));
    const idle = work.idle();
    work.stop();
    await idle;
    work.enqueue(steps(log, 'c', 5));
    await turn();
    await turn();
    expect(log).toHaveLength(500);
  });
});
