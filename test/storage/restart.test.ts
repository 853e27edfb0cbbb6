import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { eventually, find, scrape, type Sample } from '../helpers/scrape.js';
import { filesIn, readState } from './helpers.js';

// The built daemon on loopback, stopped by SIGTERM and by kill -9 and started again on the
// same --storage.path: change timestamps (in /metrics and the landing page's "Since") go on,
// and a port that changed while portwatch was down changes at the new time, confirmed
// against the stored state.
describe('state across restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-restart-'));
  const storage = join(dir, 'data');
  const fastConfig = join(dir, 'fast.yaml');
  const slowConfig = join(dir, 'slow.yaml');
  let openPort: number;
  let closedPort: number;
  let flipPort: number;
  let openServer: Server;
  let flipServer: Server | undefined;
  let daemon: RunningDaemon | undefined;

  /** Every second (fast), or once a minute so that only the round at start runs (slow); same targets either way. */
  const config = (interval: string) => `defaults:
  interval: ${interval}
  timeout: 500ms
  retries: 2
monitors:
  - name: restart
    hosts: [127.0.0.1]
    expect_open: [${openPort}, ${flipPort}]
    expect_closed: [${closedPort}]
`;

  beforeAll(async () => {
    openServer = await listen(0);
    openPort = (openServer.address() as { port: number }).port;
    closedPort = await freePort();
    flipPort = await freePort();
    writeFileSync(fastConfig, config('1s'));
    writeFileSync(slowConfig, config('1m'));
  });

  afterAll(async () => {
    await daemon?.stop();
    await closeServer(openServer);
    if (flipServer) await closeServer(flipServer);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (file: string) => startDaemon([`--config.file=${file}`, `--storage.path=${storage}`]);
  const ports = () => [openPort, closedPort, flipPort].map(String);

  /** port -> [port_state, port_state_change_timestamp_seconds], once all three ports have both. */
  async function states(d: RunningDaemon): Promise<Map<string, [number, number]>> {
    return eventually(
      async () => {
        const s = await scrape(d.url('/metrics'));
        const out = new Map<string, [number, number]>();
        for (const port of ports()) {
          const state = find(s, 'port_state', { port })[0]?.value;
          const changed = find(s, 'port_state_change_timestamp_seconds', { port })[0]?.value;
          if (state !== undefined && changed !== undefined) out.set(port, [state, changed]);
        }
        return out.size === 3 ? out : undefined;
      },
      10_000,
      'all three ports in /metrics',
    );
  }

  /** Waits until every port was checked after `sinceMs` by this daemon; the scrape then. */
  async function checkedSince(d: RunningDaemon, sinceMs: number): Promise<Sample[]> {
    return eventually(
      async () => {
        const s = await scrape(d.url('/metrics'));
        const last = ports().map((port) => find(s, 'port_last_probe_timestamp_seconds', { port })[0]?.value ?? 0);
        return last.every((t) => t * 1000 >= sinceMs) ? s : undefined;
      },
      10_000,
      'a check of every port after the restart',
    );
  }

  /** The landing page's "Since" of each port, as the ISO time it writes. */
  async function since(d: RunningDaemon): Promise<Map<string, string>> {
    const html = await (await fetch(d.url('/'))).text();
    const out = new Map<string, string>();
    for (const port of ports()) {
      const cells = `<td data-label="Port">${port}</td>.*?<td data-label="Since"><time datetime="([^"]+)">`;
      const m = new RegExp(cells).exec(html);
      if (m) out.set(port, m[1]!);
    }
    return out;
  }

  const iso = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();

  let before = new Map<string, [number, number]>();

  it('keeps every change timestamp and "Since" across SIGTERM and a restart', async () => {
    daemon = await start(fastConfig);
    before = await states(daemon);
    expect([...before.values()].map(([state]) => state)).toEqual([1, 0, 0]);
    // A few checks that change nothing: the timestamps are of the first results.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await daemon.stop()).toBe(0);
    daemon = undefined;
    expect(
      readState(storage)
        .targets.map((t) => t.port)
        .sort(),
    ).toEqual([openPort, closedPort, flipPort].sort());
    expect(filesIn(storage)).toEqual(['state.json']);

    const restartedAt = Date.now();
    daemon = await start(fastConfig);
    const restored = await daemon.waitForLog((l) => l.msg === 'restored saved state');
    expect(restored['targets']).toEqual({ restored: 3, dropped: 0 });
    await checkedSince(daemon, restartedAt);
    const after = await states(daemon);
    expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
    const shown = await since(daemon);
    for (const [port, [, changed]] of before) expect(shown.get(port), `Since of port ${port}`).toBe(iso(changed));
  });

  it('keeps a change confirmed seconds before kill -9', async () => {
    flipServer = await listen(flipPort);
    const flipped = await eventually(
      async () => {
        const s = await states(daemon!);
        return s.get(String(flipPort))![0] === 1 ? s : undefined;
      },
      10_000,
      'the flip port to be believed open',
    );
    const flippedAt = flipped.get(String(flipPort))![1];
    expect(flippedAt).toBeGreaterThan(before.get(String(flipPort))![1]);
    // The promise: saved within 5 s of the change.
    await new Promise((r) => setTimeout(r, 5000 - (Date.now() - flippedAt * 1000)));
    const killed = once(daemon!.proc, 'exit');
    daemon!.proc.kill('SIGKILL');
    await killed;
    daemon = undefined;

    const restartedAt = Date.now();
    daemon = await start(fastConfig);
    await checkedSince(daemon, restartedAt);
    const after = await states(daemon);
    expect(after.get(String(flipPort))).toEqual([1, flippedAt]);
    expect(after.get(String(openPort))).toEqual(before.get(String(openPort)));
    expect(after.get(String(closedPort))).toEqual(before.get(String(closedPort)));
  });

  it('gives a port that changed while down the new time, confirmed against the stored state', async () => {
    expect(await daemon!.stop()).toBe(0);
    daemon = undefined;
    // Down: the flip port closes. Checked once a minute now, so the round at start is the only one.
    await closeServer(flipServer!);
    flipServer = undefined;
    let restartedAt = Date.now();
    daemon = await start(slowConfig);
    await daemon.waitForLog((l) => l.msg === 'first round complete');
    let after = await states(daemon);
    expect(after.get(String(flipPort))![0]).toBe(0);
    expect(after.get(String(flipPort))![1] * 1000).toBeGreaterThanOrEqual(restartedAt);
    expect(after.get(String(closedPort))).toEqual(before.get(String(closedPort)));
    const change = daemon.logs.find((l) => l['port'] === flipPort && l.msg === 'port expected open is not open');
    expect(change).toMatchObject({ level: 'warn', from: 'open', to: 'closed' });

    // And back open while down: the stored "closed" is the baseline, so the open answer is
    // news and is tried twice more (retries 2) before it is believed: 3 attempts for it, 1
    // for the port open all along. Without the stored state an expected-open port found
    // open is no news (1 attempt).
    expect(await daemon.stop()).toBe(0);
    daemon = undefined;
    flipServer = await listen(flipPort);
    restartedAt = Date.now();
    daemon = await start(slowConfig);
    await daemon.waitForLog((l) => l.msg === 'first round complete');
    const s = await scrape(daemon.url('/metrics'));
    expect(find(s, 'portwatch_probes_total', { result: 'open' })[0]?.value).toBe(4);
    after = await states(daemon);
    expect(after.get(String(flipPort))![0]).toBe(1);
    expect(after.get(String(flipPort))![1] * 1000).toBeGreaterThanOrEqual(restartedAt);
    const back = daemon.logs.find((l) => l['port'] === flipPort && l.msg === 'port is back to its expected state');
    expect(back).toMatchObject({ from: 'closed', to: 'open' });
    expect(after.get(String(openPort))).toEqual(before.get(String(openPort)));
  });
});
