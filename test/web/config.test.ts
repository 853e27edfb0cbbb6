import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadWebConfigFile, parseWebConfig } from '../../src/web/config.js';
import { makeCerts, type Certs } from './certs.js';

const HASH = '$2b$04$abcdefghijklmnopqrstuuPoPUxmOfPUfmWpLpZ4fb9MHNN2wYYce';

async function problems(yaml: string, dir = '/nonexistent'): Promise<string> {
  try {
    await parseWebConfig(yaml, 'web.yml', dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('web config', () => {
  let certs: Certs;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs?.remove());

  it('an empty file or one with comments only is plain HTTP without auth', async () => {
    for (const text of ['', '# nothing\n']) {
      const c = await parseWebConfig(text, 'web.yml', '/');
      expect([c.tls, c.users.size, c.headers]).toEqual([undefined, 0, {}]);
    }
  });

  it('reads users, headers and TLS, with paths relative to the file and blank headers left out', async () => {
    const c = await parseWebConfig(
      `tls_server_config:\n  cert_file: server.crt\n  key_file: ${certs.files.serverKey}\n  min_version: TLS13\nhttp_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: ""\nbasic_auth_users:\n  alice: ${HASH}\n`,
      'web.yml',
      certs.dir,
    );
    expect(c.tls).toMatchObject({ clientAuth: 'NoClientCert', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ca: undefined });
    expect(c.tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny' });
    expect([...c.users]).toEqual([['alice', HASH]]);
  });

  it.each([
    ['an unknown top-level key', 'basic_auth:\n  alice: x\n', 'web.yml:1:1: basic_auth: unknown key "basic_auth" (allowed: tls_server_config, http_server_config, basic_auth_users, rate_limit)'],
    ['a plain-text password, never echoed', 'basic_auth_users:\n  alice: hunter2\n', 'web.yml:2:10: basic_auth_users.alice: the password of "alice" is not a bcrypt hash'],
    ['a TLS version Node would refuse', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n', 'web.yml:4:16: tls_server_config.min_version: min_version must be one of TLS12, TLS13, got string "TLS10"'],
    ['an unknown client_auth_type', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Always\n', 'tls_server_config.client_auth_type: client_auth_type must be one of NoClientCert,'],
    ['cipher_suites', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n', 'web.yml:4:18: tls_server_config.cipher_suites: not supported by portwatch'],
    ['a key file missing', 'tls_server_config:\n  cert_file: a\n', 'web.yml:2:3: tls_server_config: missing key_file'],
    ['a client CA without a policy', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n', "tls_server_config.client_ca_file: client CA's have been configured without a client_auth_type"],
    ['verification without a client CA', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n', 'RequireAndVerifyClientCert needs client_ca_file'],
    ['a header that cannot be set', 'http_server_config:\n  headers:\n    Server: nginx\n', 'web.yml:3:13: http_server_config.headers.Server: header "Server" cannot be set'],
    ['a bad X-Frame-Options', 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', 'X-Frame-Options must be one of deny, sameorigin, got "allow"'],
    ['a YAML syntax error', 'basic_auth_users: [\n', 'web.yml:2:1:'],
  ])('refuses %s, saying where', async (_what, yaml, message) => {
    const text = await problems(yaml);
    expect(text).toContain(message);
    expect(text).not.toContain('hunter2');
  });

  it('a certificate file that cannot be read is a problem at its key', async () => {
    expect(await problems('tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n', certs.dir)).toBe(
      `web.yml:2:14: tls_server_config.cert_file: cannot read ${join(certs.dir, 'nope.crt')}: ENOENT`,
    );
  });

  it('a key that does not belong to the certificate is a problem at key_file', async () => {
    expect(await problems('tls_server_config:\n  cert_file: server.crt\n  key_file: server2.key\n', certs.dir)).toMatch(
      /^web\.yml:3:13: tls_server_config\.key_file: cannot use the key with the certificate: /,
    );
  });

  it('a file that is not a certificate is a problem at cert_file', async () => {
    expect(await problems('tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n', certs.dir)).toMatch(/^web\.yml:2:14: tls_server_config\.cert_file: not a PEM certificate/);
  });

  it('a missing web config file is a ConfigError naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portwatch-webcfg-'));
    try {
      await expect(loadWebConfigFile(join(dir, 'web.yml'))).rejects.toThrow(`${join(dir, 'web.yml')}: cannot read: ENOENT`);
      writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  bob: ${HASH}\n`);
      expect((await loadWebConfigFile(join(dir, 'web.yml'))).users.get('bob')).toBe(HASH);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
