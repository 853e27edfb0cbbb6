import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { eventually, find, scrape } from '../helpers/scrape.js';

// The built daemon, a 1 s interval, real loopback sockets: an expected-closed port is opened
// and closed again, and /metrics, the logs and the change timestamps must follow.
describe('daemon end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-e2e-'));
  const configFile = join(dir, 'portwatch.yaml');
  let daemon: RunningDaemon;
  let openPort: number;
  let guardedPort: number;
  let openServer: Server;

  const configText = (extraClosed: number[] = []) => `
defaults:
  interval: 1s
  timeout: 500ms
  retries: 1
monitors:
  - name: e2e
    hosts: [127.0.0.1]
    expect_open: [${openPort}]
    expect_closed: [${[guardedPort, ...extraClosed].join(', ')}]
`;

  beforeAll(async () => {
    openServer = await listen(0);
    openPort = (openServer.address() as { port: number }).port;
    guardedPort = await freePort();
    writeFileSync(configFile, configText());
    daemon = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    await closeServer(openServer);
    rmSync(dir, { recursive: true, force: true });
  });

  const labels = () => ({
    monitor: 'e2e',
    host: '127.0.0.1',
    ip: '127.0.0.1',
    port: String(guardedPort),
    expected: 'closed',
  });

  it('reports the expected-closed port closed and the listener open, without violations', async () => {
    const samples = await eventually(
      async () => {
        const s = await scrape(daemon.url('/metrics'));
        return find(s, 'port_state', { port: String(guardedPort) }).length === 1 &&
          find(s, 'port_state', { port: String(openPort) }).length === 1
          ? s
          : undefined;
      },
      10_000,
      'both ports to be checked',
    );
    expect(find(samples, 'port_state', labels())[0]?.value).toBe(0);
    expect(find(samples, 'port_state', { port: String(openPort), expected: 'open' })[0]?.value).toBe(1);
    expect(find(samples, 'port_violation', labels())[0]?.value).toBe(0);
    expect(find(samples, 'port_violations', { monitor: 'e2e', expected: 'closed' })[0]?.value).toBe(0);
    expect(find(samples, 'port_violations', { monitor: 'e2e', expected: 'open' })[0]?.value).toBe(0);
    expect(find(samples, 'portwatch_monitor_interval_seconds', { monitor: 'e2e' })[0]?.value).toBe(1);
    expect(find(samples, 'portwatch_targets', { monitor: 'e2e' })[0]?.value).toBe(2);
    expect(find(samples, 'portwatch_config_last_reload_successful')[0]?.value).toBe(1);
  });

  it('sees the expected-closed port open as a violation, logs it, then sees it recover', async () => {
    const before = find(await scrape(daemon.url('/metrics')), 'port_state_change_timestamp_seconds', labels())[0]!
      .value;
    const intruder = await listen(guardedPort);
    let openedAt: number;
    try {
      openedAt = await eventually(
        async () => {
          const s = await scrape(daemon.url('/metrics'));
          if (find(s, 'port_violation', labels())[0]?.value !== 1) return undefined;
          expect(find(s, 'port_state', labels())[0]?.value).toBe(1);
          expect(find(s, 'port_violations', { monitor: 'e2e', expected: 'closed' })[0]?.value).toBe(1);
          return find(s, 'port_state_change_timestamp_seconds', labels())[0]!.value;
        },
        10_000,
        'the violation',
      );
      expect(openedAt).toBeGreaterThan(before);
      const warn = await daemon.waitForLog((l) => l.level === 'warn' && l['port'] === guardedPort);
      expect(warn).toMatchObject({
        monitor: 'e2e',
        host: '127.0.0.1',
        ip: '127.0.0.1',
        expected: 'closed',
        from: 'closed',
        to: 'open',
        reason: 'syn-ack',
      });
    } finally {
      await closeServer(intruder);
    }
    const closedAt = await eventually(
      async () => {
        const s = await scrape(daemon.url('/metrics'));
        return find(s, 'port_violation', labels())[0]?.value === 0
          ? find(s, 'port_state_change_timestamp_seconds', labels())[0]!.value
          : undefined;
      },
      10_000,
      'the recovery',
    );
    expect(closedAt).toBeGreaterThan(openedAt);
    const info = await daemon.waitForLog(
      (l) => l.level === 'info' && l['port'] === guardedPort && l['to'] === 'closed',
    );
    expect(info).toMatchObject({ from: 'open', reason: 'conn-refused' });
  });

  it('keeps the running config on a bad reload and applies a good one', async () => {
    writeFileSync(configFile, 'monitors: [}\n');
    const bad = await fetch(daemon.url('/-/reload'), { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('portwatch.yaml:1:');
    let s = await scrape(daemon.url('/metrics'));
    expect(find(s, 'portwatch_config_last_reload_successful')[0]?.value).toBe(0);
    expect(find(s, 'port_state', labels())).toHaveLength(1);

    const extra = await freePort();
    writeFileSync(configFile, configText([extra]));
    daemon.proc.kill('SIGHUP');
    s = await eventually(
      async () => {
        const now = await scrape(daemon.url('/metrics'));
        return find(now, 'port_state', { port: String(extra) }).length === 1 ? now : undefined;
      },
      10_000,
      'the added target',
    );
    expect(find(s, 'portwatch_config_last_reload_successful')[0]?.value).toBe(1);
    expect(find(s, 'portwatch_targets', { monitor: 'e2e' })[0]?.value).toBe(3);

    writeFileSync(configFile, configText());
    const good = await fetch(daemon.url('/-/reload'), { method: 'POST' });
    expect(good.status).toBe(200);
    expect(find(await scrape(daemon.url('/metrics')), 'port_state', { port: String(extra) })).toHaveLength(0);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await daemon.stop()).toBe(0);
    expect(daemon.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
