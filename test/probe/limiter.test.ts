import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { softNofile } from '../../src/open-files.js';
import { concurrencyForFdLimit, defaultGlobalConcurrency } from '../../src/probe/fd-budget.js';
import { ProbeLimiter } from '../../src/probe/limiter.js';
import { itOrSkip, notLinux } from '../helpers/skip.js';

/** A task that finishes when told to. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ProbeLimiter', () => {
  it('refuses caps that are not whole numbers >= 1', () => {
    expect(() => new ProbeLimiter({ global: 0, perAddress: 1 })).toThrow('global must be a whole number >= 1, got 0');
    expect(() => new ProbeLimiter({ global: 1, perAddress: 1.5 })).toThrow('perAddress must be');
  });

  it('runs each address in order, within the global and per-address caps', async () => {
    const limiter = new ProbeLimiter({ global: 3, perAddress: 2 });
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const task = (address: string, id: string): Promise<string> =>
      limiter.run(address, async () => {
        started.push(id);
        const g = gate();
        gates.set(id, g);
        await g.promise;
        return id;
      });
    const all = Promise.all(['a1', 'a2', 'a3', 'a4', 'b1', 'b2'].map((id) => task(id[0]!, id)));
    expect(started).toEqual(['a1', 'a2', 'b1']);
    expect([limiter.inFlight, limiter.queued]).toEqual([3, 3]);
    gates.get('b1')!.open();
    await tick();
    // b's slot went to b, not to a, which is at its own cap.
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2']);
    gates.get('a1')!.open();
    await tick();
    expect(started.at(-1)).toBe('a3');
    for (const id of ['a2', 'a3', 'b2']) gates.get(id)!.open();
    await tick();
    gates.get('a4')!.open();
    expect(await all).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2']);
    expect([limiter.inFlight, limiter.queued]).toEqual([0, 0]);
  });

  it('does not starve an address queued behind thousands of tasks for another', async () => {
    const limiter = new ProbeLimiter({ global: 2, perAddress: 2 });
    const order: string[] = [];
    const busy = Array.from({ length: 5000 }, (_, i) =>
      limiter.run('busy', () => Promise.resolve(void order.push(`busy${i}`))),
    );
    const other = limiter.run('other', () => Promise.resolve(void order.push('other')));
    await Promise.all([...busy, other]);
    expect(order.indexOf('other')).toBeLessThan(4);
  });

  it('passes results and errors through, including synchronous throws, and frees the slot', async () => {
    const limiter = new ProbeLimiter({ global: 1, perAddress: 1 });
    await expect(limiter.run('x', () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    await expect(
      limiter.run('x', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(await limiter.run('x', () => Promise.resolve(42))).toBe(42);
    expect(limiter.inFlight).toBe(0);
  });

  it('handles 100k queued tasks over 1000 addresses in linear time', async () => {
    const limiter = new ProbeLimiter({ global: 64, perAddress: 4 });
    let maxInFlight = 0;
    const cpu = process.cpuUsage();
    const tasks = Array.from({ length: 100_000 }, (_, i) =>
      limiter.run(`10.0.${i % 1000}`, async () => {
        maxInFlight = Math.max(maxInFlight, limiter.inFlight);
        await Promise.resolve();
      }),
    );
    expect(limiter.queued).toBe(100_000 - 64);
    await Promise.all(tasks);
    expect(maxInFlight).toBe(64);
    expect([limiter.inFlight, limiter.queued]).toEqual([0, 0]);
    // Quadratic queue handling takes minutes of CPU here. CPU time, not wall time: a loaded
    // machine delays this process but does not make its work cost more.
    const { user, system } = process.cpuUsage(cpu);
    expect((user + system) / 1000).toBeLessThan(5000);
  });
});

describe('defaultGlobalConcurrency', () => {
  it.each([
    [1024, 736],
    [4096, 3040],
    [8192, 4096],
    [100, 43],
    [50, 5],
    [20, 1],
    [Infinity, 4096],
  ])('with %s open files allows %s connect attempts', (limit, expected) => {
    expect(concurrencyForFdLimit(limit)).toBe(expected);
  });

  it('reads the soft limit from /proc/self/limits text', () => {
    const text =
      'Limit                     Soft Limit           Hard Limit           Units     \n' +
      'Max open files            2048                 4096                 files     \n';
    expect(softNofile(text)).toBe(2048);
    expect(softNofile(text.replace('2048', 'unlimited'))).toBe(Infinity);
    expect(softNofile('Max processes 10 10 processes\n')).toBeUndefined();
  });

  // Node raises its soft limit to the hard one at start-up, so both are set here.
  itOrSkip(notLinux(), 'follows the open-files limit the process really has', () => {
    const limiter = fileURLToPath(new URL('../../dist/probe/fd-budget.js', import.meta.url));
    const script = `import(${JSON.stringify(limiter)}).then((m) => console.log(m.defaultGlobalConcurrency()))`;
    const run = (limit: number): number =>
      Number(
        execFileSync('prlimit', [`--nofile=${limit}`, process.execPath, '-e', script], {
          encoding: 'utf8',
          timeout: 10_000,
        }).trim(),
      );
    expect(run(1024)).toBe(736);
    expect(run(200)).toBe(118);
    expect(defaultGlobalConcurrency()).toBeGreaterThanOrEqual(1);
  });
});

describe('ProbeLimiter socket budget and onStart', () => {
  it('defaults the socket budget to the global cap and tells onStart when attempts start', async () => {
    let starts = 0;
    const limiter = new ProbeLimiter({ global: 2, perAddress: 2, onStart: () => starts++ });
    const gates = [gate(), gate(), gate()];
    const all = Promise.all(gates.map((g, i) => limiter.run(`a${i}`, () => g.promise)));
    expect([limiter.inFlight, limiter.queued]).toEqual([2, 1]);
    expect(starts).toBeGreaterThan(0);
    const before = starts;
    gates[0]!.open();
    await tick();
    expect([limiter.inFlight, limiter.queued]).toEqual([2, 0]);
    expect(starts).toBeGreaterThan(before);
    for (const g of gates) g.open();
    await all;
    expect(limiter.inFlight).toBe(0);
  });
});

describe('ProbeLimiter socket budget under descriptor exhaustion', () => {
  it('drops to three quarters of the sockets open, holds new work back, and grows back slowly', async () => {
    const limiter = new ProbeLimiter({ global: 100, perAddress: 100 });
    const release: Array<() => void> = [];
    const tasks = Array.from({ length: 60 }, () =>
      limiter.run('127.0.0.1', () => new Promise<void>((r) => release.push(r))),
    );
    await new Promise((r) => setImmediate(r));
    expect(limiter.inFlight).toBe(60);
    limiter.reportDescriptorsExhausted();
    expect(limiter.socketLimit).toBe(45);
    const extra = limiter.run('127.0.0.1', () => Promise.resolve('ran'));
    await new Promise((r) => setImmediate(r));
    expect(limiter.queued).toBe(1);
    for (let i = 0; i < 31; i++) limiter.reportDescriptorsFine();
    expect(limiter.socketLimit).toBe(45);
    limiter.reportDescriptorsFine();
    expect(limiter.socketLimit).toBe(46);
    // Below the budget again, the waiting attempt starts.
    release.splice(0, 20).forEach((r) => r());
    expect(await extra).toBe('ran');
    release.forEach((r) => r());
    await Promise.all(tasks);
    expect(limiter.inFlight).toBe(0);
  });
});

describe('ProbeLimiter.close', () => {
  it('rejects the attempts still waiting, lets those under way finish, and refuses new ones', async () => {
    const limiter = new ProbeLimiter({ global: 2, perAddress: 2 });
    const release: Array<() => void> = [];
    const running = [0, 1].map(() =>
      limiter.run('127.0.0.1', () => new Promise<string>((r) => release.push(() => r('done')))),
    );
    const waiting = [0, 1, 2].map(() => limiter.run('127.0.0.1', () => Promise.resolve('started')));
    await new Promise((r) => setImmediate(r));
    expect([limiter.inFlight, limiter.queued]).toEqual([2, 3]);
    const reason = new Error('stopping');
    limiter.close(reason);
    expect(limiter.queued).toBe(0);
    for (const w of waiting) await expect(w).rejects.toBe(reason);
    await expect(limiter.run('127.0.0.1', () => Promise.resolve('late'))).rejects.toBe(reason);
    release.forEach((r) => r());
    expect(await Promise.all(running)).toEqual(['done', 'done']);
    expect(limiter.inFlight).toBe(0);
  });
});
