import { createSocket } from 'node:dgram';
import type net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbeCommand } from '../../src/cli/probe-command.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';

// The command in-process, against loopback only; the built CLI inside namespaces is in netns.test.ts.

async function probe(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (d: Buffer) => (outText += d.toString()));
  err.on('data', (d: Buffer) => (errText += d.toString()));
  const code = await runProbeCommand(args, out, err);
  return { code, out: outText, err: errText };
}

const IS_URL = 'is a URL; give only the host name or IP address and the ports';

describe('portwatch probe', () => {
  let v4: net.Server;
  let v6: net.Server;
  let open4: number;
  let open6: number;
  let closed: number;

  beforeAll(async () => {
    v4 = await listen(0, '127.0.0.1');
    v6 = await listen(0, '::1');
    open4 = (v4.address() as net.AddressInfo).port;
    open6 = (v6.address() as net.AddressInfo).port;
    closed = await freePort();
  });
  afterAll(async () => {
    await Promise.all([closeServer(v4), closeServer(v6)]);
  });

  it('prints one table line per address and port, in the order asked, and exits 0', async () => {
    const r = await probe([`127.0.0.1:${open4},${closed}`, `[::1]:${open6}`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1 +${open4} open +syn-ack +\\d+\\.\\dms$`));
    expect(lines[1]).toMatch(new RegExp(`^127\\.0\\.0\\.1 +${closed} closed +conn-refused +\\d+\\.\\dms$`));
    expect(lines[2]).toMatch(new RegExp(`^::1 +${open6} open +syn-ack +\\d+\\.\\dms$`));
  });

  it('writes JSON lines with --json, names each address of a name, and expands ranges once', async () => {
    const r = await probe(['--json', '--timeout=500ms', `localhost:${closed}-${closed + 1},${closed}`]);
    expect(r.code).toBe(0);
    const rows = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((row) => row['port'])).toEqual([closed, closed + 1]);
    expect(rows[0]).toEqual({
      host: 'localhost',
      ip: '127.0.0.1',
      port: closed,
      protocol: 'tcp',
      state: 'closed',
      reason: 'conn-refused',
      durationSeconds: expect.any(Number) as number,
      code: 'ECONNREFUSED',
    });
  });

  it('probes PORT/udp over UDP, beside the TCP port of the same number, and prints the protocol', async () => {
    const dns = createSocket('udp4');
    dns.on('message', (_msg, from) => dns.send('answer', from.port, from.address));
    await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));
    const udp = dns.address().port;
    try {
      const table = await probe([`127.0.0.1:${udp}/udp,${udp},${closed}/udp`]);
      expect(table.code).toBe(0);
      const lines = table.out.trimEnd().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1 +${udp}/udp open +udp-response +\\d+\\.\\dms$`));
      expect(lines[1]).toMatch(new RegExp(`^127\\.0\\.0\\.1 +${udp} closed +conn-refused +\\d+\\.\\dms$`));
      expect(lines[2]).toMatch(new RegExp(`^127\\.0\\.0\\.1 +${closed}/udp closed +port-unreach +\\d+\\.\\dms$`));
      const json = await probe(['--json', `127.0.0.1:${udp}/udp`]);
      expect(JSON.parse(json.out)).toMatchObject({ port: udp, protocol: 'udp', state: 'open', reason: 'udp-response' });
    } finally {
      dns.close();
    }
  });

  it('prints usage on --help and exits 0', async () => {
    const r = await probe(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: portwatch probe /);
  });

  it.each([
    [[], 'nothing to probe: give at least one HOST:PORTS'],
    [['--verbose', '127.0.0.1:1'], 'unknown flag --verbose'],
    [['--timeout'], '--timeout needs a duration, like 3s'],
    [['--timeout', '3', '127.0.0.1:1'], '--timeout: invalid duration "3"'],
    [['--timeout', '10m', '127.0.0.1:1'], '--timeout: 10m is longer than 5m'],
    [['::1:80'], '"::1:80": write IPv6 addresses in brackets, like [::1]:22'],
    [['127.0.0.1:53/sctp'], '"127.0.0.1:53/sctp": unknown protocol "sctp" in "53/sctp" (known: tcp, udp)'],
    [['127.0.0.1:53/'], '"127.0.0.1:53/": "53/" has no protocol after "/": write "53/tcp" or "53/udp"'],
    // A URL is said to be one, with what to write instead, as check-config says it of a host.
    [['http://127.0.0.1:80'], `"http://127.0.0.1:80" ${IS_URL}: 127.0.0.1:80\n`],
    [['https://example.com/login'], `"https://example.com/login" ${IS_URL}: example.com:443\n`],
    [['http://[::1]:8080/'], `"http://[::1]:8080/" ${IS_URL}: [::1]:8080\n`],
    [['ftp://files.example'], `"ftp://files.example" ${IS_URL}, like 127.0.0.1:22,80\n`],
    [['127.0.0.1'], '"127.0.0.1": expected HOST:PORTS, like 127.0.0.1:22,80'],
    [['127.0.0.1:'], '"127.0.0.1:": no ports after the colon'],
    [['127.0.0.1:0'], '"127.0.0.1:0": port 0 is outside 1-65535'],
    [['127.0.0.1:ssh'], 'unknown port group "ssh"'],
    [['127.0.0.1:90-80'], 'range "90-80" is reversed'],
    [['[::1]:1,,2'], '"[::1]:1,,2": "" is not a port'],
    [['198.51.100.300:80'], '"198.51.100.300" is not a valid IPv4 address'],
    [['[localhost]:80'], '"[localhost]:80": only IPv6 addresses go in brackets'],
    [['[192.0.2.1]:80'], '"[192.0.2.1]:80": only IPv6 addresses go in brackets'],
  ])('rejects %j with exit 2: %s', async (args, message) => {
    const r = await probe(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(message);
    expect(r.err).toContain('usage: portwatch probe');
  });
});
