import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find } from '../helpers/scrape.js';
import { killAll, startNsDaemon, writeConfig, type NsDaemon } from './helpers/ns-daemon.js';
import type { LogLine } from '../helpers/daemon.js';
import { describeOrSkip } from '../helpers/skip.js';

// Discovery sweeps of 40000-40100 and 40060-40062/udp on 192.0.2.10, a test namespace linked
// to the daemon's (nothing here touches the root namespace's network). Listeners: 40001
// (declared), 40050 (nobody's), 40070 (allowed); on UDP, 40060 answers, 40061 is bound and
// never answers (open|filtered: no finding), 40062 is closed. The sweep log lines (debug) say what each sweep
// believed, so the two-sweep rule is checked sweep by sweep, not by racing scrapes.
const skip = netnsSkipReason();

const listener = (port: number): string =>
  `require('node:net').createServer((s) => s.on('error', () => {}))
    .listen(${port}, '192.0.2.10', () => console.log('ready'));`;

const udpListener = (port: number, answers: boolean): string =>
  `const s = require('node:dgram').createSocket('udp4');
    ${answers ? "s.on('message', (m, from) => s.send('here', from.port, from.address));" : ''}
    s.bind(${port}, '192.0.2.10', () => console.log('ready'));`;

const CONFIG = `defaults:
  timeout: 1s
monitors:
  - name: lab
    hosts: [192.0.2.10]
    expect_open: [40001]
    labels: {team: netops}
    discover:
      ports: ["40000-40100", "40060-40062/udp"]
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
      await spaces.start(server, process.execPath, ['-e', udpListener(40060, true)], 'ready');
      await spaces.start(server, process.execPath, ['-e', udpListener(40061, false)], 'ready');
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
      // 99 TCP ports swept (40001 is declared and 40070 allowed, so neither is probed), and 3 UDP ones.
      expect(first).toMatchObject({ monitor: 'lab', host: '192.0.2.10', ports: 102, open: 2, unexpected: 0 });
      expect(second).toMatchObject({ open: 2, unexpected: 2 });
      const warns = d.logs.filter((l) => l.msg === 'unexpected open port');
      const at = { level: 'warn', monitor: 'lab', host: '192.0.2.10', ip: '192.0.2.10' };
      expect(warns.map((w) => `${String(w['port'])}/${String(w['protocol'])}`).sort()).toEqual([
        '40050/tcp',
        '40060/udp',
      ]);
      for (const warn of warns) expect(warn).toMatchObject(at);
      expect(d.logs.indexOf(warns[0]!)).toBeGreaterThan(d.logs.indexOf(first!));

      const s = await d.scrape();
      const found = { monitor: 'lab', host: '192.0.2.10', ip: '192.0.2.10', team: 'netops' };
      expect(find(s, 'port_unexpected_open').map((x) => x.labels)).toEqual([
        { ...found, port: '40050', protocol: 'tcp' },
        { ...found, port: '40060', protocol: 'udp' },
      ]);
      expect(find(s, 'port_unexpected_open_ports').map((x) => x.value)).toEqual([2]);
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
      expect(after[1]).toMatchObject({ open: 1, unexpected: 1 });
      expect(d.logs.slice(closedAt).find((l) => l.msg === 'unexpected open port no longer open')).toMatchObject({
        level: 'info',
        port: 40050,
        protocol: 'tcp',
      });
      const cleared = await d.scrape();
      expect(find(cleared, 'port_unexpected_open').map((x) => [x.labels['port'], x.labels['protocol']])).toEqual([
        ['40060', 'udp'],
      ]);
      expect(find(cleared, 'port_unexpected_open_ports').map((x) => x.value)).toEqual([1]);
      // The allowed port was never reported, at any sweep.
      expect(d.logs.filter((l) => l['port'] === 40070)).toEqual([]);
    },
  );
});
