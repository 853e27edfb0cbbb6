import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find } from '../helpers/scrape.js';
import { byTarget, killAll, startNsDaemon, writeConfig, type NsDaemon } from './helpers/ns-daemon.js';
import { describeOrSkip } from '../helpers/skip.js';

// SIGTERM while hundreds of attempts wait on silent ports, and kill -9 then a restart.
const skip = netnsSkipReason();
const GRACE_MS = 10_000;

const LISTENERS = `const net = require('node:net'); let n = 0;
for (let p = 40001; p <= 40020; p++)
  net.createServer((s) => s.on('error', () => {}))
    .listen(p, '192.0.2.10', () => { if (++n === 20) console.log('ready'); });`;

const SILENT = `defaults:
  interval: 1m
  timeout: 5s
monitors:
  - name: silent
    hosts: [192.0.2.10]
    expect_closed: ["40041-40540"]
`;

// Open, closed against an expected open (violations), closed, filtered.
const MIXED = `defaults:
  interval: 1m
  timeout: 2s
monitors:
  - name: mixed
    hosts: [192.0.2.10]
    expect_open: ["40001-40025"]
    expect_closed: ["40026-40100"]
`;

describeOrSkip(skip, 'restarts', () => {
  const spaces = new Namespaces();
  const silent = writeConfig(SILENT);
  const mixed = writeConfig(MIXED);
  let client = '';
  let daemon: NsDaemon | undefined;

  beforeAll(async () => {
    await spaces.prepare(async () => {
      client = spaces.create();
      const server = spaces.create();
      spaces.link(client, server, ['192.0.2.1/24'], ['192.0.2.10/24']);
      spaces.exec(server, 'iptables', ['-A', 'INPUT', '-p', 'tcp', '--syn', '--dport', '40041:40540', '-j', 'DROP']);
      await spaces.start(server, process.execPath, ['-e', LISTENERS], 'ready');
    });
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    killAll();
    spaces.cleanup();
    silent.remove();
    mixed.remove();
  });

  it('exits 0 within the grace period on SIGTERM mid-round', async () => {
    daemon = await startNsDaemon(client, [`--config.file=${silent.file}`]);
    let inFlight = 0;
    for (let i = 0; i < 50 && inFlight === 0; i++) {
      inFlight = find(await daemon.scrape(), 'portwatch_probes_in_flight')[0]?.value ?? 0;
      if (inFlight === 0) await new Promise((r) => setTimeout(r, 50));
    }
    const { code, ms } = await daemon.stop('SIGTERM');
    daemon = undefined;
    console.log(
      `restarts: SIGTERM with ${inFlight} attempts in flight on silent ports (timeout 5 s): ` +
        `exit ${code} after ${ms.toFixed(0)} ms`,
    );
    expect(inFlight).toBeGreaterThan(0);
    expect(code).toBe(0);
    // Checks still waiting for a slot are dropped at once: only the attempts under way are
    // waited for, and they end within their 5 s timeout, well inside the grace period.
    expect(ms).toBeLessThan(5000 + 2000);
    expect(ms).toBeLessThan(GRACE_MS);
  }, 30_000);

  it('restores every state in the first round after kill -9 and a restart', async () => {
    daemon = await startNsDaemon(client, [`--config.file=${mixed.file}`]);
    const round = Number((await daemon.waitForLog((l) => l.msg === 'first round complete'))['durationSeconds']);
    const before = byTarget(await daemon.scrape(), 'port_state');
    await daemon.stop('SIGKILL');
    const t0 = Date.now();
    daemon = await startNsDaemon(client, [`--config.file=${mixed.file}`]);
    // "In the first round" is the daemon's own event, not a wall-clock bound: on a busy
    // machine start-up alone can take seconds.
    const second = Number((await daemon.waitForLog((l) => l.msg === 'first round complete'))['durationSeconds']);
    const after = byTarget(await daemon.scrape(), 'port_state');
    const ms = Date.now() - t0;
    const count = (v: number): number => [...before.values()].filter((x) => x === v).length;
    console.log(
      `restarts: ${before.size} states (${count(1)} open, ${count(0)} closed, ${count(-1)} filtered) ` +
        `restored ${ms} ms after restart; first rounds took ${round.toFixed(2)} s and ${second.toFixed(2)} s`,
    );
    expect(before.size).toBe(100);
    expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
  }, 120_000);
});
