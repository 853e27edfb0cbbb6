import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebConfig } from '../../src/web/config.js';
import { WebServing } from '../../src/web/serving.js';
import { goSans } from '../../src/web/client-sans.js';
import { serve } from '../http/server-fixture.js';
import { httpsRequest, makeCerts, SAN_CLIENT_NAMES, type Certs } from './certs.js';

// client_allowed_sans against real client certificates: each kind of name exporter-toolkit
// compares (DNS, IP, email, URI), written as Go writes it, exactly.
describe('client_allowed_sans', () => {
  let certs: Certs;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs?.remove());

  async function serveSans(auth: string, sans: string[]) {
    const ca = auth === 'RequestClientCert' ? '' : '  client_ca_file: client-ca.crt\n';
    const yaml =
      `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: ${auth}\n` +
      `${ca}  client_allowed_sans: ${JSON.stringify(sans)}\n`;
    const { server } = await serve({ web: new WebServing(await parseWebConfig(yaml, 'web.yml', certs.dir)) });
    return (client?: 'sanClient' | 'client') =>
      httpsRequest(`https://127.0.0.1:${server.port}/-/healthy`, {
        ca: certs.pem('ca'),
        ...(client === undefined ? {} : { cert: certs.pem(`${client}Cert`), key: certs.pem(`${client}Key`) }),
      }).then(
        (res) => res.status,
        () => 'refused',
      );
  }

  it.each(SAN_CLIENT_NAMES)('a certificate naming %s is served where that name is allowed', async (name) => {
    const get = await serveSans('RequireAndVerifyClientCert', ['someone.else', name]);
    expect(await get('sanClient')).toBe(200);
    expect(await get('client')).toBe('refused');
  });

  it("names are compared exactly, in Go's forms: no other case, no other IPv6 spelling, no subject CN", async () => {
    const others = ['CLIENT.EXAMPLE', '2001:DB8::7', '2001:db8:0:0:0:0:0:7', 'portwatch test san-client'];
    const get = await serveSans('RequireAndVerifyClientCert', others);
    expect(await get('sanClient')).toBe('refused');
  });

  it('with a policy that does not verify, the certificate given is still checked, and one must be given', async () => {
    const get = await serveSans('RequestClientCert', ['client.example']);
    expect(await get('sanClient')).toBe(200);
    expect(await get()).toBe('refused');
  });

  it("Node's subjectaltname string, in Go's forms", () => {
    expect(
      goSans(
        [
          'DNS:a.example',
          'DNS:"x\\u002c y"',
          'IP Address:127.0.0.1',
          'IP Address:2001:DB8:0:0:0:0:0:1',
          'IP Address:0:0:0:0:0:FFFF:7F00:2',
          'email:me@example.com',
          'URI:spiffe://e.org/a',
          'othername:<unsupported>',
        ].join(', '),
      ),
    ).toEqual(['a.example', 'x, y', '127.0.0.1', '2001:db8::1', '127.0.0.2', 'me@example.com', 'spiffe://e.org/a']);
    expect(goSans(undefined)).toEqual([]);
  });
});
