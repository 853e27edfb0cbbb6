import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, Child, missing, tempDir, waitFor } from '../alerts/stack.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { parseExposition } from '../helpers/scrape.js';
import { basic, httpsRequest, makeCerts, type Certs } from './certs.js';
import { skipOrFail } from '../helpers/skip.js';

// The built daemon behind TLS and basic auth: scraped with credentials, reloaded with a
// broken web config (kept running, reload fails), and scraped by a real Prometheus.
describe('daemon with --web.config.file', () => {
  let certs: Certs;
  let daemon: RunningDaemon;
  let webFile: string;
  const password = 'correct horse';
  const good = () =>
    'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' +
    `basic_auth_users:\n  prometheus: "${bcrypt.hashSync(password, 6)}"\n`;
  const url = (path: string) => `https://127.0.0.1:${daemon.port}${path}`;
  const get = (path: string, auth = basic('prometheus', password), method = 'GET') =>
    httpsRequest(url(path), { ca: certs.pem('ca'), method, headers: { authorization: auth } });

  beforeAll(async () => {
    certs = makeCerts();
    webFile = join(certs.dir, 'web.yml');
    writeFileSync(webFile, good());
    const configFile = join(certs.dir, 'portwatch.yaml');
    writeFileSync(
      configFile,
      'defaults:\n  interval: 1h\nmonitors:\n  - name: self\n    hosts: [127.0.0.1]\n    expect_closed: [1]\n',
    );
    daemon = await startDaemon([`--config.file=${configFile}`, `--web.config.file=${webFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    certs?.remove();
  });

  it('serves HTTPS and wants credentials', async () => {
    expect(daemon.logs.find((l) => l.msg === 'portwatch started')?.['scheme']).toBe('https');
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/metrics', basic('prometheus', 'wrong'))).status).toBe(401);
    expect((await get('/-/healthy', '')).status).toBe(200);
  });

  it('a broken web config fails the reload and keeps the running one', async () => {
    writeFileSync(webFile, 'basic_auth_users:\n  prometheus: plaintext\n');
    const res = await get('/-/reload', basic('prometheus', password), 'POST');
    expect(res.status).toBe(500);
    expect(res.body).toContain(
      `${webFile}:2:15: basic_auth_users.prometheus: the password of "prometheus" is not a bcrypt hash`,
    );
    expect(res.body).not.toContain('plaintext');
    const metrics = parseExposition((await get('/metrics')).body);
    expect(metrics.find((s) => s.name === 'portwatch_config_last_reload_successful')?.value).toBe(0);
  });

  it('switching to plain HTTP on reload is refused with a clear error', async () => {
    writeFileSync(webFile, `basic_auth_users:\n  prometheus: "${bcrypt.hashSync(password, 4)}"\n`);
    const res = await get('/-/reload', basic('prometheus', password), 'POST');
    expect([res.status, res.body]).toEqual([
      500,
      `failed to reload config: ${webFile}: ` +
        'switching between HTTP and HTTPS needs a restart (tls_server_config was removed)',
    ]);
  });

  it('a good web config reloads: new users', async () => {
    writeFileSync(webFile, good().replace('prometheus:', 'scraper:'));
    expect((await get('/-/reload', basic('prometheus', password), 'POST')).status).toBe(200);
    expect((await get('/metrics', basic('scraper', password))).status).toBe(200);
    expect((await get('/metrics')).status).toBe(401);
    writeFileSync(webFile, good());
    expect((await get('/-/reload', basic('scraper', password), 'POST')).status).toBe(200);
  });

  it('Prometheus scrapes it over TLS with basic auth: up == 1', async (ctx) => {
    const why = missing('prometheus');
    skipOrFail(ctx, why);
    const dir = tempDir('portwatch-prometheus-tls-');
    const port = await freePort();
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [
        {
          job_name: 'portwatch',
          scheme: 'https',
          tls_config: { ca_file: certs.files.ca },
          basic_auth: { username: 'prometheus', password },
          static_configs: [{ targets: [`127.0.0.1:${daemon.port}`] }],
        },
      ],
    };
    writeFileSync(join(dir.path, 'prometheus.yml'), JSON.stringify(config));
    const args = [
      `--config.file=${join(dir.path, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ];
    const prometheus = new Child(
      'prometheus',
      spawn(BIN.prometheus!, args, { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] }),
      dir,
    );
    try {
      const up = await waitFor('up{job="portwatch"} == 1', 30_000, async () => {
        if (!prometheus.running) throw new Error(`prometheus exited: ${prometheus.log}`);
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`, {
          signal: AbortSignal.timeout(2_000),
        });
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        return body.data.result[0]?.value[1] === '1' ? body : undefined;
      });
      expect(up.data.result).toHaveLength(1);
      const series = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=port_state`)).json()) as {
        data: { result: unknown[] };
      };
      expect(series.data.result.length).toBeGreaterThan(0);
    } finally {
      await prometheus.stop();
    }
  });
});

// The user's problem: a web config copied from node_exporter, with keys portwatch once
// refused, starts the daemon as it starts node_exporter, and says what it serves otherwise.
describe('daemon with a web config copied from node_exporter', () => {
  let certs: Certs;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    certs = makeCerts();
    const webFile = join(certs.dir, 'web.yml');
    writeFileSync(
      webFile,
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: server.key',
        '  min_version: TLS10',
        '  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]',
        '  curve_preferences: [X25519, CurveP256]',
        '  prefer_server_cipher_suites: true',
        '  client_auth_type: VerifyClientCertIfGiven',
        '  client_ca_file: client-ca.crt',
        '  client_allowed_sans: [client.example]',
        'http_server_config:',
        '  http2: true',
        '  headers:',
        '    X-XSS-Protection: 1',
        'rate_limit:',
        '  interval: 0',
        '  burst: 0',
        '',
      ].join('\n'),
    );
    const configFile = join(certs.dir, 'portwatch.yaml');
    const monitor = '  - name: self\n    hosts: [127.0.0.1]\n    expect_closed: [1]\n';
    writeFileSync(configFile, `defaults:\n  interval: 1h\nmonitors:\n${monitor}`);
    daemon = await startDaemon([`--config.file=${configFile}`, `--web.config.file=${webFile}`]);
  });

  afterAll(async () => {
    await daemon?.stop();
    certs?.remove();
  });

  it('starts serving HTTPS, says so, and warns once about TLS 1.0', () => {
    expect(daemon.logs.find((l) => l.msg === 'portwatch started')?.['scheme']).toBe('https');
    const warnings = daemon.logs.filter((l) => l.level === 'warn');
    const tls10 = /web\.yml:4:16: tls_server_config\.min_version: TLS10 is not offered/;
    expect(warnings.map((l) => String(l['warning']))).toEqual([expect.stringMatching(tls10)]);
  });

  it('serves a client with an allowed name in its certificate, with the header as written', async () => {
    const url = `https://127.0.0.1:${daemon.port}/metrics`;
    const named = { cert: certs.pem('sanClientCert'), key: certs.pem('sanClientKey') };
    const res = await httpsRequest(url, { ca: certs.pem('ca'), ...named });
    expect([res.status, res.headers['x-xss-protection'], res.protocol]).toEqual([200, '1', 'TLSv1.3']);
    const other = { cert: certs.pem('clientCert'), key: certs.pem('clientKey') };
    const unnamed = httpsRequest(url, { ca: certs.pem('ca'), ...other });
    await expect(unnamed).rejects.toThrow();
  });
});
