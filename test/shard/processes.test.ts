import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { targetsOf } from '../helpers/targets.js';
import { shardOfHost } from '../../src/shard/assign.js';
import { CLI, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { find, scrape, type Sample } from '../helpers/scrape.js';

// Three real portwatch processes, shards 0, 1 and 2 of 3, on one config: together they must
// report every configured (monitor, host, port) exactly once. Every host is a loopback
// address or a name for one, so no packet leaves the machine; the interval is an hour, so
// only the first round runs. The four host spellings are four distinct hosts to the hash;
// with three shards they happen to leave shard 0 empty, which is checked like the others.
const COUNT = 3;
const CONFIG = `
defaults:
  interval: 1h
  timeout: 500ms
  retries: 0
monitors:
  - name: loopback
    hosts: [127.0.0.1, "::1", localhost, "::ffff:127.0.0.1"]
    expect_closed: ["47000-47009"]
  - name: names
    hosts: [LOCALHOST, 127.0.0.1]
    expect_open: ["47100-47109"]
`;

const key = (monitor: string, host: string, port: number | string): string => `${monitor}/${host}/${port}`;

describe('three sharded processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-shard-'));
  const configFile = join(dir, 'portwatch.yaml');
  const daemons: RunningDaemon[] = [];
  const scraped: Sample[][] = [];
  let expected: { monitor: string; host: string; port: number }[] = [];

  beforeAll(async () => {
    writeFileSync(configFile, CONFIG);
    expected = [...targetsOf(await loadConfigFile(configFile)).values()];
    const started = await Promise.allSettled(
      Array.from({ length: COUNT }, (_, index) =>
        startDaemon([`--config.file=${configFile}`, `--shard.count=${COUNT}`, `--shard.index=${index}`]),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') daemons.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    await Promise.all(daemons.map((d) => d.waitForLog((l) => l.msg === 'first round complete')));
    for (const d of daemons) scraped.push(await scrape(d.url('/metrics')));
  });

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a config of 60 targets', () => {
    expect(expected).toHaveLength(60);
  });

  it('report every target on exactly one process, the one its host hashes to', () => {
    const seenOn = new Map<string, number[]>();
    scraped.forEach((samples, index) => {
      const targets = new Set(
        find(samples, 'port_state').map((s) => key(s.labels['monitor']!, s.labels['host']!, s.labels['port']!)),
      );
      for (const t of targets) seenOn.set(t, [...(seenOn.get(t) ?? []), index]);
    });
    const want = new Map(expected.map((t) => [key(t.monitor, t.host, t.port), [shardOfHost(t.host, COUNT)]]));
    expect(Object.fromEntries(seenOn)).toEqual(Object.fromEntries(want));
  });

  it('each say which shard they are', () => {
    scraped.forEach((samples, index) => {
      expect(find(samples, 'portwatch_shard_index')[0]?.value).toBe(index);
      expect(find(samples, 'portwatch_shards')[0]?.value).toBe(COUNT);
    });
  });

  it('each export every monitor, so that sums by monitor add up to the whole config', () => {
    for (const monitor of ['loopback', 'names']) {
      const perShard = scraped.map((samples) => find(samples, 'portwatch_targets', { monitor })[0]?.value);
      expect(perShard.every((v) => v !== undefined)).toBe(true);
      expect(perShard.reduce((a, b) => a! + b!, 0)).toBe(expected.filter((t) => t.monitor === monitor).length);
      for (const samples of scraped) {
        expect(
          find(samples, 'port_violations', { monitor })
            .map((s) => s.labels['expected'])
            .sort(),
        ).toEqual(['closed', 'open']);
        expect(find(samples, 'portwatch_monitor_interval_seconds', { monitor })[0]?.value).toBe(3600);
      }
    }
  });

  it('take the shard from the StatefulSet ordinal in HOSTNAME when --shard.index is not given', async () => {
    // spawn() copies the environment synchronously, before startDaemon's first await.
    const saved = process.env['HOSTNAME'];
    process.env['HOSTNAME'] = 'portwatch-1';
    const starting = startDaemon([`--config.file=${configFile}`, `--shard.count=${COUNT}`]);
    if (saved === undefined) delete process.env['HOSTNAME'];
    else process.env['HOSTNAME'] = saved;
    const d = await starting;
    try {
      const started = await d.waitForLog((l) => l.msg === 'portwatch started');
      expect(started['shard']).toEqual({ index: 1, count: COUNT });
      expect(started['targets']).toBe(expected.filter((t) => shardOfHost(t.host, COUNT) === 1).length);
    } finally {
      await d.stop();
    }
  });

  it('refuse to start when neither --shard.index nor the host name gives the shard', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, `--config.file=${configFile}`, `--shard.count=${COUNT}`, '--web.listen-address=127.0.0.1:0'],
      {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, HOSTNAME: 'laptop' },
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'portwatch: --shard.count is 3 but --shard.index is not set, and the host name "laptop"',
    );
  });
});
