import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find } from '../helpers/scrape.js';
import { killAll, startNsDaemon, writeConfig, type NsDaemon } from './helpers/ns-daemon.js';
import type { LogLine } from '../helpers/daemon.js';
import { describeOrSkip } from '../helpers/skip.js';

// Discovery sweeps of 40000-40100 on 192.0.2.10, a test namespace linked to the daemon's
// (nothing here touches the root namespace's network). Listeners: 40001 (declared),
// 40050 (nobody's), 40070 (allowed). The sweep log lines (debug) say what each sweep
// believed, so the two-sweep rule is checked sweep by sweep, not by racing scrapes.
const skip = netnsSkipReason();

const listener = (port: number): string =>
  `require('node:net').createServer((s) => s.on('error', () => {}))
    .listen(${port}, '192.0.2.10', () => console.log('ready'));`;

const CONFIG = `defaults:
  timeout: 1s
monitors:
  - name: lab
    hosts: [192.0.2.10]
    expect_open: [40001]
    labels: {team: netops}
    discover:
      ports: ["40000-40100"]
      interval: 1s
      allow: [40070]
`;

const isSweep = (l: LogLine): boolean => l.msg === 'discovery sweep complete';

describeOrSkip(skip, 'discovery of unexpected open ports', () => {
  const spaces = new Namespaces();
  const config = writeConfig(CONFIG);
  let daemon: NsDaemon | undefined;
  let server = '';
  let client = '';

  beforeAll(async () => {
    await spaces.prepare(() => {
      client = spaces.create();
      server = spaces.create();
      spaces.link(client, server, ['192.0.2.1/24'], ['192.0.2.10/24']);
    });
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    killAll();
    spaces.cleanup();
    config.remove();
  });

  it(
    'reports an undeclared open port at the second sweep, never an allowed one, ' + 'and clears it when it closes',
    async () => {
      await spaces.start(server, process.execPath, ['-e', listener(40001)], 'ready');
      await spaces.start(server, process.execPath, ['-e', listener(40070)], 'ready');
      const stray = await spaces.start(server, process.execPath, ['-e', listener(40050)], 'ready');
      daemon = await startNsDaemon(client, [`--config.file=${config.file}`, '--log.level=debug']);
      const d = daemon;
      const sweepsAfter = async (from: number, n: number): Promise<LogLine[]> => {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const sweeps = d.logs.slice(from).filter(isSweep);
          if (sweeps.length >= n) return sweeps;
          if (Date.now() > deadline)
            throw new Error(`fewer than ${n} sweeps in 20 s: ${JSON.stringify(d.logs.slice(-5))}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };

      const [first, second] = await sweepsAfter(0, 2);
      // 99 ports swept: 40001 is declared and 40070 allowed, so neither is probed.
      expect(first).toMatchObject({ monitor: 'lab', host: '192.0.2.10', ports: 99, open: 1, unexpected: 0 });
      expect(second).toMatchObject({ open: 1, unexpected: 1 });
      const warn = d.logs.find((l) => l.msg === 'unexpected open port');
      expect(warn).toMatchObject({ level: 'warn', monitor: 'lab', host: '192.0.2.10', ip: '192.0.2.10', port: 40050 });
      expect(d.logs.indexOf(warn!)).toBeGreaterThan(d.logs.indexOf(first!));

      const s = await d.scrape();
      expect(find(s, 'port_unexpected_open').map((x) => x.labels)).toEqual([
        { monitor: 'lab', host: '192.0.2.10', ip: '192.0.2.10', port: '40050', team: 'netops' },
      ]);
      expect(find(s, 'port_unexpected_open_ports').map((x) => x.value)).toEqual([1]);
      expect(find(s, 'portwatch_discovery_last_sweep_timestamp_seconds')[0]?.value).toBeGreaterThan(
        Date.now() / 1000 - 60,
      );
      expect(find(s, 'portwatch_discovery_sweep_duration_seconds')[0]?.value).toBeGreaterThan(0);
      // The declared port is a check, as always, and open as expected.
      expect(find(s, 'port_violation').map((x) => [x.labels['port'], x.value])).toEqual([['40001', 0]]);

      stray.kill('SIGKILL');
      await new Promise((r) => stray.once('exit', r));
      const closedAt = d.logs.length;
      // The sweep under way may have seen it still open; the one after cannot.
      const after = await sweepsAfter(closedAt, 2);
      expect(after[1]).toMatchObject({ open: 0, unexpected: 0 });
      expect(d.logs.slice(closedAt).find((l) => l.msg === 'unexpected open port no longer open')).toMatchObject({
        level: 'info',
        port: 40050,
      });
      const cleared = await d.scrape();
      expect(find(cleared, 'port_unexpected_open')).toEqual([]);
      expect(find(cleared, 'port_unexpected_open_ports').map((x) => x.value)).toEqual([0]);
      // The allowed port was never reported, at any sweep.
      expect(d.logs.filter((l) => l['port'] === 40070)).toEqual([]);
    },
  );
});
