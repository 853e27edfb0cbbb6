import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { eventually, find, scrape, type Sample } from '../helpers/scrape.js';

// The built daemon with hosts from a file_sd file, at an interval of an hour: after the first
// round nothing is due, so a check seen after a change was caused by the change.
describe('a change of the targets, seen from outside', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-changes-'));
  const configFile = join(dir, 'portwatch.yaml');
  const sdFile = join(dir, 'hosts.json');
  let daemon: RunningDaemon;
  let ports: number[];

  const writeHosts = (hosts: string[]): void => {
    // Renamed into place, so the watcher never reads half a file.
    writeFileSync(`${sdFile}.tmp`, JSON.stringify([{ targets: hosts, labels: {} }]));
    renameSync(`${sdFile}.tmp`, sdFile);
  };
  const writeConfig = (interval: string): void =>
    writeFileSync(
      configFile,
      `
defaults:
  interval: 1h
  timeout: 500ms
  retries: 0
monitors:
  - name: sd
    interval: ${interval}
    file_sd_configs: [{files: [${JSON.stringify(sdFile)}]}]
    expect_closed: [${ports.join(', ')}]
  - name: fixed
    hosts: [127.0.0.1]
    expect_closed: [${ports.join(', ')}]
`,
    );

  /** Last probe time per (monitor, host, port) series. */
  const probedAt = (samples: Sample[]): Map<string, number> =>
    new Map(
      find(samples, 'port_last_probe_timestamp_seconds').map((s) => [
        `${s.labels['monitor']} ${s.labels['host']} ${s.labels['port']}`,
        s.value,
      ]),
    );
  const waitForSeries = (count: number, what: string) =>
    eventually(
      async () => {
        const seen = probedAt(await scrape(daemon.url('/metrics')));
        return seen.size === count ? seen : undefined;
      },
      15_000,
      what,
    );

  beforeAll(async () => {
    ports = [await freePort(), await freePort()];
    writeHosts(['127.0.0.11', '127.0.0.12', '127.0.0.13']);
    writeConfig('1h');
    daemon = await startDaemon([`--config.file=${configFile}`]);
    await daemon.waitForLog((l) => l.msg === 'first round complete', 15_000);
  });

  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks a host that came at once, drops the one that went, and checks no other again', async () => {
    const before = await waitForSeries(8, 'the first round');
    writeHosts(['127.0.0.11', '127.0.0.12', '127.0.0.14']);
    const line = await daemon.waitForLog((l) => l.msg === 'service discovery changed the targets', 15_000);
    expect(line).toMatchObject({ hostsAdded: 1, hostsRemoved: 1, targets: 8 });
    const after = await waitForSeries(8, 'the new host to be checked');
    for (const [key, at] of after) {
      if (key.includes(' 127.0.0.14 ')) expect(at).toBeGreaterThanOrEqual(Math.max(...before.values()));
      else expect([key, at]).toEqual([key, before.get(key)]);
    }
    expect([...after.keys()].filter((k) => k.includes(' 127.0.0.13 '))).toEqual([]);
  });

  it('moves the jobs of a monitor whose interval changed to their new slots, without checking them now', async () => {
    const before = probedAt(await scrape(daemon.url('/metrics')));
    writeConfig('2h');
    const res = await fetch(daemon.url('/-/reload'), { method: 'POST' });
    expect(res.status).toBe(200);
    const samples = await eventually(
      async () => {
        const s = await scrape(daemon.url('/metrics'));
        return find(s, 'portwatch_monitor_interval_seconds', { monitor: 'sd' })[0]?.value === 7200 ? s : undefined;
      },
      15_000,
      'the new interval',
    );
    expect(find(samples, 'portwatch_monitor_interval_seconds', { monitor: 'fixed' })[0]?.value).toBe(3600);
    // The rescheduling runs in slices after the reload answered: give it time, then nothing may have run.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(probedAt(await scrape(daemon.url('/metrics')))).toEqual(before);
  });
});
