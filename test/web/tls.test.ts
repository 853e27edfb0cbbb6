import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebConfig } from '../../src/web/config.js';
import { WebServing } from '../../src/web/serving.js';
import { serve } from '../http/server-fixture.js';
import { httpsRequest, makeCerts, type Certs } from './certs.js';

// TLS with certificates made by openssl for this run: HTTPS scrapes, the minimum version,
// each client-certificate policy, and certificates swapped on reload.
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
      const socket = connect({ host: '127.0.0.1', port: server.port, ca: certs.pem('ca'), maxVersion: 'TLSv1.2', timeout: 5_000 });
      socket.once('secureConnect', () => (socket.destroy(), resolve(undefined)));
      socket.once('error', (e) => resolve(e));
      socket.once('timeout', () => (socket.destroy(), resolve(new Error('timeout'))));
    });
    expect(err?.message).toMatch(/protocol version|alert/i);
    expect((await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca'), minVersion: 'TLSv1.3' })).status).toBe(200);
  });

  describe('RequireAndVerifyClientCert', () => {
    const mtls = `${plainTls}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client-ca.crt\n`;

    it('refuses a client without a certificate', async () => {
      const { url } = await serveTls(mtls);
      await expect(httpsRequest(url('/metrics'), { ca: certs.pem('ca') })).rejects.toThrow(/certificate|alert|socket hang up|ECONNRESET/i);
    });

    it('refuses a client whose certificate the client CA did not sign', async () => {
      const { url } = await serveTls(mtls);
      await expect(httpsRequest(url('/metrics'), { ca: certs.pem('ca'), cert: certs.pem('rogueCert'), key: certs.pem('rogueKey') })).rejects.toThrow(
        /certificate|alert|socket hang up|ECONNRESET/i,
      );
    });

    it('accepts a client with a certificate signed by client_ca_file', async () => {
      const { url } = await serveTls(mtls);
      const res = await httpsRequest(url('/metrics'), { ca: certs.pem('ca'), cert: certs.pem('clientCert'), key: certs.pem('clientKey') });
      expect(res.status).toBe(200);
    });
  });

  it('RequireAnyClientCert wants a certificate, from anyone', async () => {
    const { url } = await serveTls(`${plainTls}  client_auth_type: RequireAnyClientCert\n`);
    await expect(httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') })).rejects.toThrow();
    expect((await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca'), cert: certs.pem('rogueCert'), key: certs.pem('rogueKey') })).status).toBe(200);
  });

  it('VerifyClientCertIfGiven lets a client without a certificate in, and refuses an untrusted one', async () => {
    const { url } = await serveTls(`${plainTls}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: client-ca.crt\n`);
    expect((await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') })).status).toBe(200);
    expect((await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca'), cert: certs.pem('clientCert'), key: certs.pem('clientKey') })).status).toBe(200);
    await expect(httpsRequest(url('/-/healthy'), { ca: certs.pem('ca'), cert: certs.pem('rogueCert'), key: certs.pem('rogueKey') })).rejects.toThrow();
  });

  it('a reload swaps the certificate and the client policy for new connections', async () => {
    const { url, web } = await serveTls(plainTls);
    const before = await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') });
    web.apply(await parseWebConfig('tls_server_config:\n  cert_file: server2.crt\n  key_file: server2.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: client-ca.crt\n', 'web.yml', certs.dir));
    await expect(httpsRequest(url('/-/healthy'), { ca: certs.pem('ca') })).rejects.toThrow();
    const after = await httpsRequest(url('/-/healthy'), { ca: certs.pem('ca'), cert: certs.pem('clientCert'), key: certs.pem('clientKey') });
    expect(after.status).toBe(200);
    expect(after.serial).not.toBe(before.serial);
  });
});
