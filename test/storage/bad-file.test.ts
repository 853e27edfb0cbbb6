import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { eventually, find, scrape } from '../helpers/scrape.js';
import { filesIn, readState, until } from './helpers.js';

// A state file that is garbage, cut short or of another format version: the built daemon
// warns once, renames it aside (kept as it was), starts fresh and writes a new one.
describe('a state file portwatch cannot use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-badstate-'));
  const configFile = join(dir, 'portwatch.yaml');
  let openServer: Server;
  let good = '';

  beforeAll(async () => {
    openServer = await listen(0);
    const openPort = (openServer.address() as { port: number }).port;
    writeFileSync(
      configFile,
      `defaults:
  interval: 1s
  timeout: 500ms
monitors:
  - name: bad
    hosts: [127.0.0.1]
    expect_open: [${openPort}]
    expect_closed: [${await freePort()}]
`,
    );
    // A real file, written by the daemon itself, to damage.
    const first = join(dir, 'first');
    const d = await startDaemon([`--config.file=${configFile}`, `--storage.path=${first}`]);
    await until(
      () => {
        try {
          return [...readState(first).targets].length === 2;
        } catch {
          return false;
        }
      },
      10_000,
      'a state file with both targets',
    );
    expect(await d.stop()).toBe(0);
    good = readFileSync(join(first, 'state.json'), 'utf8');
  });

  afterAll(async () => {
    await closeServer(openServer);
    rmSync(dir, { recursive: true, force: true });
  });

  const foreign = (): string => JSON.stringify({ ...JSON.parse(good), version: 3 });

  it.each([
    ['garbage', () => '\u0000\u0001garbage', /^not valid JSON \(truncated or damaged\)/],
    ['a truncated file', () => good.slice(0, Math.floor(good.length / 2)), /^not valid JSON \(truncated or damaged\)/],
    ['a newer format version', foreign, /^format version 3, written by a newer portwatch; this one reads version 2$/],
  ])('survives %s: warns once, sets it aside, starts fresh and writes a new one', async (_what, content, problem) => {
    const storage = join(dir, `case-${Math.random().toString(36).slice(2)}`);
    mkdirSync(storage);
    const bad = content();
    writeFileSync(join(storage, 'state.json'), bad);
    const startedAt = Date.now();
    const d = await startDaemon([`--config.file=${configFile}`, `--storage.path=${storage}`]);
    try {
      const warned = await d.waitForLog((l) => l.msg === 'saved state is unusable, set aside; starting fresh');
      expect(warned['level']).toBe('warn');
      expect(String(warned['problem'])).toMatch(problem);
      const aside = filesIn(storage).filter((f) => f.startsWith('state.json.bad-'));
      expect(aside).toHaveLength(1);
      expect(warned['setAside']).toBe(join(storage, aside[0]!));
      expect(readFileSync(join(storage, aside[0]!), 'utf8')).toBe(bad);
      // Fresh: every change timestamp is of this run's first results.
      const s = await eventually(
        async () => {
          const x = await scrape(d.url('/metrics'));
          return find(x, 'port_state_change_timestamp_seconds').length === 2 ? x : undefined;
        },
        10_000,
        'both ports checked',
      );
      for (const c of find(s, 'port_state_change_timestamp_seconds')) {
        expect(c.value * 1000).toBeGreaterThanOrEqual(startedAt);
      }
      await until(() => filesIn(storage).includes('state.json'), 10_000, 'a new state file');
      await until(() => readState(storage).targets.length === 2, 10_000, 'the new state file to hold both targets');
      expect((await fetch(d.url('/-/healthy'))).status).toBe(200);
    } finally {
      expect(await d.stop()).toBe(0);
    }
    expect(d.logs.filter((l) => l.level === 'warn' || l.level === 'error')).toHaveLength(1);
    expect(d.logs.some((l) => l.msg === 'restored saved state')).toBe(false);
  });
});
