import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebConfig } from '../../src/web/config.js';
import { WebServing } from '../../src/web/serving.js';
import { serve } from '../http/server-fixture.js';
import { httpsRequest, makeCerts, type Certs } from './certs.js';
import { missingOpenssl, sClient } from './s-client.js';
import { UPSTREAM_DIR } from './upstream.js';
import { skipOrFail } from '../helpers/skip.js';

// TLS with certificates made by openssl for this run: HTTPS scrapes, the minimum version,
// each client-certificate policy, certificates swapped on reload, and the cipher suites and
// curves a real handshake (openssl s_client) gets by default and when configured.
describe('TLS', () => {
  let certs: Certs;

  beforeAll(() => {
    certs = makeCerts();
  });

  afterAll(() => certs?.remove());

  async function serveTls(yaml: string) {
    const web = new WebServing(await parseWebConfig(yaml, 'web.yml', certs.dir));
    const running = await serve({ web });
    return { ...running, web, url: (path: string) => `https://127.0.0.1:${running.server.port}${path}` };
  }

  const plainTls = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';

  it('serves /metrics over HTTPS to a client that trusts the CA, with paths relative to the web config', async () => {
    const { url } = await serveTls(plainTls);
    const res = await httpsRequest(url('/metrics'), { ca: certs.pem('ca') });
    expect(res.status).toBe(200);
    expect(res.body).toContain('port_state{');
  });

  it('a client that does not trust the CA refuses the certificate', async () => {
    const { url } = await serveTls(plainTls);
    await expect(httpsRequest(url('/metrics'))).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('plain HTTP to the TLS port gets no metrics', async () => {
    const { server } = await serveTls(plainTls);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`).catch((err: unknown) => err);
    if (res instanceof Response) expect(res.status).toBe(400);
    else expect(res).toBeInstanceOf(Error);
  });

  it('min_version TLS13 refuses a TLS 1.2 client and accepts a TLS 1.3 one', async () => {
    const { url, server } = await serveTls(`${plainTls}  min_version: TLS13\n`);
    const err = await new Promise<Error | undefined>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: server.port,
        ca: certs.pem('ca'),
        maxVersion: 'TLSv1.2',
        timeout: 5_000,
      });
      socket.once('secureConnect', () => (socket.destroy(), resolve(undefined)));
      socket.once('error', (e: Error) => resolve(e));
      socket.once('timeout', () => (socket.destroy(), resolve(new Error('timeout'))));
    });
    expect(err?.message).toMatch(/protocol version|alert/i);
    expect((await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca'), minVersion: 'TLSv1.3' })).status).toBe(200);
  });

  describe('RequireAndVerifyClientCert', () => {
    const mtls = `${plainTls}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client-ca.crt\n`;

    it('refuses a client without a certificate', async () => {
      const { url } = await serveTls(mtls);
      await expect(httpsRequest(url('/metrics'), { ca: certs.pem('ca') })).rejects.toThrow(
        /certificate|alert|socket hang up|ECONNRESET/i,
      );
    });

    it('refuses a client whose certificate the client CA did not sign', async () => {
      const { url } = await serveTls(mtls);
      await expect(
        httpsRequest(url('/metrics'), {
          ca: certs.pem('ca'),
          cert: certs.pem('rogueCert'),
          key: certs.pem('rogueKey'),
        }),
      ).rejects.toThrow(/certificate|alert|socket hang up|ECONNRESET/i);
    });

    it('accepts a client with a certificate signed by client_ca_file', async () => {
      const { url } = await serveTls(mtls);
      const res = await httpsRequest(url('/metrics'), {
        ca: certs.pem('ca'),
        cert: certs.pem('clientCert'),
        key: certs.pem('clientKey'),
      });
      expect(res.status).toBe(200);
    });
  });

  it('RequireAnyClientCert wants a certificate, from anyone', async () => {
    const { url } = await serveTls(`${plainTls}  client_auth_type: RequireAnyClientCert\n`);
    await expect(httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') })).rejects.toThrow();
    expect(
      (
        await httpsRequest(url('/-/healthy'), {
          ca: certs.pem('ca'),
          cert: certs.pem('rogueCert'),
          key: certs.pem('rogueKey'),
        })
      ).status,
    ).toBe(200);
  });

  it('VerifyClientCertIfGiven lets a client without a certificate in, and refuses an untrusted one', async () => {
    const { url } = await serveTls(
      `${plainTls}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: client-ca.crt\n`,
    );
    expect((await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') })).status).toBe(200);
    expect(
      (
        await httpsRequest(url('/-/healthy'), {
          ca: certs.pem('ca'),
          cert: certs.pem('clientCert'),
          key: certs.pem('clientKey'),
        })
      ).status,
    ).toBe(200);
    await expect(
      httpsRequest(url('/-/healthy'), {
        ca: certs.pem('ca'),
        cert: certs.pem('rogueCert'),
        key: certs.pem('rogueKey'),
      }),
    ).rejects.toThrow();
  });

  it('a reload swaps the certificate and the client policy for new connections', async () => {
    const { url, web } = await serveTls(plainTls);
    const before = await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') });
    web.apply(
      await parseWebConfig(
        'tls_server_config:\n  cert_file: server2.crt\n  key_file: server2.key\n' +
          '  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client-ca.crt\n',
        'web.yml',
        certs.dir,
      ),
    );
    await expect(httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') })).rejects.toThrow();
    const after = await httpsRequest(url('/-/healthy'), {
      ca: certs.pem('ca'),
      cert: certs.pem('clientCert'),
      key: certs.pem('clientKey'),
    });
    expect(after.status).toBe(200);
    expect(after.serial).not.toBe(before.serial);
  });

  it('http2 (on by default) is accepted; the server speaks HTTP/1.1, never h2', async () => {
    const { server } = await serveTls(`${plainTls}http_server_config:\n  http2: true\n`);
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const options = { host: '127.0.0.1', port: server.port, ca: certs.pem('ca'), timeout: 5_000 };
      const socket = connect({ ...options, ALPNProtocols: ['h2', 'http/1.1'] });
      socket.once('secureConnect', () => (resolve(socket.alpnProtocol ?? false), socket.destroy()));
      socket.once('error', reject);
    });
    expect(alpn).toBe('http/1.1');
  });

  describe('cipher suites and curves, by handshake', () => {
    // Upstream's RSA certificate: suites with RSA key exchange need one to be offered at all.
    const rsa =
      `tls_server_config:\n  cert_file: ${join(UPSTREAM_DIR, 'server.crt')}\n` +
      `  key_file: ${join(UPSTREAM_DIR, 'server.key')}\n`;
    const port = async (yaml: string) => (await serveTls(yaml)).server.port;

    it("by default TLS 1.2 offers Go's suites: forward secret only, never RSA key exchange", async (ctx) => {
      const why = missingOpenssl();
      skipOrFail(ctx, why);
      const p = await port(rsa);
      const refused = ['AES128-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA256'];
      refused.push('DHE-RSA-AES128-GCM-SHA256');
      for (const cipher of refused) {
        const hs = await sClient(p, ['-tls1_2', '-cipher', cipher]);
        expect([cipher, hs.connected], hs.output).toEqual([cipher, false]);
        expect(hs.output).toMatch(/alert handshake failure/);
      }
      const offered = [
        'ECDHE-RSA-AES128-GCM-SHA256',
        'ECDHE-RSA-AES256-GCM-SHA384',
        'ECDHE-RSA-CHACHA20-POLY1305',
        'ECDHE-RSA-AES128-SHA',
        'ECDHE-RSA-AES256-SHA',
      ];
      for (const cipher of offered) {
        const hs = await sClient(p, ['-tls1_2', '-cipher', cipher]);
        expect([hs.protocol, hs.cipher], hs.output).toEqual(['TLSv1.2', cipher]);
      }
    });

    it('cipher_suites: only the listed TLS 1.2 suites; TLS 1.3 keeps all of its own, as in Go', async (ctx) => {
      const why = missingOpenssl();
      skipOrFail(ctx, why);
      const suites = '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, TLS_AES_128_GCM_SHA256]\n';
      const p = await port(`${rsa}${suites}http_server_config:\n  http2: false\n`);
      expect((await sClient(p, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-SHA'])).cipher).toBe('ECDHE-RSA-AES256-SHA');
      expect((await sClient(p, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'])).connected).toBe(false);
      const tls13 = await sClient(p, ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256']);
      expect([tls13.protocol, tls13.cipher], tls13.output).toEqual(['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256']);
    });

    it("a client that prefers ChaCha20 gets it, one that prefers AES gets AES: Go's choice", async (ctx) => {
      const why = missingOpenssl();
      skipOrFail(ctx, why);
      const p = await port(rsa);
      const chachaFirst = 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256';
      const chacha = await sClient(p, ['-tls1_2', '-cipher', chachaFirst]);
      expect(chacha.cipher, chacha.output).toBe('ECDHE-RSA-CHACHA20-POLY1305');
      const aesFirst = 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256';
      const aes = await sClient(p, ['-tls1_2', '-cipher', aesFirst]);
      expect(aes.cipher, aes.output).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    });

    it("curves: Go's by default (X25519 and the NIST ones, not X448), only the listed ones if given", async (ctx) => {
      const why = missingOpenssl();
      skipOrFail(ctx, why);
      const p = await port(plainTls);
      expect((await sClient(p, ['-groups', 'X25519'])).group).toBe('X25519');
      expect((await sClient(p, ['-groups', 'P-384'])).group).toBe('secp384r1');
      expect((await sClient(p, ['-groups', 'X448'])).connected).toBe(false);
      // An RSA certificate: in TLS 1.2 an ECDSA one must be on a listed curve too (in Go as in OpenSSL).
      const only384 = await port(`${rsa}  curve_preferences: [CurveP384]\n`);
      for (const args of [
        ['-groups', 'P-384'],
        ['-tls1_2', '-groups', 'P-384'],
      ]) {
        const hs = await sClient(only384, args);
        expect([hs.connected, hs.group], hs.output).toEqual([true, 'secp384r1']);
      }
      expect((await sClient(only384, ['-groups', 'X25519:P-256'])).output).toMatch(/alert handshake failure/);
    });
  });
});
