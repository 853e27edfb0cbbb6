import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebServing } from '../../src/web/serving.js';
import { serve } from '../http/server-fixture.js';
import { basic, httpsRequest } from './certs.js';
import { missingOpenssl, sClient } from './s-client.js';
import { serveUpstream, upstreamGet, UPSTREAM_DIR } from './upstream.js';
import { skipOrFail } from '../helpers/skip.js';

// The access cases of exporter-toolkit's tls_config_test.go (TestServerBehaviour, TestUsers,
// TestConfigReloading) against portwatch serving upstream's own configs and certificates,
// with real TLS clients: Node's and openssl s_client. Upstream's server says "Hello World!"
// on /; here /-/healthy says "Healthy" (open) and /metrics needs the users.

const refused = /socket hang up|ECONNRESET|alert|certificate|EPROTO|handshake/i;

describe("exporter-toolkit's access cases", () => {
  it('no web config: plain HTTP answers, a TLS client gets no answer', async () => {
    const { base, server } = await serve({ web: new WebServing() });
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    const tls = httpsRequest(`https://127.0.0.1:${server.port}/-/healthy`, { rejectUnauthorized: false });
    await expect(tls).rejects.toThrow(/wrong version number|EPROTO|packet length/i);
  });

  it('TLS: a TLS client is served; a plain HTTP client is not', async () => {
    const { port, base } = await serveUpstream('web_config_noAuth.good.yml');
    const res = await upstreamGet(port, '/-/healthy');
    expect([res.status, res.body]).toEqual([200, 'Healthy']);
    const plain = await fetch(`${base}/-/healthy`).catch((err: unknown) => err);
    // Go answers 400 to an HTTP request on its TLS port; portwatch closes the connection.
    expect(plain).toBeInstanceOf(Error);
  });

  it('cert and key written inline serve like files', async () => {
    const { port } = await serveUpstream('web_config_noAuth_tlsInline.good.yml');
    expect((await upstreamGet(port, '/-/healthy')).status).toBe(200);
  });

  it('a TLS 1.1 client is refused with a protocol version alert', async (ctx) => {
    const why = missingOpenssl();
    skipOrFail(ctx, why);
    const { port } = await serveUpstream('web_config_noAuth.good.yml');
    // SECLEVEL=0 lets the client offer TLS 1.1 at all: the refusal is the server's.
    const hs = await sClient(port, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']);
    expect(hs.connected, hs.output).toBe(false);
    expect(hs.output).toMatch(/alert protocol version/);
  });

  it('all ciphers, all curves, and no HTTP/2: a default client is served', async () => {
    const files = [
      'web_config_noAuth_allCiphers.good.yml',
      'web_config_noAuth_allCurves.good.yml',
      'web_config_noAuth_noHTTP2.good.yml',
    ];
    for (const file of files) {
      const { port } = await serveUpstream(file);
      expect((await upstreamGet(port, '/-/healthy')).status, file).toBe(200);
    }
  });

  describe('some ciphers', () => {
    it('a client with a listed cipher is served; one without is refused', async () => {
      const { port } = await serveUpstream('web_config_noAuth_someCiphers.good.yml');
      const listed = await upstreamGet(port, '/-/healthy', { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
      expect(listed.cipher).toBe('ECDHE-RSA-AES128-GCM-SHA256');
      const other = upstreamGet(port, '/-/healthy', { ciphers: 'ECDHE-RSA-AES256-SHA' });
      await expect(other).rejects.toThrow(/handshake failure/);
    });

    it("with two in common the server picks by Go's order, whatever the client or the file prefers", async (ctx) => {
      const why = missingOpenssl();
      skipOrFail(ctx, why);
      for (const file of ['web_config_noAuth_someCiphers.good.yml', 'web_config_noAuth_someCiphers_noOrder.good.yml']) {
        const { port } = await serveUpstream(file);
        const offers = [
          'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384',
          'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256',
        ];
        for (const offer of offers) {
          const hs = await sClient(port, ['-tls1_2', '-cipher', offer]);
          const got = [hs.protocol, hs.cipher];
          expect(got, `${file} ${offer}\n${hs.output}`).toEqual(['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256']);
        }
      }
    });
  });

  it('some curves: a client with P-521 is served, one with only P-384 is refused', async () => {
    const { port } = await serveUpstream('web_config_noAuth_someCurves.good.yml');
    expect((await upstreamGet(port, '/-/healthy', { ecdhCurve: 'P-521' })).status).toBe(200);
    await expect(upstreamGet(port, '/-/healthy', { ecdhCurve: 'P-384' })).rejects.toThrow(/handshake failure/);
  });

  it('headers: set on every response, X-XSS-Protection: 1 as "1"', async () => {
    const { base } = await serveUpstream('web_config_headers.good.yml');
    const res = await fetch(`${base}/-/healthy`);
    await res.arrayBuffer();
    const names = [
      'x-frame-options',
      'strict-transport-security',
      'x-content-type-options',
      'x-xss-protection',
      'content-security-policy',
    ];
    expect(Object.fromEntries(names.map((h) => [h, res.headers.get(h)]))).toEqual({
      'x-frame-options': 'deny',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-xss-protection': '1',
      'content-security-policy': "default-src 'self' *.test.example.net",
    });
  });

  describe('client certificates', () => {
    it('RequireAnyClientCert: a self-signed client is served, a client without one is not', async () => {
      const files = [
        'tls_config_noAuth.requireanyclientcert.good.yml',
        'tls_config_noAuth.requireanyclientcertkeyinline.good.yml',
      ];
      for (const file of files) {
        const { port } = await serveUpstream(file);
        expect((await upstreamGet(port, '/-/healthy', { client: 'client_selfsigned' })).status, file).toBe(200);
        await expect(upstreamGet(port, '/-/healthy'), file).rejects.toThrow(refused);
      }
    });

    it('RequireAndVerifyClientCert: the client its CA file names is served; another or none is not', async () => {
      const { port } = await serveUpstream('tls_config_noAuth.requireandverifyclientcert.good.yml');
      expect((await upstreamGet(port, '/-/healthy', { client: 'client_selfsigned' })).status).toBe(200);
      await expect(upstreamGet(port, '/-/healthy', { client: 'client2_selfsigned' })).rejects.toThrow(refused);
      await expect(upstreamGet(port, '/-/healthy')).rejects.toThrow(refused);
    });

    it('client_allowed_sans: client2 (SAN test3) is served where test3 is allowed, not where "bad" is', async () => {
      const good = await serveUpstream('web_config_auth_client_san.good.yaml');
      expect((await upstreamGet(good.port, '/-/healthy', { client: 'client2_selfsigned' })).status).toBe(200);
      const bad = await serveUpstream('web_config_auth_client_san.bad.yaml');
      await expect(upstreamGet(bad.port, '/-/healthy', { client: 'client2_selfsigned' })).rejects.toThrow(refused);
    });
  });

  describe('without a client CA, as Go: the system CAs verify client certificates', () => {
    const saved = { file: process.env['SSL_CERT_FILE'], dir: process.env['SSL_CERT_DIR'] };
    let emptyDir: string;
    beforeAll(() => {
      emptyDir = mkdtempSync(join(tmpdir(), 'portwatch-no-cas-'));
      return () => rmSync(emptyDir, { recursive: true, force: true });
    });
    afterEach(() => {
      for (const [name, value] of [
        ['SSL_CERT_FILE', saved.file],
        ['SSL_CERT_DIR', saved.dir],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('RequireAndVerifyClientCert: no client is served whose certificate the system CAs did not sign', async () => {
      const { port } = await serveUpstream('web_config_noAuth.good.blocking.yml');
      await expect(upstreamGet(port, '/-/healthy')).rejects.toThrow(refused);
      await expect(upstreamGet(port, '/-/healthy', { client: 'client_selfsigned' })).rejects.toThrow(refused);
    });

    it('VerifyClientCertIfGiven: a client without a certificate is served, one with an unknown one not', async () => {
      const { port } = await serveUpstream('web_config_noAuth.good.yml');
      expect((await upstreamGet(port, '/-/healthy')).status).toBe(200);
      await expect(upstreamGet(port, '/-/healthy', { client: 'client_selfsigned' })).rejects.toThrow(refused);
    });

    it('a client signed by a CA in $SSL_CERT_FILE is served, as Go would serve it', async () => {
      process.env['SSL_CERT_FILE'] = join(UPSTREAM_DIR, 'client_selfsigned.pem');
      process.env['SSL_CERT_DIR'] = emptyDir;
      const { port } = await serveUpstream('web_config_noAuth.good.blocking.yml');
      expect((await upstreamGet(port, '/-/healthy', { client: 'client_selfsigned' })).status).toBe(200);
      await expect(upstreamGet(port, '/-/healthy', { client: 'client2_selfsigned' })).rejects.toThrow(refused);
    });
  });

  describe('rate_limit', () => {
    it('interval 0: no limit', async () => {
      const { base } = await serveUpstream('web_config_rate_limiter_nonblocking.yaml');
      for (let i = 0; i <= 10; i++) {
        const res = await fetch(`${base}/-/healthy`);
        expect([i, res.status, await res.text()]).toEqual([i, 200, 'Healthy']);
      }
    });

    it('interval 1s, burst 0: too many requests', async () => {
      const { base } = await serveUpstream('web_config_rate_limiter_one_second.yaml');
      const res = await fetch(`${base}/-/healthy`);
      expect([res.status, await res.text()]).toEqual([429, 'Too Many Requests\n']);
    });
  });

  describe('users', () => {
    it("plain HTTP: 401 without credentials, 200 with dave's", async () => {
      const { base } = await serveUpstream('web_config_users_noTLS.good.yml');
      const get = async (auth?: string) => {
        const res = await fetch(`${base}/metrics`, auth === undefined ? {} : { headers: { authorization: auth } });
        await res.arrayBuffer();
        return res.status;
      };
      expect(await get()).toBe(401);
      expect(await get(basic('dave', 'dave123'))).toBe(200);
    });

    it('TLS: dave and carol are served; no credentials, a bad password or an unknown user are not', async () => {
      const { port } = await serveUpstream('web_config_users.good.yml');
      const status = async (auth?: string) => {
        const res = await upstreamGet(port, '/metrics', auth === undefined ? {} : { auth });
        return res.status;
      };
      expect(await status()).toBe(401);
      expect(await status(basic('dave', 'dave123'))).toBe(200);
      expect(await status(basic('carol', 'carol123'))).toBe(200);
      expect(await status(basic('dave', 'bad'))).toBe(401);
      expect(await status(basic('nonexistent', 'nonexistent'))).toBe(401);
    });
  });

  it('reloading: a client refused under the blocking config is served once the good one is loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portwatch-upstream-reload-'));
    try {
      for (const f of ['server.crt', 'server.key']) copyFileSync(join(UPSTREAM_DIR, f), join(dir, f));
      const file = join(dir, 'web.yml');
      copyFileSync(join(UPSTREAM_DIR, 'web_config_noAuth.good.blocking.yml'), file);
      const web = await WebServing.load(file);
      const { server } = await serve({ web });
      await expect(upstreamGet(server.port, '/-/healthy')).rejects.toThrow(refused);
      // exporter-toolkit reads its file at every request; portwatch at a reload (SIGHUP, POST /-/reload).
      writeFileSync(file, readFileSync(join(UPSTREAM_DIR, 'web_config_noAuth.good.yml')));
      web.apply(await web.prepare());
      expect((await upstreamGet(server.port, '/-/healthy')).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
