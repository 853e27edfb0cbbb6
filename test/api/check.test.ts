import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckedAddress } from '../../src/api/recheck.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';
import { find, scrape } from '../helpers/scrape.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { results?: CheckedAddress[]; error?: string };
}

/**
 * POSTs to the daemon from a loopback source address of the test's own (127.0.0.x), so that
 * each test has its own rate-limit bucket.
 */
function post(port: number, body: string, from: string, path = '/api/v1/check'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json' },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: text === '' ? {} : (JSON.parse(text) as Answer['json']),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

// The built daemon with a 1 h interval, so only the API can see a change in time.
describe('POST /api/v1/check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-api-'));
  let daemon: RunningDaemon;
  let openServer: Server;
  let openPort: number;
  let guardedPort: number;
  let otherPort: number;
  let clients = 0;
  // A UDP service that answers any datagram, on a port number whose TCP twin is expected closed.
  const dns = createSocket('udp4');
  let udpPort: number;

  beforeAll(async () => {
    openServer = await listen(0);
    openPort = (openServer.address() as { port: number }).port;
    guardedPort = await freePort();
    otherPort = await freePort();
    dns.on('message', (_msg, from) => dns.send('answer', from.port, from.address));
    await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));
    udpPort = dns.address().port;
    const configFile = join(dir, 'portwatch.yaml');
    writeFileSync(
      configFile,
      'defaults:\n  interval: 1h\n  timeout: 500ms\n  retries: 1\n' +
        `monitors:\n  - name: api\n    hosts: [127.0.0.1, localhost]\n    expect_open: [${openPort}]\n` +
        `    expect_closed: [${guardedPort}]\n` +
        `  - name: dns\n    hosts: [127.0.0.1]\n    expect_open: ["${udpPort}/udp"]\n` +
        `    expect_closed: [${udpPort}]\n` +
        `  - name: other\n    hosts: [127.0.0.1]\n    expect_closed: [${otherPort}]\n`,
    );
    daemon = await startDaemon([`--config.file=${configFile}`]);
    await daemon.waitForLog((l) => l.msg === 'first round complete');
  });

  afterAll(async () => {
    await daemon?.stop();
    if (openServer) await closeServer(openServer);
    dns.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees an expected-closed port that was just opened at once, without waiting for the interval', async () => {
    const intruder = await listen(guardedPort);
    try {
      const started = Date.now();
      const res = await post(
        daemon.port,
        JSON.stringify({ monitor: 'api', host: '127.0.0.1', port: guardedPort }),
        '127.0.0.2',
      );
      expect(res.status).toBe(200);
      expect(res.json.results).toEqual([
        {
          monitor: 'api',
          host: '127.0.0.1',
          ip: '127.0.0.1',
          port: guardedPort,
          protocol: 'tcp',
          expected: 'closed',
          state: 'open',
          reason: 'syn-ack',
          changed: true,
        },
      ]);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The store, hence /metrics and the logs, follow.
      expect(
        find(await scrape(daemon.url('/metrics')), 'port_violation', {
          monitor: 'api',
          host: '127.0.0.1',
          port: String(guardedPort),
        })[0]?.value,
      ).toBe(1);
      await daemon.waitForLog((l) => l.level === 'warn' && l['port'] === guardedPort);
    } finally {
      await closeServer(intruder);
    }
    const again = await post(
      daemon.port,
      JSON.stringify({ monitor: 'api', host: '127.0.0.1', port: guardedPort }),
      '127.0.0.2',
    );
    expect(again.json.results?.[0]).toMatchObject({ state: 'closed', reason: 'conn-refused', changed: true });
  });

  it('checks the UDP target of a port apart from its TCP one, and answers with the protocol', async () => {
    // One request: the global rate limit's burst is shared by every test of this daemon.
    const res = await post(daemon.port, JSON.stringify({ monitor: 'dns', port: udpPort }), '127.0.0.8');
    expect(res.status).toBe(200);
    const at = { monitor: 'dns', host: '127.0.0.1', ip: '127.0.0.1', port: udpPort, changed: false };
    expect(res.json.results).toEqual([
      { ...at, protocol: 'tcp', expected: 'closed', state: 'closed', reason: 'conn-refused' },
      { ...at, protocol: 'udp', expected: 'open', state: 'open', reason: 'udp-response' },
    ]);
    const series = find(await scrape(daemon.url('/metrics')), 'port_state', { monitor: 'dns', port: String(udpPort) });
    expect(series.map((s) => [s.labels['protocol'], s.value]).sort()).toEqual([
      ['tcp', 0],
      ['udp', 1],
    ]);
  });

  it('checks every configured host and port of a monitor when only the monitor is given', async () => {
    const res = await post(daemon.port, JSON.stringify({ monitor: 'api' }), '127.0.0.3');
    expect(res.status).toBe(200);
    const seen = res.json.results!.map((r) => `${r.host} ${r.port} ${r.state}`);
    expect(seen).toContain(`127.0.0.1 ${openPort} open`);
    expect(seen).toContain(`127.0.0.1 ${guardedPort} closed`);
    expect(res.json.results!.some((r) => r.host === 'localhost')).toBe(true);
    expect(res.json.results!.every((r) => r.changed === false)).toBe(true);
  });

  it.each([
    ['an unknown monitor', { monitor: 'nope' }, 'monitor "nope" is not configured'],
    [
      'a host not configured',
      { monitor: 'api', host: '192.0.2.1' },
      'host "192.0.2.1" is not configured in monitor "api"',
    ],
    [
      'a host spelled otherwise than in the config',
      { monitor: 'api', host: '127.000.000.001' },
      'is not configured in monitor "api"',
    ],
    ['a port of another monitor', { monitor: 'api', host: '127.0.0.1', port: 0 }, 'port'],
  ])('404 for %s, connecting nowhere', async (_what, body, message) => {
    const b = 'port' in body && body.port === 0 ? { ...body, port: otherPort } : body;
    const res = await post(daemon.port, JSON.stringify(b), '127.0.0.4');
    expect(res.status).toBe(404);
    expect(res.json.error).toContain(message);
    expect(res.json.results).toBeUndefined();
  });

  it.each([
    ['not JSON', '{monitor: api'],
    ['no monitor', '{}'],
    ['a port out of range', '{"monitor": "api", "port": 70000}'],
    ['an unknown key', '{"monitor": "api", "ip": "192.0.2.77"}'],
    ['an unknown protocol', '{"monitor": "api", "port": 53, "protocol": "sctp"}'],
    ['a list', '[1]'],
    ['empty', ''],
  ])('400 for a body that is %s', async (_what, body) => {
    const res = await post(daemon.port, body, `127.0.5.${++clients}`);
    expect(res.status).toBe(400);
    expect(res.json.error).toBeTruthy();
  });

  it('answers GET with 405', async () => {
    const res = await fetch(daemon.url('/api/v1/check'));
    expect([res.status, res.headers.get('allow')]).toEqual([405, 'POST']);
    await res.arrayBuffer();
  });
});

// A daemon of its own: the other tests' requests come out of the same global bucket.
describe('POST /api/v1/check rate limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-api-limits-'));
  let limited: RunningDaemon;

  beforeAll(async () => {
    const configFile = join(dir, 'portwatch.yaml');
    const port = await freePort();
    writeFileSync(configFile, `monitors:\n  - {name: other, hosts: [127.0.0.1], expect_closed: [${port}]}\n`);
    limited = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await limited?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rate-limits each client: 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await post(limited.port, JSON.stringify({ monitor: 'other' }), '127.0.0.6');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers['retry-after'];
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another client still gets through.
    expect((await post(limited.port, JSON.stringify({ monitor: 'other' }), '127.0.0.7')).status).toBe(200);
  });
});
