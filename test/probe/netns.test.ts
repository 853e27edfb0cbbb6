import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/daemon.js';
import { Namespaces, netnsSkipReason, type RunResult } from '../helpers/netns.js';
import { describeOrSkip } from '../helpers/skip.js';
import { PROBE_PATHS } from './probe-paths.js';

// The built CLI probing from one namespace ("client") into another ("server") over a veth
// pair, with iptables and routes making each kind of answer. Nothing here touches the root
// namespace, whose own network is 192.0.2.0/24: see test/helpers/netns.ts.

const skip = netnsSkipReason();
if (skip !== undefined) console.warn(`SKIPPED network namespace tests: ${skip}`);

const dist = (file: string): string => JSON.stringify(fileURLToPath(new URL(`../../dist/${file}`, import.meta.url)));

// Dual-stack listeners on 80 and 90 that keep connections until the prober resets them.
const LISTENER = `
  const net = require('node:net');
  let ready = 0;
  for (const port of [80, 90]) {
    net.createServer((s) => s.on('error', () => {}))
      .listen(port, '::', () => { if (++ready === 2) console.log('ready'); });
  }`;

const TIMEOUT_S = 3;

interface Row {
  host: string;
  ip: string;
  port: number;
  state: string;
  reason: string;
  code?: string;
  durationSeconds: number;
}

const rowsOf = (r: RunResult): Row[] =>
  r.stdout
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);

describeOrSkip(skip, 'probes in network namespaces', () => {
  describe.each(PROBE_PATHS)('probes in network namespaces on the $path path', ({ path, env }) => {
    const spaces = new Namespaces();
    let client = '';
    let cli: RunResult;
    let rows: Row[] = [];

    beforeAll(async () => {
      await spaces.prepare(async () => {
        client = spaces.create();
        const server = spaces.create();
        spaces.link(client, server, ['192.0.2.1/24', '2001:db8::1/64'], ['192.0.2.10/24', '2001:db8::10/64']);
        for (const [family, type, dest] of [
          ['-4', 'prohibit', '192.0.2.99'],
          ['-4', 'unreachable', '192.0.2.98'],
          ['-6', 'prohibit', '2001:db8::99'],
          ['-6', 'unreachable', '2001:db8::98'],
        ]) {
          spaces.ip(client, family!, 'route', 'add', type!, dest!);
        }
        const rules: Array<[string, number, string[]]> = [
          ['iptables', 81, ['DROP']],
          ['iptables', 82, ['REJECT', '--reject-with', 'icmp-host-unreachable']],
          ['iptables', 83, ['REJECT', '--reject-with', 'icmp-net-unreachable']],
          ['iptables', 84, ['REJECT', '--reject-with', 'icmp-admin-prohibited']],
          ['iptables', 85, ['REJECT', '--reject-with', 'tcp-reset']],
          ['iptables', 86, ['REJECT', '--reject-with', 'icmp-proto-unreachable']],
          ['iptables', 87, ['REJECT', '--reject-with', 'icmp-port-unreachable']],
          ['ip6tables', 81, ['DROP']],
          ['ip6tables', 82, ['REJECT', '--reject-with', 'icmp6-addr-unreachable']],
          ['ip6tables', 83, ['REJECT', '--reject-with', 'icmp6-no-route']],
          ['ip6tables', 84, ['REJECT', '--reject-with', 'icmp6-adm-prohibited']],
          ['ip6tables', 85, ['REJECT', '--reject-with', 'tcp-reset']],
          ['ip6tables', 87, ['REJECT', '--reject-with', 'icmp6-port-unreachable']],
          ['ip6tables', 90, ['DROP']],
        ];
        for (const [tool, port, target] of rules)
          spaces.exec(server, tool, ['-A', 'INPUT', '-p', 'tcp', '--dport', String(port), '-j', ...target]);
        // IPv6 listed first and twice: the resolver must still give IPv4 first, each address once.
        spaces.etcFile(
          client,
          'hosts',
          '127.0.0.1 localhost\n2001:db8::10 multi.test\n192.0.2.10 multi.test\n2001:db8::10 multi.test\n',
        );
        // Nothing listens there, so DNS fails at once and no query leaves the namespace.
        spaces.etcFile(client, 'resolv.conf', 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
        await spaces.start(server, process.execPath, ['-e', LISTENER], 'ready');
        cli = await spaces.run(client, 'env', [
          ...env,
          process.execPath,
          CLI,
          'probe',
          '--json',
          '--timeout',
          `${TIMEOUT_S}s`,
          '192.0.2.10:80-88',
          '192.0.2.99:80',
          '192.0.2.98:80',
          '[2001:db8::10]:80-85,87,88',
          '[2001:db8::99]:80',
          '[2001:db8::98]:80',
          '[2001:db8:1::1]:80',
          'multi.test:90',
        ]);
        rows = rowsOf(cli);
      });
    }, 60_000);

    afterAll(() => spaces.cleanup());

    it('runs the probe path it is asked for', async () => {
      const script = `console.log((await import(${dist('probe/tcp.js')})).tcpProbePath)`;
      const r = await spaces.run(client, 'env', [...env, process.execPath, '--input-type=module', '-e', script]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(path);
    });

    it('runs the CLI to the end: every probe made, exit 0', () => {
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      expect(rows).toHaveLength(9 + 2 + 8 + 3 + 2);
    });

    // What Linux answers (kernel 6.x): ICMP "administratively prohibited" (type 3 code 13) is
    // EHOSTUNREACH for IPv4 but EACCES for ICMPv6, and a prohibit route is EACCES for both.
    it.each([
      ['192.0.2.10', 80, 'listener', 'open', 'syn-ack', 'no errno'],
      ['192.0.2.10', 81, 'DROP', 'filtered', 'no-response', 'no errno'],
      ['192.0.2.10', 82, 'REJECT icmp-host-unreachable', 'filtered', 'host-unreach', 'EHOSTUNREACH'],
      ['192.0.2.10', 83, 'REJECT icmp-net-unreachable', 'filtered', 'net-unreach', 'ENETUNREACH'],
      ['192.0.2.10', 84, 'REJECT icmp-admin-prohibited', 'filtered', 'host-unreach', 'EHOSTUNREACH'],
      ['192.0.2.10', 85, 'REJECT tcp-reset', 'closed', 'conn-refused', 'ECONNREFUSED'],
      ['192.0.2.10', 86, 'REJECT icmp-proto-unreachable', 'filtered', 'proto-unreach', 'ENOPROTOOPT'],
      ['192.0.2.10', 87, 'REJECT icmp-port-unreachable', 'closed', 'conn-refused', 'ECONNREFUSED'],
      ['192.0.2.10', 88, 'nothing listening', 'closed', 'conn-refused', 'ECONNREFUSED'],
      ['192.0.2.99', 80, 'ip route add prohibit', 'filtered', 'admin-prohibited', 'EACCES'],
      ['192.0.2.98', 80, 'ip route add unreachable', 'filtered', 'host-unreach', 'EHOSTUNREACH'],
      ['2001:db8::10', 80, 'listener', 'open', 'syn-ack', 'no errno'],
      ['2001:db8::10', 81, 'ip6tables DROP', 'filtered', 'no-response', 'no errno'],
      ['2001:db8::10', 82, 'REJECT icmp6-addr-unreachable', 'filtered', 'host-unreach', 'EHOSTUNREACH'],
      ['2001:db8::10', 83, 'REJECT icmp6-no-route', 'filtered', 'net-unreach', 'ENETUNREACH'],
      ['2001:db8::10', 84, 'REJECT icmp6-adm-prohibited', 'filtered', 'admin-prohibited', 'EACCES'],
      ['2001:db8::10', 85, 'REJECT tcp-reset', 'closed', 'conn-refused', 'ECONNREFUSED'],
      ['2001:db8::10', 87, 'REJECT icmp6-port-unreachable', 'closed', 'conn-refused', 'ECONNREFUSED'],
      ['2001:db8::10', 88, 'nothing listening', 'closed', 'conn-refused', 'ECONNREFUSED'],
      ['2001:db8::99', 80, 'ip -6 route add prohibit', 'filtered', 'admin-prohibited', 'EACCES'],
      ['2001:db8::98', 80, 'ip -6 route add unreachable', 'filtered', 'host-unreach', 'EHOSTUNREACH'],
      ['2001:db8:1::1', 80, 'no route at all', 'filtered', 'net-unreach', 'ENETUNREACH'],
    ])('%s:%i behind %s is %s/%s (%s)', (ip, port, _, state, reason, code) => {
      const row = rows.find((r) => r.ip === ip && r.port === port && r.host === ip);
      expect(row).toMatchObject({ state, reason });
      expect(row?.code ?? 'no errno').toBe(code);
      if (reason === 'no-response') {
        expect(row!.durationSeconds).toBeGreaterThanOrEqual(TIMEOUT_S - 0.01);
        expect(row!.durationSeconds).toBeLessThan(TIMEOUT_S + 0.5);
      } else {
        // ICMPv6 errors take about 1 s here: on a veth the first one arrives while connect()
        // still holds the socket (TcpExtLockDroppedIcmps) and only the SYN retransmitted at
        // 1 s gets its error through. Across a real network the first one counts.
        expect(row!.durationSeconds).toBeLessThan(TIMEOUT_S - 0.5);
      }
    });

    it('reports each address of a name on its own: open on IPv4, dropped on IPv6', () => {
      expect(rows.filter((r) => r.host === 'multi.test').map((r) => [r.ip, r.port, r.state, r.reason])).toEqual([
        ['192.0.2.10', 90, 'open', 'syn-ack'],
        ['2001:db8::10', 90, 'filtered', 'no-response'],
      ]);
    });

    it('resolves every address of a name, IPv4 first, once each; a failing name is a result', async () => {
      const script = `
      const { resolveHost } = await import(${dist('resolve/resolve.js')});
      const started = performance.now();
      const failed = await resolveHost('nonexistent.invalid');
      const multi = await resolveHost('multi.test');
      console.log(JSON.stringify({ multi, failed, seconds: (performance.now() - started) / 1000 }));`;
      const r = await spaces.run(client, 'env', [...env, process.execPath, '--input-type=module', '-e', script]);
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as {
        multi: unknown;
        failed: { reason: string; message: string };
        seconds: number;
      };
      expect(out.multi).toEqual({ addresses: ['192.0.2.10', '2001:db8::10'] });
      expect(out.failed.reason).toBe('dns-failure');
      expect(out.failed.message).toMatch(/^cannot resolve nonexistent\.invalid: E[A-Z_]+$/);
      expect(out.seconds).toBeLessThan(3);
    });

    it('exits 1 with a dns-failure row for a name that does not resolve', async () => {
      const r = await spaces.run(client, 'env', [
        ...env,
        process.execPath,
        CLI,
        'probe',
        '--json',
        'nonexistent.invalid:80',
        '192.0.2.10:80',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^portwatch probe: cannot resolve nonexistent\.invalid: /);
      expect(rowsOf(r).map((row) => [row.host, row.ip, row.state, row.reason])).toEqual([
        ['nonexistent.invalid', '', 'error', 'dns-failure'],
        ['192.0.2.10', '192.0.2.10', 'open', 'syn-ack'],
      ]);
    });
  });
});

// A namespace whose ephemeral port range is one port makes rare loopback races certain.
describeOrSkip(skip, 'with a single ephemeral port', () => {
  describe.each(PROBE_PATHS)('with a single ephemeral port on the $path path', ({ env }) => {
    const spaces = new Namespaces();
    let ns = '';

    beforeAll(async () => {
      await spaces.prepare(() => {
        ns = spaces.create();
        spaces.exec(ns, 'sh', ['-c', 'echo "40000 40000" > /proc/sys/net/ipv4/ip_local_port_range']);
      });
    });
    afterAll(() => spaces.cleanup());

    it('detects a self-connect (source port = destination port) instead of calling it open', async () => {
      const script = `
      const { probeTcp } = await import(${dist('probe/tcp.js')});
      const results = [];
      for (let i = 0; i < 20; i++) results.push(await probeTcp(i % 2 ? '::1' : '127.0.0.1', 40000, 1000));
      console.log(JSON.stringify(results));`;
      const r = await spaces.run(ns, 'env', [...env, process.execPath, '--input-type=module', '-e', script]);
      expect(r.stderr).toBe('');
      const results = JSON.parse(r.stdout) as Row[];
      expect(new Set(results.map((x) => `${x.state}/${x.reason}`))).toEqual(new Set(['error/self-connect']));
    });

    it('reports a port shortage as addr-unavailable, and the backoff waits it out', async () => {
      const script = `
      const { probeTcp } = await import(${dist('probe/tcp.js')});
      const { probeWithBackoff } = await import(${dist('probe/backoff.js')});
      const net = await import('node:net');
      const server = net.createServer((s) => s.on('error', () => {}));
      await new Promise((resolve) => server.listen(5000, '127.0.0.1', resolve));
      const hold = net.connect(5000, '127.0.0.1');
      await new Promise((resolve) => hold.once('connect', resolve));
      const short = await probeTcp('127.0.0.1', 5000, 1000);
      setTimeout(() => hold.resetAndDestroy(), 150);
      let backoffs = 0;
      const later = await probeWithBackoff(() => probeTcp('127.0.0.1', 5000, 1000), { onBackoff: () => backoffs++ });
      console.log(JSON.stringify({ short, later, backoffs }));
      process.exit(0);`;
      const r = await spaces.run(ns, 'env', [...env, process.execPath, '--input-type=module', '-e', script]);
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { short: Row; later: Row; backoffs: number };
      expect(out.short).toMatchObject({ state: 'error', reason: 'addr-unavailable', code: 'EADDRNOTAVAIL' });
      expect(out.later).toMatchObject({ state: 'open', reason: 'syn-ack' });
      expect(out.backoffs).toBeGreaterThanOrEqual(1);
    });
  });
});
