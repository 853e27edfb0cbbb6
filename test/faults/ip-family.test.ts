import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { find, type Sample } from '../helpers/scrape.js';
import { killAll, startNsDaemon, writeConfig, type NsDaemon } from './helpers/ns-daemon.js';
import { describeOrSkip } from '../helpers/skip.js';

// A vantage point with IPv4 only (lo's ::1 and the veth's fe80:: are no route out) checking
// names with A and AAAA records from its /etc/hosts. Then IPv6 is added and a reload sees it.
const skip = netnsSkipReason();

const LISTENER = `require('node:net').createServer((s) => s.on('error', () => {}))
  .listen(80, '::', () => console.log('ready'));`;

const CONFIG = `defaults:
  interval: 2s
  timeout: 1s
monitors:
  - name: auto
    hosts: [both.test, six.test]
    expect_open: [80]
  - name: dual
    ip_family: dual
    hosts: [both.test]
    expect_open: [80]
  - name: v4
    ip_family: ipv4
    hosts: [both.test]
    expect_open: [80]
  - name: v6
    ip_family: ipv6
    hosts: [both.test]
    expect_open: [80]
`;

/** monitor/host/ip -> "state/reason", from port_state_info. */
function states(samples: Sample[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of find(samples, 'port_state_info'))
    out[`${s.labels['monitor']}/${s.labels['host']}/${s.labels['ip']}`] = `${s.labels['state']}/${s.labels['reason']}`;
  return out;
}

describeOrSkip(skip, 'ip_family on a vantage point without IPv6', () => {
  const spaces = new Namespaces();
  let client = '';
  let server = '';
  let daemon: NsDaemon | undefined;
  const config = writeConfig(CONFIG);

  beforeAll(async () => {
    await spaces.prepare(async () => {
      client = spaces.create();
      server = spaces.create();
      spaces.link(client, server, ['192.0.2.1/24'], ['192.0.2.10/24', '2001:db8::10/64']);
      spaces.etcFile(
        client,
        'hosts',
        '127.0.0.1 localhost\n192.0.2.10 both.test\n2001:db8::10 both.test\n2001:db8::10 six.test\n',
      );
      spaces.etcFile(client, 'resolv.conf', 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
      await spaces.start(server, process.execPath, ['-e', LISTENER], 'ready');
      daemon = await startNsDaemon(client, [`--config.file=${config.file}`]);
      await daemon.waitForLog((l) => l.msg === 'first round complete', 20_000);
    });
  }, 60_000);
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    killAll();
    spaces.cleanup();
    config.remove();
  });

  it(
    'auto leaves AAAA out, a name with only AAAA is error/no-route; ' +
      'dual and ipv6 get error/no-route, never filtered; ipv4 never probes AAAA',
    async () => {
      const got = states(await daemon!.scrape());
      console.log(`ip-family (IPv4 only): ${JSON.stringify(got)}`);
      expect(got).toEqual({
        'auto/both.test/192.0.2.10': 'open/syn-ack',
        'auto/six.test/': 'error/no-route',
        'dual/both.test/192.0.2.10': 'open/syn-ack',
        'dual/both.test/2001:db8::10': 'error/no-route',
        'v4/both.test/192.0.2.10': 'open/syn-ack',
        'v6/both.test/2001:db8::10': 'error/no-route',
      });
      expect(daemon!.logs.some((l) => l.msg.startsWith('no route for an address family'))).toBe(true);
    },
  );

  it('sees IPv6 once the machine has it, at the next reload', async () => {
    spaces.ip(client, 'addr', 'add', '2001:db8::1/64', 'dev', 'pw0', 'nodad');
    daemon!.proc.kill('SIGHUP');
    await daemon!.waitForLog((l) => l.msg === 'config reloaded');
    const want = {
      'auto/both.test/192.0.2.10': 'open/syn-ack',
      'auto/both.test/2001:db8::10': 'open/syn-ack',
      'auto/six.test/2001:db8::10': 'open/syn-ack',
      'dual/both.test/192.0.2.10': 'open/syn-ack',
      'dual/both.test/2001:db8::10': 'open/syn-ack',
      'v4/both.test/192.0.2.10': 'open/syn-ack',
      'v6/both.test/2001:db8::10': 'open/syn-ack',
    };
    let got: Record<string, string> = {};
    // Each target is re-checked at its own slot of the 2 s interval (and confirmed): wait for all.
    const same = (a: object, b: object): boolean =>
      JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    for (let i = 0; i < 50 && !same(got, want); i++) {
      await new Promise((r) => setTimeout(r, 200));
      got = states(await daemon!.scrape());
    }
    console.log(`ip-family (after adding IPv6 and reloading): ${JSON.stringify(got)}`);
    expect(got).toEqual(want);
    expect(got['v4/both.test/2001:db8::10']).toBeUndefined();
  }, 30_000);
});
