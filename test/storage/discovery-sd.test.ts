import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { eventually, find, scrape, type Sample } from '../helpers/scrape.js';
import { hostsOf, value } from '../sd/helpers.js';

// What discovery sweeps believe and what http_sd endpoints last gave, kept by the built
// daemon across a SIGTERM and a restart on the same --storage.path.
describe('discovery findings across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-restart-discovery-'));
  const storage = join(dir, 'data');
  let unexpected: Server;
  let daemon: RunningDaemon | undefined;

  const config = async (sweepInterval: string) => {
    const file = join(dir, `swept-${sweepInterval}.yaml`);
    writeFileSync(
      file,
      `defaults:
  interval: 1s
  timeout: 500ms
monitors:
  - name: swept
    hosts: [127.0.0.1]
    expect_closed: [${await freePort()}]
    discover:
      ports: [${(unexpected.address() as AddressInfo).port}]
      interval: ${sweepInterval}
`,
    );
    return file;
  };

  beforeAll(async () => {
    unexpected = await listen(0);
  });

  afterAll(async () => {
    await daemon?.stop();
    await closeServer(unexpected);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The "Since" of the unexpected open port on the landing page (its row's Since cell, after its Port cell). */
  async function since(d: RunningDaemon): Promise<string | undefined> {
    const port = (unexpected.address() as AddressInfo).port;
    const html = await (await fetch(d.url('/'))).text();
    const cells = `<td data-label="Port">${port}</td>.*?<td data-label="Since"><time datetime="([^"]+)">`;
    return new RegExp(cells).exec(html)?.[1];
  }

  it('keeps an unexpected open port, and since when, with sweeps an hour apart after the restart', async () => {
    const port = String((unexpected.address() as AddressInfo).port);
    daemon = await startDaemon([`--config.file=${await config('1s')}`, `--storage.path=${storage}`]);
    const found = async () => find(await scrape(daemon!.url('/metrics')), 'port_unexpected_open', { port }).length;
    await eventually(async () => ((await found()) === 1 ? true : undefined), 10_000, 'the port open after two sweeps');
    const before = await since(daemon);
    expect(before).toBeDefined();
    expect(await daemon.stop()).toBe(0);

    // One sweep at start, the next an hour later: only the stored findings can make the port
    // unexpected now, since two sweeps in a row must have seen it.
    const restartedAt = Date.now();
    daemon = await startDaemon([`--config.file=${await config('1h')}`, `--storage.path=${storage}`]);
    const s = await eventually(
      async () => {
        const x = await scrape(daemon!.url('/metrics'));
        const swept = find(x, 'portwatch_discovery_last_sweep_timestamp_seconds', { monitor: 'swept' })[0]?.value ?? 0;
        return swept * 1000 >= restartedAt ? x : undefined;
      },
      10_000,
      'the sweep at start',
    );
    expect(find(s, 'port_unexpected_open', { port }).map((x) => x.value)).toEqual([1]);
    expect(value(s, 'port_unexpected_open_ports', { monitor: 'swept' })).toBe(1);
    expect(await since(daemon)).toBe(before);
    const restored = daemon.logs.find((l) => l.msg === 'restored saved state');
    expect(restored?.['discoveryHosts']).toEqual({ restored: 1, dropped: 0 });
  });
});

describe('http_sd hosts across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-restart-sd-'));
  const storage = join(dir, 'data');
  const configFile = join(dir, 'portwatch.yaml');
  let sd: HttpServer;
  let sdUrl = '';
  let daemon: RunningDaemon | undefined;

  beforeAll(async () => {
    sd = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ targets: ['127.0.0.2:9100', '127.0.0.3'], labels: { team: 'payments' } }]));
    });
    await new Promise<void>((resolve, reject) => sd.once('error', reject).listen(0, '127.0.0.1', resolve));
    sdUrl = `http://127.0.0.1:${(sd.address() as AddressInfo).port}/targets`;
    writeFileSync(
      configFile,
      `defaults:
  interval: 1s
  timeout: 500ms
monitors:
  - name: fromsd
    http_sd_configs:
      - url: ${sdUrl}
        refresh_interval: 1s
    sd_labels: {team: team}
    expect_closed: [${await freePort()}]
`,
    );
  });

  afterAll(async () => {
    await daemon?.stop();
    if (sd.listening) await new Promise<void>((resolve) => sd.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const changes = (s: Sample[]) => {
    const found = find(s, 'port_state_change_timestamp_seconds', { monitor: 'fromsd' });
    return Object.fromEntries(found.map((x) => [x.labels['host'] ?? '', x.value]));
  };

  it('checks the stored hosts of an endpoint that is down at start, labels and change times included', async () => {
    daemon = await startDaemon([`--config.file=${configFile}`, `--storage.path=${storage}`]);
    const before = await eventually(
      async () => {
        const s = await scrape(daemon!.url('/metrics'));
        return find(s, 'port_state_change_timestamp_seconds', { monitor: 'fromsd' }).length === 2 ? s : undefined;
      },
      10_000,
      'both discovered hosts checked',
    );
    const readBefore = value(before, 'portwatch_sd_last_refresh_success_timestamp_seconds', { monitor: 'fromsd' });
    expect(await daemon.stop()).toBe(0);
    sd.closeAllConnections();
    await new Promise<void>((resolve) => sd.close(() => resolve()));

    const restartedAt = Date.now();
    daemon = await startDaemon([`--config.file=${configFile}`, `--storage.path=${storage}`]);
    const message = 'service discovery endpoint failed, keeping its last good targets';
    const failed = await daemon.waitForLog((l) => l.msg === message);
    expect(failed).toMatchObject({ level: 'error', url: sdUrl });
    const s = await scrape(daemon.url('/metrics'));
    expect(hostsOf(s, 'fromsd')).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(find(s, 'port_state', { monitor: 'fromsd' }).map((x) => x.labels['team'])).toEqual(['payments', 'payments']);
    expect(changes(s)).toEqual(changes(before));
    const source = { monitor: 'fromsd', sd: 'http', source: sdUrl };
    expect(value(s, 'portwatch_sd_hosts', source)).toBe(2);
    expect(value(s, 'portwatch_sd_last_refresh_successful', source)).toBe(0);
    // The time of the last good read, by the run before.
    const lastGood = value(s, 'portwatch_sd_last_refresh_success_timestamp_seconds', source);
    expect(lastGood).toBeGreaterThanOrEqual(readBefore);
    expect(lastGood * 1000).toBeLessThan(restartedAt);
    const restored = daemon.logs.find((l) => l.msg === 'restored saved state');
    expect(restored).toMatchObject({ targets: { restored: 2, dropped: 0 }, httpSd: 1 });
  });
});
