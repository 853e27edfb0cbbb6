import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextRunAt, phaseOf } from '../../src/schedule/phase.js';
import { Scheduler, type SchedulerOptions } from '../../src/schedule/scheduler.js';

const SECOND = 1000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const MAX_TIMEOUT = 2 ** 31 - 1;

/** A fake-timer pause, so a run can take time. */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A scheduler whose runs are recorded: start times per id, and the most seen in flight at once. */
function recorded(opts: Partial<SchedulerOptions> & { durationMs?: (id: string) => number } = {}) {
  const starts = new Map<string, number[]>();
  const stats = { running: 0, maxRunning: 0, order: [] as string[] };
  const scheduler = new Scheduler({
    maxInFlight: 100,
    ...opts,
    run: async (id) => {
      starts.set(id, [...(starts.get(id) ?? []), Date.now()]);
      stats.order.push(id);
      stats.running += 1;
      stats.maxRunning = Math.max(stats.maxRunning, stats.running);
      try {
        const ms = opts.durationMs?.(id) ?? 0;
        if (ms > 0) await sleep(ms);
        await opts.run?.(id);
      } finally {
        stats.running -= 1;
      }
    },
  });
  return { scheduler, starts, stats, runs: (id: string) => starts.get(id) ?? [] };
}

describe('Scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('runs new jobs at once, then at their phase slot every interval', async () => {
    const { scheduler, runs } = recorded();
    scheduler.set([
      { id: 'a', intervalMs: 10 * SECOND },
      { id: 'b', intervalMs: 10 * SECOND },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs('a')).toEqual([T0]);
    expect(runs('b')).toEqual([T0]);

    await vi.advanceTimersByTimeAsync(60 * SECOND);
    for (const id of ['a', 'b']) {
      const later = runs(id).slice(1);
      expect(later).toHaveLength(6);
      expect(later[0]).toBe(nextRunAt(T0, phaseOf(id, 10 * SECOND), 10 * SECOND));
      for (const t of later) expect((t - phaseOf(id, 10 * SECOND)) % (10 * SECOND)).toBe(0);
      for (let i = 1; i < later.length; i++) expect(later[i]! - later[i - 1]!).toBe(10 * SECOND);
    }
    await scheduler.stop(0);
  });

  it('never overlaps a run longer than the interval, and skips the slots it missed', async () => {
    const { scheduler, runs, stats } = recorded({ durationMs: () => 25 * SECOND });
    const phase = phaseOf('slow', 10 * SECOND);
    scheduler.set([{ id: 'slow', intervalMs: 10 * SECOND }]);
    await vi.advanceTimersByTimeAsync(90 * SECOND);
    const second = nextRunAt(T0 + 25 * SECOND, phase, 10 * SECOND);
    const third = nextRunAt(second + 25 * SECOND, phase, 10 * SECOND);
    expect(runs('slow').slice(0, 3)).toEqual([T0, second, third]);
    expect(stats.maxRunning).toBe(1);
    await scheduler.stop(0);
  });

  it('stops a removed job: its run in flight finishes and it never runs again', async () => {
    let finished = 0;
    const { scheduler, runs } = recorded({
      durationMs: (id) => (id === 'gone' ? 5 * SECOND : 0),
      run: (id) => Promise.resolve(void (id === 'gone' && finished++)),
    });
    scheduler.set([
      { id: 'gone', intervalMs: 10 * SECOND },
      { id: 'kept', intervalMs: 10 * SECOND },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.inFlight).toBe(1); // 'kept' took no time
    scheduler.set([{ id: 'kept', intervalMs: 10 * SECOND }]);
    expect(scheduler.size).toBe(1);
    await vi.advanceTimersByTimeAsync(5 * SECOND);
    expect(finished).toBe(1);
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    expect(runs('gone')).toEqual([T0]);
    expect(runs('kept').length).toBeGreaterThan(5);
    await scheduler.stop(0);
  });

  it('does not start a re-added job while the run of its removed namesake is in flight', async () => {
    const { scheduler, runs, stats } = recorded({ durationMs: () => 5 * SECOND });
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    await vi.advanceTimersByTimeAsync(SECOND);
    scheduler.set([]);
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    await vi.advanceTimersByTimeAsync(3 * SECOND);
    expect(runs('a')).toEqual([T0]);
    // New, so due at once when the old run ends: on the next turn, which fake timers put 1 ms later.
    await vi.advanceTimersByTimeAsync(2 * SECOND + 1);
    expect(runs('a')).toEqual([T0, T0 + 5 * SECOND + 1]);
    expect(stats.maxRunning).toBe(1);
    await scheduler.stop(0);
  });

  it('starts a job added after the run of its removed namesake ended, at once', async () => {
    const { scheduler, runs } = recorded({ durationMs: () => 5 * SECOND });
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    await vi.advanceTimersByTimeAsync(SECOND);
    scheduler.set([]);
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    // The removed run is over: nothing is left to wait for.
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs('a')).toEqual([T0, T0 + 11 * SECOND]);
    await scheduler.stop(0);
  });

  it('forgets a re-added job removed again before its namesake ran out, whatever job comes next', async () => {
    const { scheduler, runs, stats } = recorded({ durationMs: (id) => (id === 'a' ? 5 * SECOND : 0) });
    scheduler.add({ id: 'a', intervalMs: 60 * SECOND });
    await vi.advanceTimersByTimeAsync(SECOND);
    scheduler.remove('a');
    scheduler.add({ id: 'a', intervalMs: 60 * SECOND });
    scheduler.remove('a');
    // A job added now may take the place the twice-removed one had.
    scheduler.add({ id: 'b', intervalMs: 60 * SECOND });
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(runs('b')).toEqual([T0 + SECOND]);
    // The first run of 'a' ends at T0 + 5 s: nothing of its own is left to start.
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    expect(runs('a')).toEqual([T0]);
    expect(runs('b')).toEqual([T0 + SECOND]);
    expect(stats.maxRunning).toBe(2);
    await scheduler.stop(0);
  });

  it('adds, removes and reschedules one job by id, saying whether it knew the job', async () => {
    const { scheduler, runs } = recorded();
    scheduler.add({ id: 'a', intervalMs: 30 * SECOND });
    scheduler.add({ id: 'b', intervalMs: 30 * SECOND });
    expect(() => scheduler.add({ id: 'a', intervalMs: SECOND })).toThrow(/duplicate job id "a"/);
    expect(() => scheduler.add({ id: 'c', intervalMs: 0 })).toThrow(/intervalMs must be a positive safe integer/);
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(scheduler.reschedule('a', 60 * SECOND)).toBe(true);
    expect(() => scheduler.reschedule('b', 1.5)).toThrow(/intervalMs must be a positive safe integer/);
    expect(scheduler.reschedule('unknown', SECOND)).toBe(false);
    expect(scheduler.remove('b')).toBe(true);
    expect(scheduler.remove('b')).toBe(false);
    expect(scheduler.size).toBe(1);
    await vi.advanceTimersByTimeAsync(120 * SECOND);
    const next = nextRunAt(T0 + SECOND, phaseOf('a', 60 * SECOND), 60 * SECOND);
    expect(runs('a')).toEqual([T0, next, next + 60 * SECOND]);
    expect(runs('b')).toEqual([T0]);
    await scheduler.stop(0);
  });

  it('keeps the schedule of jobs that stay: set() again does not run them at once', async () => {
    const { scheduler, runs } = recorded();
    const jobs = [{ id: 'a', intervalMs: 30 * SECOND }];
    scheduler.set(jobs);
    await vi.advanceTimersByTimeAsync(SECOND);
    scheduler.set([...jobs, { id: 'new', intervalMs: 30 * SECOND }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs('a')).toEqual([T0]);
    expect(runs('new')).toEqual([T0 + SECOND]);
    const next = nextRunAt(T0, phaseOf('a', 30 * SECOND), 30 * SECOND);
    await vi.advanceTimersByTimeAsync(next - T0);
    expect(runs('a')).toEqual([T0, next]);
    await scheduler.stop(0);
  });

  it('re-phases a job whose interval changed, from the next slot of the new interval', async () => {
    const { scheduler, runs } = recorded();
    scheduler.set([{ id: 'a', intervalMs: 10 * SECOND }]);
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(3 * SECOND);
    const changedAt = Date.now();
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs('a')).toHaveLength(runs('a').filter((t) => t <= changedAt).length); // not run at once
    const before = runs('a').length;
    const phase = phaseOf('a', 60 * SECOND);
    await vi.advanceTimersByTimeAsync(180 * SECOND);
    const after = runs('a').slice(before);
    expect(after[0]).toBe(nextRunAt(changedAt, phase, 60 * SECOND));
    for (const t of after) expect((t - phase) % (60 * SECOND)).toBe(0);
    await scheduler.stop(0);
  });

  it('runs at most maxInFlight at once, the waiting ones in due order', async () => {
    const { scheduler, stats } = recorded({ maxInFlight: 5, durationMs: () => SECOND });
    const ids = Array.from({ length: 50 }, (_, i) => `job-${i}`);
    scheduler.set(ids.map((id) => ({ id, intervalMs: 60 * SECOND })));
    const firstRound = scheduler.firstRoundDone();
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.inFlight).toBe(5);
    await vi.advanceTimersByTimeAsync(20 * SECOND);
    await firstRound;
    expect(stats.maxRunning).toBe(5);
    // Jobs not yet run are due at once, so they all go before any job's second run.
    expect(stats.order.slice(0, 50)).toEqual(ids);
    await scheduler.stop(0);
  });

  it('holds due jobs back while admit says no, and looks again on poke', async () => {
    let room = 3;
    const { scheduler, stats } = recorded({
      maxInFlight: 100,
      admit: (inFlight) => inFlight < room,
      durationMs: () => 10 * SECOND,
    });
    const ids = Array.from({ length: 10 }, (_, i) => `job-${i}`);
    scheduler.set(ids.map((id) => ({ id, intervalMs: 60 * SECOND })));
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.inFlight).toBe(3);
    room = 6;
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.inFlight).toBe(3);
    scheduler.poke();
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.inFlight).toBe(6);
    expect(stats.order).toEqual(ids.slice(0, 6));
    await scheduler.stop(0);
  });

  it('stop(0) resolves at once even with runs in flight', async () => {
    const { scheduler } = recorded({ durationMs: () => 10 * SECOND });
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.inFlight).toBe(1);
    await scheduler.stop(0);
  });

  it('fires a 30-day interval on time without ever asking setTimeout for more than 2^31-1 ms', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const { scheduler, runs } = recorded();
    const interval = 30 * DAY;
    scheduler.set([{ id: 'monthly', intervalMs: interval }]);
    await vi.advanceTimersByTimeAsync(0);
    const due = nextRunAt(T0, phaseOf('monthly', interval), interval);
    await vi.advanceTimersByTimeAsync(due - T0 - 1);
    expect(runs('monthly')).toEqual([T0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs('monthly')).toEqual([T0, due]);
    await vi.advanceTimersByTimeAsync(interval);
    expect(runs('monthly')).toEqual([T0, due, due + interval]);
    const delays = setTimeoutSpy.mock.calls.map((call) => call[1] ?? 0);
    expect(delays.length).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMEOUT);
    await scheduler.stop(0);
  });

  it('stop() clears its timer and waits for runs in flight, up to the grace period', async () => {
    const { scheduler, runs } = recorded({ durationMs: (id) => (id === 'slow' ? 10 * SECOND : SECOND) });
    scheduler.set([
      { id: 'slow', intervalMs: 5 * SECOND },
      { id: 'quick', intervalMs: 5 * SECOND },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    void scheduler.stop(3 * SECOND).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(3 * SECOND - 1);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    expect(runs('slow')).toEqual([T0]);
    expect(runs('quick')).toEqual([T0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() resolves as soon as the runs in flight finish, within the grace period', async () => {
    const { scheduler } = recorded({ durationMs: () => SECOND });
    scheduler.set([{ id: 'a', intervalMs: 5 * SECOND }]);
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    void scheduler.stop(60 * SECOND).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(stopped).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a rejecting or throwing run through onError and keeps the job on its schedule', async () => {
    const onError = vi.fn();
    const boom = new Error('boom');
    const { scheduler, runs } = recorded({
      onError,
      run: (id) => {
        if (id === 'throws') throw boom;
        return Promise.reject(boom);
      },
    });
    scheduler.set([
      { id: 'rejects', intervalMs: 10 * SECOND },
      { id: 'throws', intervalMs: 10 * SECOND },
    ]);
    await vi.advanceTimersByTimeAsync(20 * SECOND);
    expect(onError).toHaveBeenCalledWith('rejects', boom);
    expect(onError).toHaveBeenCalledWith('throws', boom);
    for (const id of ['rejects', 'throws']) {
      expect(runs(id)).toHaveLength(3);
      expect(runs(id)[1]).toBe(nextRunAt(T0, phaseOf(id, 10 * SECOND), 10 * SECOND));
    }
    await scheduler.stop(0);
  });

  it('firstRoundDone() resolves once every present job has run once', async () => {
    const { scheduler } = recorded({ durationMs: (id) => Number(id) * SECOND });
    await expect(scheduler.firstRoundDone()).resolves.toBeUndefined(); // no jobs: nothing to wait for
    scheduler.set(['1', '2', '3'].map((id) => ({ id, intervalMs: 60 * SECOND })));
    let done = false;
    void scheduler.firstRoundDone().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(2500);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(done).toBe(true);
    await scheduler.stop(0);
  });

  it('firstRoundDone() does not wait for a job removed before its first run', async () => {
    const { scheduler } = recorded({ maxInFlight: 1, durationMs: () => SECOND });
    scheduler.set([
      { id: 'a', intervalMs: 60 * SECOND },
      { id: 'b', intervalMs: 60 * SECOND },
    ]);
    let done = false;
    void scheduler.firstRoundDone().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(done).toBe(true);
    await scheduler.stop(0);
  });

  it('firstRoundDone() waits only for the jobs present when asked, not for ones added later', async () => {
    const { scheduler } = recorded({ durationMs: (id) => (id === 'late' ? 10 * SECOND : SECOND) });
    scheduler.set([{ id: 'a', intervalMs: 60 * SECOND }]);
    let first = false;
    void scheduler.firstRoundDone().then(() => (first = true));
    scheduler.set([
      { id: 'a', intervalMs: 60 * SECOND },
      { id: 'late', intervalMs: 60 * SECOND },
    ]);
    let both = false;
    void scheduler.firstRoundDone().then(() => (both = true));
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(first).toBe(true);
    expect(both).toBe(false);
    await vi.advanceTimersByTimeAsync(9 * SECOND);
    expect(both).toBe(true);
    await scheduler.stop(0);
  });

  it('rejects bad options and job lists before changing anything', () => {
    expect(() => recorded({ maxInFlight: 0 })).toThrow(RangeError);
    const { scheduler } = recorded();
    expect(() =>
      scheduler.set([
        { id: 'a', intervalMs: SECOND },
        { id: 'a', intervalMs: SECOND },
      ]),
    ).toThrow(/duplicate/);
    expect(() =>
      scheduler.set([
        { id: 'a', intervalMs: SECOND },
        { id: 'b', intervalMs: 0 },
      ]),
    ).toThrow(RangeError);
    expect(scheduler.size).toBe(0);
  });
});

describe('Scheduler with 100,000 jobs', () => {
  it('runs every one of them once, letting the event loop turn meanwhile', async () => {
    // Ids, not a count: a job whose phase slot falls within the round may rightly run again.
    const ran = new Set<string>();
    const scheduler = new Scheduler({ maxInFlight: 500, run: (id) => Promise.resolve(void ran.add(id)) });
    scheduler.set(
      Array.from({ length: 100_000 }, (_, i) => ({ id: `web/host-${i}.example.com:443`, intervalMs: 3_600_000 })),
    );
    expect(scheduler.size).toBe(100_000);
    let done = false;
    let turns = 0;
    const turn = (): void => {
      turns += 1;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    await scheduler.firstRoundDone();
    done = true;
    expect(ran.size).toBe(100_000);
    // Dispatch in batches: other callbacks get turns during the round instead of waiting for all of it.
    expect(turns).toBeGreaterThan(10);
    await scheduler.stop(0);
  });
});
