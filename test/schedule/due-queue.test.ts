import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueQueue } from '../../src/schedule/due-queue.js';

describe('DueQueue', () => {
  it('pops by due time, ties in the order queued, after any mix of set, remove and pop', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), job: fc.nat({ max: 300 }), at: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant('remove' as const), job: fc.nat({ max: 300 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const queue = new DueQueue();
        // The model: each queued job's due time and when it was last set.
        const model = new Map<number, { at: number; order: number }>();
        let order = 0;
        const first = (): number => {
          let best = -1;
          for (const [job, k] of model) {
            const b = model.get(best);
            if (b === undefined || k.at < b.at || (k.at === b.at && k.order < b.order)) best = job;
          }
          return best;
        };
        for (const o of ops) {
          if (o.kind === 'set') {
            queue.set(o.job, o.at);
            model.set(o.job, { at: o.at, order: order++ });
          } else if (o.kind === 'remove') {
            queue.remove(o.job);
            model.delete(o.job);
          } else {
            const want = first();
            expect(queue.peekAt()).toBe(want < 0 ? Infinity : model.get(want)!.at);
            expect(queue.pop()).toBe(want);
            model.delete(want);
          }
          expect(queue.size).toBe(model.size);
          for (let job = 0; job <= 300; job++) expect(queue.has(job)).toBe(model.has(job));
        }
        const drained: number[] = [];
        for (let job = queue.pop(); job >= 0; job = queue.pop()) drained.push(job);
        const want = [...model].sort(([, a], [, b]) => a.at - b.at || a.order - b.order).map(([job]) => job);
        expect(drained).toEqual(want);
      }),
    );
  });

  it('keeps 100,000 jobs due together in the order they were queued, and grows past its first size', () => {
    const queue = new DueQueue();
    const jobs = Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 100_000);
    for (const job of jobs) queue.set(job, 5);
    queue.set(jobs[0]!, 4);
    expect(queue.size).toBe(100_000);
    const out: number[] = [];
    for (let job = queue.pop(); job >= 0; job = queue.pop()) out.push(job);
    expect(out).toEqual(jobs);
  });

  it('is empty at first: no job, due never', () => {
    const queue = new DueQueue();
    expect(queue.peek()).toBe(-1);
    expect(queue.peekAt()).toBe(Infinity);
    expect(queue.pop()).toBe(-1);
    expect(queue.has(0)).toBe(false);
    queue.remove(3);
    expect(queue.size).toBe(0);
  });

  it('refuses a job number that is not a whole number >= 0', () => {
    const queue = new DueQueue();
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => queue.set(bad, 0)).toThrow(RangeError);
    expect(queue.size).toBe(0);
  });
});
