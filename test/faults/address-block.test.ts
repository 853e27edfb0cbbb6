import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find } from '../helpers/scrape.js';
import { killAll, startNsDaemon, writeConfig, type NsDaemon } from './helpers/ns-daemon.js';
import { describeOrSkip } from '../helpers/skip.js';

// A /24 given as one host. The server namespace answers for all of 192.0.2.0/24 (a local
// route on its lo, so every address is its own) and listens on one of them; the daemon
// runs in the client namespace, which routes the /24 over a veth to the server. Both are
// test namespaces: nothing here touches the root namespace's network.
const skip = netnsSkipReason();

const LISTENER = `require('node:net').createServer((s) => s.on('error', () => {}))
  .listen(8080, '192.0.2.7', () => console.log('ready'));`;

const CONFIG = `defaults:
  interval: 1h
  timeout: 1s
monitors:
  - name: lab
    hosts: [192.0.2.0/24]
    expect_closed: [8080]
    labels: {team: netops}
`;

describeOrSkip(skip, 'an address block checked address by address', () => {
  const spaces = new Namespaces();
  let daemon: NsDaemon | undefined;
  const config = writeConfig(CONFIG);

  beforeAll(async () => {
    await spaces.prepare(async () => {
      const client = spaces.create();
      const server = spaces.create();
      spaces.link(client, server, ['198.51.100.1/30'], ['198.51.100.2/30']);
      spaces.ip(server, 'route', 'add', 'local', '192.0.2.0/24', 'dev', 'lo');
      spaces.ip(client, 'route', 'add', '192.0.2.0/24', 'via', '198.51.100.2');
      await spaces.start(server, process.execPath, ['-e', LISTENER], 'ready');
      daemon = await startNsDaemon(client, [`--config.file=${config.file}`]);
      await daemon.waitForLog((l) => l.msg === 'first round complete', 30_000);
    });
  }, 60_000);
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    killAll();
    spaces.cleanup();
    config.remove();
  });

  it('makes 256 hosts, the listener open and every other address closed, network and broadcast included', async () => {
    const samples = await daemon!.scrape();
    const states = find(samples, 'port_state');
    expect(states).toHaveLength(256);
    const byIp = new Map(states.map((s) => [s.labels['ip'], s]));
    expect(byIp.size).toBe(256);
    for (let i = 0; i < 256; i++) {
      const s = byIp.get(`192.0.2.${i}`);
      expect(s?.labels, `192.0.2.${i}`).toMatchObject({
        monitor: 'lab',
        host: `192.0.2.${i}`,
        port: '8080',
        expected: 'closed',
        team: 'netops',
      });
      expect(s?.value, `192.0.2.${i}`).toBe(i === 7 ? 1 : 0);
    }
    expect(find(samples, 'port_violations').map((s) => [s.labels['expected'], s.value])).toEqual([
      ['open', 0],
      ['closed', 1],
    ]);
    expect(find(samples, 'portwatch_targets')[0]?.value).toBe(256);
  });
});
