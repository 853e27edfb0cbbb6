// The daemon's scheduling of a change of the targets (src/daemon.ts, #schedule), put
// together here from the same parts: the store's changes, job steps, sliced work.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MonitorConfig } from '../../src/config/types.js';
import { addSteps, removeSteps, rescheduleSteps } from '../../src/schedule/job-steps.js';
import { nextRunAt, phaseOf } from '../../src/schedule/phase.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { SlicedWork } from '../../src/schedule/sliced-work.js';
import { selectShard, shardOfHost } from '../../src/shard/assign.js';
import { PortStore } from '../../src/state/store.js';
import type { Target } from '../../src/state/target.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

const monitor = (name: string, hosts: number, over: Partial<MonitorConfig> = {}): MonitorConfig => ({
  name,
  hosts: Array.from({ length: hosts }, (_, i) => `${name}${i}.example`),
  intervalMs: HOUR,
  timeoutMs: 3000,
  retries: 0,
  expectOpen: [80, 443],
  expectClosed: [22],
  ...over,
});

const jobOf = (t: Target) => ({ id: t.id, intervalMs: t.settings.intervalMs });

/** A store and a scheduler kept in step as the daemon keeps them, with each job's run times. */
function rig() {
  const runs = new Map<string, number[]>();
  const store = new PortStore();
  const scheduler = new Scheduler({
    maxInFlight: 100_000,
    run: (id) => void runs.set(id, [...(runs.get(id) ?? []), Date.now()]),
  });
  const work = new SlicedWork(0);
  const apply = (monitors: MonitorConfig[]): void => {
    const changes = store.setTargets(monitors);
    if (changes.removed.length > 0) work.enqueue(removeSteps(scheduler, changes.removed));
    if (changes.added.length > 0) work.enqueue(addSteps(scheduler, changes.added, jobOf));
    for (const m of changes.rescheduled) work.enqueue(rescheduleSteps(scheduler, store.targetsOf(m), jobOf), m);
  };
  const runsOf = (id: string): number[] => runs.get(id) ?? [];
  const stop = (): Promise<void> => (work.stop(), scheduler.stop(0));
  return { store, scheduler, work, apply, runsOf, runs, stop };
}

/** The slots a job runs at after `from`, up to `to`, at `intervalMs`. */
function slots(id: string, intervalMs: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let at = nextRunAt(from, phaseOf(id, intervalMs), intervalMs); at <= to; at += intervalMs) out.push(at);
  return out;
}

describe('a change of the targets, scheduled in slices', () => {
  beforeEach(() => void vi.useFakeTimers({ now: T0 }));
  afterEach(() => void vi.useRealTimers());

  it('runs a new host at once and leaves every other job on its schedule', async () => {
    const r = rig();
    r.apply([monitor('web', 100), monitor('db', 10)]);
    r.work.drain();
    await vi.advanceTimersByTimeAsync(HOUR / 2);
    const kept = [...r.store.targets().keys()];
    const added = monitor('web', 100);
    added.hosts = [...added.hosts.slice(1), 'new.example'];
    r.apply([added, monitor('db', 10)]);
    const changedAt = Date.now();
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    // First runs are spread over a few turns of the event loop (fake ms); the slots after them are exact.
    for (const id of kept) {
      const [first, ...later] = r.runsOf(id);
      expect(first).toBeLessThan(T0 + 100);
      const removed = id.startsWith('web\u0000web0.example\u0000');
      expect(later).toEqual(slots(id, HOUR, T0, removed ? changedAt : T0 + 2.5 * HOUR));
    }
    const fresh = [...r.store.targetsOf('web')].filter((t) => t.host === 'new.example');
    expect(fresh).toHaveLength(3);
    for (const t of fresh) {
      const [first, ...later] = r.runsOf(t.id);
      expect(first).toBeGreaterThanOrEqual(changedAt);
      expect(first).toBeLessThan(changedAt + 100);
      expect(later).toEqual(slots(t.id, HOUR, first!, T0 + 2.5 * HOUR));
    }
    await r.stop();
  });

  it("moves every job of a monitor whose interval changed to the new one's slots, and no job of another", async () => {
    const r = rig();
    r.apply([monitor('web', 100), monitor('db', 10)]);
    r.work.drain();
    await vi.advanceTimersByTimeAsync(HOUR / 4);
    r.apply([monitor('web', 100, { intervalMs: 2 * HOUR }), monitor('db', 10)]);
    const changedAt = Date.now();
    await vi.advanceTimersByTimeAsync(4 * HOUR);
    const end = Date.now();
    for (const [id, t] of r.store.targets()) {
      const after = r.runsOf(id).filter((at) => at > changedAt);
      // Each job is either on its old or its new schedule at any moment: never lost, never twice.
      if (t.monitor === 'web') expect(after).toEqual(slots(id, 2 * HOUR, changedAt, end));
      else expect(after).toEqual(slots(id, HOUR, changedAt, end));
    }
    await r.stop();
  });

  it('lets a reload that comes while a reschedule is under way supersede the rest of it', async () => {
    const r = rig();
    r.apply([monitor('web', 200)]);
    r.work.drain();
    await vi.advanceTimersByTimeAsync(HOUR / 4);
    r.apply([monitor('web', 200, { intervalMs: 2 * HOUR })]);
    await vi.advanceTimersToNextTimerAsync(); // one slice of the pass to 2 hours
    expect(r.work.pending).toBe(1);
    r.apply([monitor('web', 200, { intervalMs: HOUR })]);
    expect(r.work.pending).toBe(1);
    const changedAt = Date.now();
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    const end = Date.now();
    expect(r.scheduler.size).toBe(600);
    for (const id of r.store.targets().keys()) {
      expect(r.runsOf(id).filter((at) => at > changedAt)).toEqual(slots(id, HOUR, changedAt, end));
    }
    await r.stop();
  });

  it('removes every job of a monitor no longer configured; one added back runs anew, once', async () => {
    const r = rig();
    r.apply([monitor('web', 50), monitor('db', 5)]);
    r.work.drain();
    await vi.advanceTimersByTimeAsync(HOUR / 4);
    r.apply([monitor('db', 5)]);
    r.apply([monitor('db', 5), monitor('web', 50)]);
    const changedAt = Date.now();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(r.scheduler.size).toBe(165);
    for (const t of r.store.targetsOf('web')) {
      const [first, ...later] = r.runsOf(t.id).filter((at) => at >= changedAt);
      expect(first).toBeLessThan(changedAt + 100);
      expect(later).toEqual(slots(t.id, HOUR, first!, Date.now()));
    }
    await r.stop();
  });

  it("schedules only this shard's hosts when service discovery adds hosts", async () => {
    const r = rig();
    const shard = { index: 0, count: 2 };
    const config = { monitors: [monitor('web', 40)] };
    r.apply(selectShard(config, shard).monitors);
    r.work.drain();
    const before = r.scheduler.size;
    const more = { monitors: [monitor('web', 80)] };
    r.apply(selectShard(more, shard).monitors);
    await vi.advanceTimersByTimeAsync(1000);
    const added = more.monitors[0]!.hosts.slice(40).filter((h) => shardOfHost(h, 2) === 0);
    expect(added.length).toBeGreaterThan(0);
    expect(r.scheduler.size).toBe(before + 3 * added.length);
    for (const t of r.store.targets().values()) expect(shardOfHost(t.host, 2)).toBe(0);
    await r.stop();
  });
});
