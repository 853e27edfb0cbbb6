import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type LogLine, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { find, scrape, type Sample } from '../helpers/scrape.js';
import { FAST_CHECKS, hostsOf, scrapeUntil, value } from './helpers.js';

type Mode = 'ok' | 'status-500' | 'wrong-type' | 'json-seq' | 'latin-1' | 'not-json' | 'bad-groups' | 'hang';

// The built daemon reading target groups from a real HTTP endpoint on loopback, refreshed
// every second (so a request times out after 1 s). Each kind of failure must keep the last
// good hosts and show in the metrics and the log; a new good answer must be applied.
describe('http_sd with the daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-http-sd-'));
  const configFile = join(dir, 'portwatch.yaml');
  let server: Server;
  let daemon: RunningDaemon;
  let sdPort: number;
  let closedPort: number;
  let refusedPort: number;
  let mode: Mode = 'ok';
  let groups: unknown = [{ targets: ['127.0.0.2:9100', '127.0.0.3'], labels: { team: 'payments' } }];
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const hanging: ServerResponse[] = [];

  const json = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', headers: req.headers });
      if (req.url === '/auth') return json(res, [{ targets: ['127.0.0.9:22'] }]);
      switch (mode) {
        case 'ok':
          return json(res, groups);
        case 'status-500':
          res.writeHead(500, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(groups));
        case 'wrong-type':
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          return res.end(JSON.stringify(groups));
        case 'json-seq':
          res.writeHead(200, { 'content-type': 'application/json-seq' });
          return res.end(JSON.stringify(groups));
        case 'latin-1':
          res.writeHead(200, { 'content-type': 'application/json; charset=iso-8859-1' });
          return res.end(JSON.stringify(groups));
        case 'not-json':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('[{"targets": ["127.0.0.4"]');
        case 'bad-groups':
          return json(res, [{ targets: [7] }]);
        case 'hang':
          hanging.push(res);
          return undefined;
      }
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    sdPort = (server.address() as AddressInfo).port;
    closedPort = await freePort();
    refusedPort = await freePort();
    writeFileSync(
      configFile,
      `${FAST_CHECKS}
  - name: http
    hosts: [127.0.0.1]
    http_sd_configs:
      - url: http://127.0.0.1:${sdPort}/sd
        refresh_interval: 1s
    sd_labels: {team: team}
    expect_closed: [${closedPort}]
  - name: auth
    http_sd_configs:
      - url: "http://sd-user:p%40ss@127.0.0.1:${sdPort}/auth"
        refresh_interval: 1s
    expect_closed: [${closedPort}]
  - name: refused
    http_sd_configs:
      - url: http://127.0.0.1:${refusedPort}/sd
        refresh_interval: 1s
    expect_closed: [${closedPort}]
`,
    );
    daemon = await startDaemon([`--config.file=${configFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    for (const res of hanging) res.destroy();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const metrics = () => daemon.url('/metrics');
  const sdUrl = () => `http://127.0.0.1:${sdPort}/sd`;
  const source = () => ({ monitor: 'http', sd: 'http', source: sdUrl() });

  it('checks the hosts the endpoint serves, with their mapped labels', async () => {
    const s = await scrapeUntil(metrics(), (x) => hostsOf(x, 'http').length === 3, 'the discovered hosts', 15_000);
    expect(hostsOf(s, 'http')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    for (const host of ['127.0.0.2', '127.0.0.3']) {
      expect(find(s, 'port_state', { monitor: 'http', host }).map((x) => x.labels)).toEqual([
        {
          monitor: 'http',
          host,
          ip: host,
          port: String(closedPort),
          protocol: 'tcp',
          expected: 'closed',
          team: 'payments',
        },
      ]);
    }
    expect(find(s, 'port_state', { monitor: 'http', host: '127.0.0.1' }).map((x) => x.labels)).toEqual([
      {
        monitor: 'http',
        host: '127.0.0.1',
        ip: '127.0.0.1',
        port: String(closedPort),
        protocol: 'tcp',
        expected: 'closed',
      },
    ]);
    expect(value(s, 'portwatch_sd_hosts', source())).toBe(2);
    expect(value(s, 'portwatch_sd_last_refresh_successful', source())).toBe(1);
    expect(value(s, 'portwatch_sd_refresh_failures_total', source())).toBe(0);
  });

  it('sends what Prometheus sends: the refresh interval, a portwatch user agent, Accept JSON', () => {
    const sd = requests.filter((r) => r.url === '/sd');
    expect(sd.length).toBeGreaterThanOrEqual(1);
    for (const r of sd) {
      expect(r.headers['x-prometheus-refresh-interval-seconds']).toBe('1');
      expect(r.headers['user-agent']).toMatch(/^portwatch\/\d+\.\d+\.\d+/);
      expect(r.headers['accept']).toBe('application/json');
      expect(r.headers['authorization']).toBeUndefined();
    }
  });

  it("sends the URL's user and password as Basic auth, and shows the URL without them", async () => {
    const s = await scrapeUntil(metrics(), (x) => hostsOf(x, 'auth').length === 1, 'the host behind basic auth');
    expect(hostsOf(s, 'auth')).toEqual(['127.0.0.9']);
    const auth = requests.filter((r) => r.url === '/auth');
    expect(auth.length).toBeGreaterThanOrEqual(1);
    for (const r of auth)
      expect(r.headers['authorization']).toBe(`Basic ${Buffer.from('sd-user:p@ss').toString('base64')}`);
    expect(find(s, 'portwatch_sd_hosts', { monitor: 'auth' }).map((x) => x.labels)).toEqual([
      { monitor: 'auth', sd: 'http', source: `http://127.0.0.1:${sdPort}/auth` },
    ]);
    const text = await (await fetch(metrics())).text();
    expect(text).not.toContain('sd-user');
    expect(text).not.toContain('p%40ss');
    expect(JSON.stringify(daemon.logs)).not.toContain('p%40ss');
  });

  it('counts an endpoint that refuses connections as failing, with no hosts and no success time', async () => {
    const labels = { monitor: 'refused', sd: 'http', source: `http://127.0.0.1:${refusedPort}/sd` };
    const s = await scrapeUntil(
      metrics(),
      (x) => (find(x, 'portwatch_sd_refresh_failures_total', labels)[0]?.value ?? 0) >= 2,
      'two refused reads',
    );
    expect(value(s, 'portwatch_sd_last_refresh_successful', labels)).toBe(0);
    expect(value(s, 'portwatch_sd_hosts', labels)).toBe(0);
    expect(find(s, 'portwatch_sd_last_refresh_success_timestamp_seconds', labels)).toEqual([]);
    expect(value(s, 'portwatch_targets', { monitor: 'refused' })).toBe(0);
    const log = await daemon.waitForLog(
      (l) => l.msg === 'service discovery endpoint failed, keeping its last good targets' && l['monitor'] === 'refused',
      5_000,
    );
    expect(log).toMatchObject({ level: 'error', url: labels.source });
    expect((log['err'] as { message: string }).message).toMatch(/^fetch failed: .*ECONNREFUSED/);
  });

  /** Switches the endpoint to `next`, waits for the failure to show, and checks the last good hosts stayed. */
  async function failsWith(next: Mode, message: string | RegExp, timeoutMs = 5_000): Promise<Sample[]> {
    const before = value(await scrape(metrics()), 'portwatch_sd_refresh_failures_total', source());
    const logsBefore = daemon.logs.length;
    mode = next;
    const s = await scrapeUntil(
      metrics(),
      (x) => find(x, 'portwatch_sd_refresh_failures_total', source())[0]!.value > before,
      `a failure with ${next}`,
      timeoutMs,
    );
    expect(value(s, 'portwatch_sd_last_refresh_successful', source())).toBe(0);
    expect(value(s, 'portwatch_sd_hosts', source())).toBe(2);
    expect(hostsOf(s, 'http')).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect(find(s, 'port_state', { monitor: 'http', host: '127.0.0.2' })[0]?.labels['team']).toBe('payments');
    const log = await daemon.waitForLog(
      (l: LogLine) =>
        daemon.logs.indexOf(l) >= logsBefore &&
        l.msg === 'service discovery endpoint failed, keeping its last good targets' &&
        l['monitor'] === 'http',
      5_000,
    );
    expect(log).toMatchObject({ level: 'error', url: sdUrl() });
    const got = (log['err'] as { message: string }).message;
    if (typeof message === 'string') expect(got).toBe(message);
    else expect(got).toMatch(message);
    return s;
  }

  it('keeps the last good hosts when the endpoint answers 500', async () => {
    await failsWith('status-500', 'the endpoint answered 500 Internal Server Error');
  });

  it('keeps the last good hosts when the endpoint answers another Content-Type', async () => {
    await failsWith(
      'wrong-type',
      'the endpoint answered Content-Type "text/plain; charset=utf-8"; http_sd needs application/json (charset ' +
        'utf-8, ' +
        'if any)',
    );
  });

  // Prometheus takes application/json with no parameter but a UTF-8 charset (discovery/http: matchContentType).
  it('keeps the last good hosts when the endpoint answers JSON text sequences or another charset', async () => {
    await failsWith(
      'json-seq',
      'the endpoint answered Content-Type "application/json-seq"; http_sd needs application/json (charset utf-8, if ' +
        'any)',
    );
    await failsWith(
      'latin-1',
      'the endpoint answered Content-Type "application/json; charset=iso-8859-1"; http_sd needs application/json ' +
        '(charset utf-8, if any)',
    );
  });

  it('keeps the last good hosts when the endpoint answers invalid JSON', async () => {
    await failsWith('not-json', 'response:1:27: invalid JSON: unexpected end of the text');
  });

  it('keeps the last good hosts when the endpoint answers JSON that Prometheus refuses as target groups', async () => {
    await failsWith('bad-groups', 'response:1:14: [0].targets[0]: expected a string, got number 7');
  });

  it('keeps the last good hosts when the endpoint does not answer within the refresh interval', async () => {
    const started = Date.now();
    await failsWith('hang', 'no answer within 1 s', 8_000);
    // The request was given its second before it was abandoned.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(hanging.length).toBeGreaterThanOrEqual(1);
  });

  it('applies a new list once the endpoint answers again', async () => {
    const failures = value(await scrape(metrics()), 'portwatch_sd_refresh_failures_total', source());
    const recovering = Date.now() / 1000;
    groups = [
      { targets: ['127.0.0.2:9100'], labels: { team: 'payments' } },
      { targets: ['127.0.0.4:80', '[::1]:80'], labels: { team: 'search' } },
    ];
    mode = 'ok';
    const s = await scrapeUntil(
      metrics(),
      (x) =>
        hostsOf(x, 'http').join() === '127.0.0.1,127.0.0.2,127.0.0.4' ||
        hostsOf(x, 'http').join() === '127.0.0.1,127.0.0.2,127.0.0.4,::1',
      'the new list',
      8_000,
    );
    expect(value(s, 'portwatch_sd_last_refresh_successful', source())).toBe(1);
    expect(value(s, 'portwatch_sd_hosts', source())).toBe(3);
    // A hung request still under way when the mode changed may count once more; none after.
    expect(value(s, 'portwatch_sd_refresh_failures_total', source())).toBeLessThanOrEqual(failures + 1);
    expect(value(s, 'portwatch_sd_last_refresh_success_timestamp_seconds', source())).toBeGreaterThanOrEqual(
      Math.floor(recovering),
    );
    expect(find(s, 'port_state', { monitor: 'http', host: '127.0.0.4' }).map((x) => x.labels['team'])).toEqual([
      'search',
    ]);
    expect(find(s, 'port_state', { monitor: 'http', host: '127.0.0.3' })).toEqual([]);
    await daemon.waitForLog((l) => l.msg === 'service discovery changed the targets', 5_000);
  });

  it('keeps the discovered hosts across a reload of the same config, with no gap', async () => {
    const before = hostsOf(await scrape(metrics()), 'http');
    expect(before).toContain('127.0.0.4');
    const res = await fetch(daemon.url('/-/reload'), { method: 'POST' });
    expect(res.status).toBe(200);
    const s = await scrape(metrics());
    expect(hostsOf(s, 'http')).toEqual(before);
    expect(hostsOf(s, 'auth')).toEqual(['127.0.0.9']);
    expect(value(s, 'portwatch_sd_hosts', source())).toBe(3);
    expect(value(s, 'portwatch_sd_last_refresh_successful', source())).toBe(1);
  });
});
