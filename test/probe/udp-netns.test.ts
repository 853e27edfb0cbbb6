import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nmapMissing, nmapUdp, type NmapPort } from '../helpers/nmap-udp.js';
import { Namespaces, netnsSkipReason } from '../helpers/netns.js';
import { describeOrSkip } from '../helpers/skip.js';
import { binaryMissing, Daemons } from '../helpers/udp-daemons.js';
import { runUdpProbes, verdictOf, type ProbeRow } from '../helpers/udp-probes.js';

// UDP probes from one namespace ("client") to another ("server") over a veth pair, so that
// the server's ICMP rate limit applies (loopback is exempt), against Debian's dnsmasq,
// snmpd and memcached, Node sockets and iptables rules; every verdict is set beside
// nmap -sU's on the same network in the same run. Nothing here touches the root namespace.

const skip =
  netnsSkipReason() ??
  nmapMissing() ??
  binaryMissing('dnsmasq', 'dnsmasq-base') ??
  binaryMissing('snmpd', 'snmpd') ??
  binaryMissing('memcached', 'memcached');

const V4 = '198.51.100.10';
const V6 = '2001:db8:1::10';

// A socket bound on both families that reads and never answers, and an echo on IPv4 only.
const SERVERS = `
  const dgram = require('node:dgram');
  const silent = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, from) => echo.send('pong', from.port, from.address));
  silent.bind(7000, '::', () => echo.bind(7001, '${V4}', () => console.log('ready')));`;

/** Port, what is there, and per family the verdict both must give (state/reason). */
const CASES: Array<{ port: number; what: string; v4: string; v6: string }> = [
  { port: 53, what: 'dnsmasq', v4: 'open/udp-response', v6: 'open/udp-response' },
  { port: 161, what: 'snmpd, community public', v4: 'open/udp-response', v6: 'open/udp-response' },
  { port: 11211, what: 'memcached -U 11211', v4: 'open/udp-response', v6: 'open/udp-response' },
  { port: 7000, what: 'bound, never answers', v4: 'open|filtered/no-response', v6: 'open|filtered/no-response' },
  { port: 7001, what: 'echo on IPv4 only', v4: 'open/udp-response', v6: 'closed/port-unreach' },
  { port: 7002, what: 'nothing bound', v4: 'closed/port-unreach', v6: 'closed/port-unreach' },
  { port: 7003, what: 'iptables DROP', v4: 'open|filtered/no-response', v6: 'open|filtered/no-response' },
  { port: 7004, what: 'REJECT admin-prohibited', v4: 'filtered/admin-prohibited', v6: 'filtered/admin-prohibited' },
  { port: 7006, what: 'REJECT icmp-proto-unreachable', v4: 'filtered/proto-unreach', v6: 'closed/port-unreach' },
  { port: 7007, what: 'REJECT port-unreachable', v4: 'closed/port-unreach', v6: 'closed/port-unreach' },
];
/** Host/address unreachable: Linux keeps these soft errors from an unprivileged socket (see udp-classify.ts). */
const SOFT = { port: 7005, what: 'REJECT host-unreachable (v6 addr-unreachable)' };

const RULES: Array<[string, number, string[]]> = [
  ['iptables', 7003, ['DROP']],
  ['ip6tables', 7003, ['DROP']],
  ['iptables', 7004, ['REJECT', '--reject-with', 'icmp-admin-prohibited']],
  ['ip6tables', 7004, ['REJECT', '--reject-with', 'icmp6-adm-prohibited']],
  ['iptables', 7005, ['REJECT', '--reject-with', 'icmp-host-unreachable']],
  ['ip6tables', 7005, ['REJECT', '--reject-with', 'icmp6-addr-unreachable']],
  ['iptables', 7006, ['REJECT', '--reject-with', 'icmp-proto-unreachable']],
  ['iptables', 7007, ['REJECT', '--reject-with', 'icmp-port-unreachable']],
  ['ip6tables', 7007, ['REJECT', '--reject-with', 'icmp6-port-unreachable']],
];

/** Routes of the client's own table that refuse an address before any datagram leaves. */
const LOCAL_ROUTES: Array<[string, string, string, string]> = [
  ['-4', 'prohibit', '198.51.100.99', 'filtered/admin-prohibited'],
  ['-4', 'unreachable', '198.51.100.98', 'filtered/host-unreach'],
  ['-6', 'prohibit', '2001:db8:1::99', 'filtered/admin-prohibited'],
  ['-6', 'unreachable', '2001:db8:1::98', 'filtered/host-unreach'],
];

/** The ICMP burst a target grants (Linux's): waited out between two probers so they do not share it. */
const REFILL_MS = 7000;

describeOrSkip(skip, 'UDP probes against nmap -sU and Debian daemons', () => {
  const spaces = new Namespaces();
  const daemons = new Daemons();
  let client = '';
  let server = '';
  let confDir = '';

  const probe = (mode: 'capacity' | 'empty', timeoutMs: number, targets: Array<[string, number]>) =>
    runUdpProbes(spaces, client, mode, timeoutMs, targets);
  const verdict = verdictOf;

  beforeAll(async () => {
    await spaces.prepare(async () => {
      client = spaces.create();
      server = spaces.create();
      spaces.link(client, server, ['198.51.100.1/24', '2001:db8:1::1/64'], [`${V4}/24`, `${V6}/64`]);
      for (const [family, type, dest] of LOCAL_ROUTES) spaces.ip(client, family, 'route', 'add', type, dest);
      for (const [tool, port, target] of RULES) {
        spaces.exec(server, tool, ['-A', 'INPUT', '-p', 'udp', '--dport', String(port), '-j', ...target]);
      }
      const conf = join(mkdtempSync(join(tmpdir(), 'pw-snmpd-')), 'snmpd.conf');
      writeFileSync(conf, 'rocommunity public default\nrocommunity6 public default\n');
      confDir = dirname(conf);
      await spaces.start(server, process.execPath, ['-e', SERVERS], 'ready');
      await daemons.start(server, 'dnsmasq', dnsmasqArgs(), 53);
      await daemons.start(server, 'memcached', ['-u', 'root', '-p', '0', '-U', '11211', '-l', `${V4},[${V6}]`], 11211);
      await daemons.start(server, 'snmpd', ['-f', '-Lo', '-C', '-c', conf, `udp:${V4}:161,udp6:[${V6}]:161`], 161);
      // snmpd binds its addresses one by one: the IPv6 one may come just after the first.
      await sleep(500);
    });
  });
  afterAll(() => {
    daemons.stopAll();
    spaces.cleanup();
    if (confDir !== '') rmSync(confDir, { recursive: true, force: true });
  });

  it('a route of this host that refuses the address reads as the TCP prober reads it', async () => {
    const rows = await probe(
      'capacity',
      1000,
      LOCAL_ROUTES.map(([, , dest]) => [dest, 53] as [string, number]),
    );
    expect(rows.map(verdict)).toEqual(LOCAL_ROUTES.map(([, , , expected]) => expected));
  });

  describe.each([
    { family: 'IPv4', address: V4, key: 'v4' as const },
    { family: 'IPv6', address: V6, key: 'v6' as const },
  ])('$family', ({ address, key }) => {
    let ours = new Map<number, ProbeRow>();
    let theirs = new Map<number, NmapPort>();
    const ports = [...CASES.map((c) => c.port), SOFT.port];

    beforeAll(async () => {
      const rows = await probe(
        'capacity',
        3000,
        ports.map((p) => [address, p]),
      );
      ours = new Map(rows.map((r) => [r.port, r]));
      await sleep(REFILL_MS);
      theirs = (await nmapUdp(spaces, client, address, ports)).ports;
      await sleep(REFILL_MS);
      const table = ports.map((p) => `${address} ${p}/udp: ${verdict(ours.get(p)!)} | nmap ${verdict(theirs.get(p)!)}`);
      process.stdout.write(`portwatch | nmap -sU\n${table.join('\n')}\n`);
    }, 300_000);

    it.each(CASES)('port $port ($what): the expected verdict, and nmap -sU says the same', ({ port, ...c }) => {
      expect(verdict(ours.get(port)!), 'portwatch').toBe(c[key]);
      expect(verdict(theirs.get(port)!), 'nmap -sU').toBe(c[key]);
    });

    it(`port ${SOFT.port} (${SOFT.what}): silence here, filtered for nmap, which reads the ICMP itself`, () => {
      expect(verdict(ours.get(SOFT.port)!)).toBe('open|filtered/no-response');
      expect(theirs.get(SOFT.port)?.state).toBe('filtered');
    });

    it('the daemons ignore an empty datagram: the payload is what makes them answer', async () => {
      const rows = await probe(
        'empty',
        1500,
        [53, 161, 11211].map((p) => [address, p]),
      );
      expect(rows.map((r) => `${r.port} ${r.state}`)).toEqual([
        '53 open|filtered',
        '161 open|filtered',
        '11211 open|filtered',
      ]);
    });
  });
});

function dnsmasqArgs(): string[] {
  return [
    '-k',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    '--user=root',
    '--bind-interfaces',
    `--listen-address=${V4}`,
    `--listen-address=${V6}`,
    '--port=53',
  ];
}
