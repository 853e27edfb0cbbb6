import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { PortStore, targetId } from '../../src/state/store.js';
import { snapshotOf } from '../../src/storage/snapshot.js';
import { StateWriter } from '../../src/storage/writer.js';
import { filledStore, MONITORS, NOW } from '../metrics/fixture.js';
import { capture, filesIn, LEVEL, readState, rootSkipReason, until } from './helpers.js';
import { itOrSkip } from '../helpers/skip.js';

// The writer on a real file system, with short ticks: when it writes, what a failure does
// (logged once per streak, reported, retried), and that the file is replaced whole.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pwwriter-'));
  dirs.push(dir);
  return dir;
}

function writer(dir: string, store: PortStore = filledStore()) {
  const { log, lines } = capture();
  const writes: boolean[] = [];
  const w = new StateWriter({
    dir,
    log,
    snapshot: (now) => snapshotOf({ store, httpSd: () => [] }, now),
    revision: () => store.revision,
    onWrite: (ok) => void writes.push(ok),
    tickMs: 20,
    retryMs: 100,
  });
  return { w, lines, writes, store };
}

describe('StateWriter', () => {
  it('writes at once, then only when the revision moves, then once more at close', async () => {
    const dir = tempDir();
    const { w, writes, store } = writer(join(dir, 'data'));
    w.start();
    await until(() => writes.length === 1, 5000, 'the first write');
    expect(readState(join(dir, 'data')).targets).toHaveLength(5);
    // Nothing changed: no write over many ticks.
    await new Promise((r) => setTimeout(r, 200));
    expect(writes).toEqual([true]);
    // A check time alone is no change; a state change is.
    const ssh = targetId('web', 'web1.example', 22);
    const closed = { state: 'closed', reason: 'conn-refused', durationSeconds: 0.001 } as const;
    const open = { state: 'open', reason: 'syn-ack', durationSeconds: 0.001 } as const;
    store.record(ssh, [{ ip: '192.0.2.10', result: closed }], NOW + 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(writes).toEqual([true]);
    store.record(ssh, [{ ip: '192.0.2.10', result: open }], NOW + 2);
    await until(() => writes.length === 2, 5000, 'the write of the change');
    const saved = readState(join(dir, 'data')).targets.find((t) => t.port === 22 && t.host === 'web1.example');
    expect(saved?.addresses).toEqual([{ ip: '192.0.2.10', ...open, changedAt: NOW + 2, checkedAt: NOW + 2 }]);
    await w.close();
    expect(writes).toEqual([true, true, true]);
    // Replaced by rename: nothing left beside it.
    expect(filesIn(join(dir, 'data'))).toEqual(['state.json']);
  });

  it('leaves twenty times the duration of a write before the next, however often the state changes', async () => {
    const dir = tempDir();
    const store = filledStore();
    const { log } = capture();
    const snapshots: number[] = [];
    const ends: number[] = [];
    const w = new StateWriter({
      dir,
      log,
      snapshot: (now) => {
        snapshots.push(performance.now());
        // A slow first write, as 100k targets on a busy loop make one.
        if (snapshots.length === 1) while (performance.now() - snapshots[0]! < 25);
        return snapshotOf({ store, httpSd: () => [] }, now);
      },
      revision: () => store.revision,
      onWrite: () => void ends.push(performance.now()),
      tickMs: 10,
    });
    const ssh = targetId('web', 'web1.example', 22);
    let flips = 0;
    // A change on every tick: without the spacing, a write would follow each.
    const churn = setInterval(() => {
      const state = flips++ % 2 === 0 ? 'open' : 'closed';
      store.record(ssh, [{ ip: '192.0.2.10', result: { state, reason: 'syn-ack', durationSeconds: 0.001 } }], NOW);
    }, 5);
    try {
      w.start();
      await until(() => snapshots.length >= 3, 10_000, 'three writes');
    } finally {
      clearInterval(churn);
      await w.close();
    }
    const first = ends[0]! - snapshots[0]!;
    expect(first).toBeGreaterThanOrEqual(25);
    expect(snapshots[1]! - ends[0]!).toBeGreaterThanOrEqual(19 * first);
    const second = ends[1]! - snapshots[1]!;
    expect(snapshots[2]! - ends[1]!).toBeGreaterThanOrEqual(19 * second);
  });

  it('logs an unwritable path once per streak, reports each failure, retries, says when it works again', async () => {
    const dir = tempDir();
    // The parent of the storage path is a file: ENOTDIR, for root as for anyone.
    writeFileSync(join(dir, 'file'), 'not a directory');
    const { w, writes, lines } = writer(join(dir, 'file', 'data'));
    w.start();
    await until(() => writes.length >= 3, 5000, 'three failed writes');
    const errors = lines.filter((l) => l.level === LEVEL.error);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      msg: 'cannot save the state, checking goes on; make --storage.path a writable directory',
      file: join(dir, 'file', 'data', 'state.json'),
    });
    expect(errors[0]!['err']).toMatchObject({ code: 'ENOTDIR' });
    expect((errors[0]!['err'] as { stack?: string }).stack).toBeFalsy();
    const retries = lines.filter((l) => l.msg === 'cannot save the state' && l.level === LEVEL.debug);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(writes.every((ok) => !ok)).toBe(true);

    rmSync(join(dir, 'file'));
    await until(() => writes.at(-1) === true, 5000, 'a write once the path is usable');
    expect(lines.filter((l) => l.msg === 'state saved again' && l.level === LEVEL.info)).toHaveLength(1);
    expect(readState(join(dir, 'file', 'data')).targets).toHaveLength(5);
    // A new streak is logged again.
    rmSync(join(dir, 'file'), { recursive: true });
    writeFileSync(join(dir, 'file'), 'not a directory');
    await w.close();
    expect(writes.at(-1)).toBe(false);
    expect(lines.filter((l) => l.level === LEVEL.error)).toHaveLength(2);
  });

  const noRoot = rootSkipReason('mounting a small tmpfs');
  itOrSkip(noRoot, 'leaves the old file whole when the disk fills up during a write', async () => {
    const dir = tempDir();
    // 64 KiB: the small state fits, the big one (tens of KiB per 1000 targets) does not.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    try {
      const store = new PortStore();
      store.setTargets(MONITORS);
      const unresolved = { state: 'error', reason: 'dns-failure', durationSeconds: 0 } as const;
      store.record(targetId('db', 'db.example', 5432), [{ ip: '', result: unresolved }], NOW);
      const { w, writes, lines } = writer(dir, store);
      w.start();
      await until(() => writes.length === 1, 5000, 'the first write');
      const before = readFileSync(join(dir, 'state.json'), 'utf8');
      const hosts = Array.from({ length: 100 }, (_, i) => `198.51.100.${i + 1}`);
      const expectClosed = Array.from({ length: 20 }, (_, i) => 2000 + i);
      const big = { name: 'big', hosts, intervalMs: 60_000, timeoutMs: 1000, retries: 0, expectOpen: [], expectClosed };
      store.setTargets([big]);
      const closed = { state: 'closed', reason: 'conn-refused', durationSeconds: 0.001 } as const;
      for (const t of store.targets().values()) store.record(t.id, [{ ip: t.host, result: closed }], NOW);
      await until(() => writes.length >= 2, 5000, 'the write that does not fit');
      await w.close();
      expect(writes.slice(1).every((ok) => !ok)).toBe(true);
      expect(lines.find((l) => l.level === LEVEL.error)?.['err']).toMatchObject({ code: 'ENOSPC' });
      expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(before);
      expect(filesIn(dir)).toEqual(['state.json']);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('creates the directory, parents included', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a'));
    const { w, writes } = writer(join(dir, 'a', 'b', 'c'));
    w.start();
    await until(() => writes.length === 1, 5000, 'the first write');
    await w.close();
    expect(writes).toEqual([true, true]);
    expect(filesIn(join(dir, 'a', 'b', 'c'))).toEqual(['state.json']);
  });
});
