import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { median, row, type Row, type ScenarioOutcome } from './result.js';
import type { BenchOptions } from './round.js';

// Scenario 6: the state file of 100k targets, written by portwatch's own writer (from dist/,
// in this process) while the event loop's delay is sampled every millisecond, then read
// back as a start-up would. The bench is compiled on its own, so the few parts of dist/ it
// uses are described here rather than imported with their types.

interface Result {
  state: string;
  reason: string;
  durationSeconds: number;
}
interface Store {
  setTargets(monitors: unknown[]): void;
  targets(): ReadonlyMap<string, { id: string; host: string }>;
  record(id: string, results: Array<{ ip: string; result: Result }>, now: number): unknown;
  revision: number;
}
interface Writer {
  close(): Promise<void>;
}
interface Dist {
  PortStore: new () => Store;
  StateWriter: new (opts: Record<string, unknown>) => Writer;
  snapshotOf(sources: { store: Store; httpSd: () => unknown[] }, now: number): unknown;
  encodeState(state: unknown): Iterator<string>;
  loadState(dir: string, log: unknown): Promise<{ targets: unknown[] } | undefined>;
  restoreInto(store: Store, saved: unknown): { targets: { restored: number } };
}

async function dist(): Promise<Dist> {
  const load = (path: string) => import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<object>;
  const paths = ['state/store.js', 'storage/writer.js', 'storage/snapshot.js', 'storage/load.js', 'storage/format.js'];
  const modules = await Promise.all(paths.map(load));
  return Object.assign({}, ...modules) as Dist;
}

/** Scenario 3's shape: 100 ports on each of size / 100 addresses, every one checked once. */
function filledStore(d: Dist, size: number): { store: Store; monitors: unknown[] } {
  const address = (i: number) => `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const hosts = Array.from({ length: Math.ceil(size / 100) }, (_, i) => address(i));
  const expectOpen = [1001, 1050];
  const expectClosed = Array.from({ length: 100 }, (_, i) => 1001 + i).filter((p) => !expectOpen.includes(p));
  const settings = { intervalMs: 60_000, timeoutMs: 3000, retries: 2 };
  const monitors = [{ name: 'breadth', hosts, ...settings, expectOpen, expectClosed }];
  const store = new d.PortStore();
  store.setTargets(monitors);
  const now = Date.now();
  const result = { state: 'closed', reason: 'conn-refused', durationSeconds: 0.000123 };
  for (const t of store.targets().values()) store.record(t.id, [{ ip: t.host, result }], now);
  return { store, monitors };
}

interface WriteRun {
  ms: number;
  stallMs: number;
  p99Ms: number;
}

/** One write, as at shutdown, with the loop's delay sampled throughout. */
async function timedWrite(d: Dist, store: Store, dir: string): Promise<WriteRun> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const writer = new d.StateWriter({
    dir,
    log: pino({ level: 'silent' }),
    snapshot: (now: number) => d.snapshotOf({ store, httpSd: () => [] }, now),
    revision: () => store.revision,
    onWrite: () => undefined,
  });
  delay.enable();
  const t0 = performance.now();
  await writer.close();
  const ms = performance.now() - t0;
  delay.disable();
  return { ms, stallMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6 };
}

/**
 * The longest piece of the file's text to make, in CPU time of this process (main thread
 * and V8's helpers) and in wall time: what the writer does between two turns of the loop,
 * without the time a busy machine keeps it from a CPU.
 */
function longestSlice(d: Dist, store: Store): { cpuMs: number; wallMs: number } {
  const pieces = d.encodeState(d.snapshotOf({ store, httpSd: () => [] }, Date.now()));
  let cpuMs = 0;
  let wallMs = 0;
  for (;;) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const next = pieces.next();
    const used = process.cpuUsage(cpu);
    cpuMs = Math.max(cpuMs, (used.user + used.system) / 1000);
    wallMs = Math.max(wallMs, performance.now() - t0);
    if (next.done) return { cpuMs, wallMs };
  }
}

/** 6. The state file of scenario 3's size: the write's stall of the event loop, and the read at start. */
export async function stateFile(o: BenchOptions): Promise<ScenarioOutcome> {
  const size = o.smoke ? 2000 : 100_000;
  const d = await dist();
  const { store, monitors } = filledStore(d, size);
  const dir = mkdtempSync(join(o.tmp, 'state-'));
  try {
    const runs = o.runs ?? (o.smoke ? 1 : 5);
    const writes: WriteRun[] = [];
    for (let i = 0; i < runs; i++) writes.push(await timedWrite(d, store, dir));
    const bytes = statSync(join(dir, 'state.json')).size;
    const slice = longestSlice(d, store);
    // The read at start blocks the loop (before the first round): its time is the stall.
    const t0 = performance.now();
    const saved = await d.loadState(dir, pino({ level: 'silent' }));
    const readMs = performance.now() - t0;
    const fresh = new d.PortStore();
    fresh.setTargets(monitors);
    const t1 = performance.now();
    const restored = saved === undefined ? 0 : d.restoreInto(fresh, saved).targets.restored;
    const restoreMs = performance.now() - t1;
    const failures = restored === size ? [] : [`scenario 6: restored ${restored} of ${size} targets`];
    const stall = Math.max(...writes.map((w) => w.stallMs));
    const p99 = Math.max(...writes.map((w) => w.p99Ms));
    const writeMs = median(writes.map((w) => w.ms));
    const met = stall <= 50 && failures.length === 0;
    // The delay is wall time: on a busy machine it includes waiting for a CPU.
    const load = loadavg()[0]!.toFixed(1);
    const notes = [
      `event-loop delay during the writes: max ${stall.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (load average ${load})`,
      `longest slice of work ${slice.cpuMs.toFixed(1)} ms of CPU (${slice.wallMs.toFixed(1)} ms wall)`,
      `read at start ${readMs.toFixed(0)} ms, restore ${restoreMs.toFixed(0)} ms`,
    ];
    const rows: Row[] = [
      row({
        scenario: `6. state file of ${size} targets (${(bytes / 1e6).toFixed(1)} MB)`,
        tool: 'portwatch state write (temporary file, fsync, rename)',
        runs,
        medianMs: writeMs,
        timesMs: writes.map((w) => w.ms),
        right: restored,
        wrong: size - restored,
        goal: `loop stall <=50 ms during a write (${stall.toFixed(1)} ms): ${met ? 'met' : 'NOT met'}`,
        met,
        notes,
      }),
    ];
    process.stderr.write(`bench: scenario 6: write ${writeMs?.toFixed(0)} ms, ${bytes} bytes; ${notes.join('; ')}\n`);
    const stallsMs = writes.map((w) => w.stallMs);
    const writesMs = writes.map((w) => w.ms);
    const extra = { stateFile: { targets: size, bytes, writesMs, stallsMs, slice, readMs, restoreMs, load } };
    return { rows, extra, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
