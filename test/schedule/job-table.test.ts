import { describe, expect, it } from 'vitest';
import { JobTable } from '../../src/schedule/job-table.js';

describe('JobTable', () => {
  it('reads back what each job was created and marked with, past its first size', () => {
    const table = new JobTable();
    const jobs = Array.from({ length: 1000 }, (_, i) => table.create(`job${i}`, 1000 + i, i));
    jobs.forEach((job, i) => {
      expect(table.id(job)).toBe(`job${i}`);
      expect(table.intervalMs(job)).toBe(1000 + i);
      expect(table.phase(job)).toBe(i);
      expect(table.created(job)).toBe(i);
      expect([table.running(job), table.ranOnce(job), table.removed(job), table.successor(job)]).toEqual([
        false,
        false,
        false,
        -1,
      ]);
    });
    expect(new Set(jobs).size).toBe(1000);
    table.setRunning(jobs[5]!, true);
    table.setRanOnce(jobs[5]!);
    expect([table.running(jobs[5]!), table.ranOnce(jobs[5]!), table.removed(jobs[5]!)]).toEqual([true, true, false]);
    table.setRunning(jobs[5]!, false);
    table.setRemoved(jobs[5]!);
    expect([table.running(jobs[5]!), table.ranOnce(jobs[5]!), table.removed(jobs[5]!)]).toEqual([false, true, true]);
    table.setTiming(jobs[6]!, 60_000, 123);
    expect([table.intervalMs(jobs[6]!), table.phase(jobs[6]!)]).toEqual([60_000, 123]);
    expect(table.creations).toBe(1000);
  });

  it('hands a released number to the next job, with none of its old marks', () => {
    const table = new JobTable();
    const a = table.create('a', 1000, 1);
    const b = table.create('b', 1000, 2);
    table.setRunning(a, true);
    table.setRanOnce(a);
    table.setRemoved(a);
    table.setSuccessor(a, b);
    table.release(a);
    const c = table.create('c', 2000, 3);
    expect(c).toBe(a);
    expect(table.id(c)).toBe('c');
    expect([table.running(c), table.ranOnce(c), table.removed(c), table.successor(c)]).toEqual([
      false,
      false,
      false,
      -1,
    ]);
    // Created third: a round waiter set up before it does not count it.
    expect(table.created(c)).toBe(2);
  });
});
