import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadWebConfigFile, parseWebConfig } from '../../src/web/config.js';
import { makeCerts, type Certs } from './certs.js';

// The web config as exporter-toolkit's Go YAML reader takes it, one case per rule, each
// with the exact message. Upstream's own test files are run in upstream-configs.test.ts.
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
  const tls = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';
  const parse = (yaml: string) => parseWebConfig(yaml, 'web.yml', certs.dir);
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs?.remove());

  it('an empty file, one with comments only or an empty document is plain HTTP without auth', async () => {
    for (const text of ['', '# nothing\n', '~\n', '---\n']) {
      const c = await parseWebConfig(text, 'web.yml', '/');
      expect([c.tls, c.users.size, c.headers, c.rateLimit, c.warnings], JSON.stringify(text)).toEqual([undefined, 0, {}, undefined, []]);
    }
  });

  it('reads users, headers and TLS, with paths relative to the file', async () => {
    const c = await parse(
      `tls_server_config:\n  cert_file: server.crt\n  key_file: ${certs.files.serverKey}\n  min_version: TLS13\nhttp_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: ""\nbasic_auth_users:\n  alice: ${HASH}\n`,
    );
    expect(c.tls?.settings).toMatchObject({ clientAuth: 'NoClientCert', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', clientCa: undefined, cert: { file: certs.files.serverCert } });
    expect(c.tls?.material.cert).toContain('BEGIN CERTIFICATE');
    // Go sends a blank header as it is.
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny', 'Content-Security-Policy': '' });
    expect([...c.users]).toEqual([['alice', HASH]]);
    expect(c.http2).toBe(false);
  });

  describe('values read as Go reads them', () => {
    it('a number or boolean where a string is expected is its text as written', async () => {
      const c = await parse('http_server_config:\n  headers:\n    X-XSS-Protection: 1\n    Strict-Transport-Security: 0x10\n    Content-Security-Policy: yes\n');
      expect(c.headers).toEqual({ 'X-XSS-Protection': '1', 'Strict-Transport-Security': '0x10', 'Content-Security-Policy': 'yes' });
    });

    it('booleans are YAML 1.1 ones, unquoted; an empty value is false', async () => {
      for (const [text, http2] of [['yes', true], ['On', true], ['n', false], ['FALSE', false], ['', false]] as const) {
        expect((await parse(`http_server_config:\n  http2: ${text}\n`)).http2, text).toBe(http2);
      }
      expect(await problems('http_server_config:\n  http2: "true"\n')).toBe('web.yml:2:10: http_server_config.http2: expected true or false, got string "true"');
    });

    it('http2 is on unless set, and off when the section is there but empty (Go zeroes it)', async () => {
      expect((await parse('basic_auth_users: {}\n')).http2).toBe(true);
      expect((await parse('http_server_config: {}\n')).http2).toBe(true);
      expect((await parse('http_server_config:\n')).http2).toBe(false);
    });

    it('rate_limit: a Go duration or nanoseconds, a whole number of requests (floats cut)', async () => {
      expect((await parse('rate_limit:\n  interval: 1m30s\n  burst: 20\n')).rateLimit).toEqual({ intervalMs: 90_000, burst: 20 });
      expect((await parse('rate_limit:\n  interval: "250ms"\n  burst: 2.9\n')).rateLimit).toEqual({ intervalMs: 250, burst: 2 });
      expect((await parse('rate_limit:\n  interval: 1000000\n  burst: 0x10\n')).rateLimit).toEqual({ intervalMs: 1, burst: 16 });
      // 0 turns it off; so does a negative interval, which Go's limiter takes as no limit.
      expect((await parse('rate_limit:\n  interval: 0\n  burst: 0\n')).rateLimit).toBeUndefined();
      expect((await parse('rate_limit:\n  interval: -1s\n  burst: 5\n')).rateLimit).toBeUndefined();
    });

    it.each([
      ['a Prometheus unit Go lacks', 'rate_limit:\n  interval: 1d\n', 'web.yml:2:13: rate_limit.interval: "1d" is not a Go duration (unknown unit "d"; e.g. 1s, 500ms, 1m30s)'],
      ['a duration without unit', 'rate_limit:\n  interval: "5"\n', 'web.yml:2:13: rate_limit.interval: "5" is not a Go duration (missing unit; e.g. 1s, 500ms, 1m30s)'],
      ['a quoted burst', 'rate_limit:\n  interval: 1s\n  burst: "20"\n', 'web.yml:3:10: rate_limit.burst: expected a whole number, got string "20"'],
      ['a list for a string', 'http_server_config:\n  headers:\n    X-XSS-Protection: [1]\n', 'web.yml:3:23: http_server_config.headers.X-XSS-Protection: expected a string, got a list'],
      ['a string for a section', 'tls_server_config: on\n', 'web.yml:1:20: tls_server_config: expected a mapping, got boolean on'],
      ['a key twice', 'rate_limit:\n  burst: 1\n  burst: 2\n', 'web.yml:3:3: Map keys must be unique'],
      ['a YAML merge key', 'x: &h {http2: true}\nhttp_server_config:\n  <<: *h\n', 'web.yml:1:1: x: unknown key "x" (allowed: tls_server_config, http_server_config, rate_limit, basic_auth_users)\nweb.yml:3:3: http_server_config["<<"]: unknown key "<<" (allowed: http2, headers)'],
    ])('refuses %s', async (_what, yaml, message) => {
      expect(await problems(yaml)).toBe(message);
    });
  });

  describe('tls_server_config', () => {
    it('with no certificate, key, client CA or client_auth_type is plain HTTP, as exporter-toolkit serves it', async () => {
      expect((await parse('tls_server_config:\n')).tls).toBeUndefined();
      expect((await parse('tls_server_config: {}\n')).tls).toBeUndefined();
      const c = await parse('tls_server_config:\n  min_version: TLS13\n  cert_file: ""\n');
      expect([c.tls, c.warnings]).toEqual([undefined, ['web.yml:2:3: tls_server_config: no cert, key, client CA or client_auth_type: serving plain HTTP, as exporter-toolkit does']]);
    });

    it('inline cert and key; a file wins over the inline form, with a warning', async () => {
      const inline = await parse(`tls_server_config:\n  cert: |\n${indent(certs.pem('serverCert'))}  key: |\n${indent(certs.pem('serverKey'))}`);
      expect(inline.tls?.settings.cert).toEqual({ inline: certs.pem('serverCert') });
      const both = await parse(`${tls}  cert: |\n${indent(certs.pem('server2Cert'))}`);
      expect(both.tls?.material.cert).toBe(certs.pem('serverCert'));
      expect(both.warnings).toEqual(['web.yml:4:9: tls_server_config.cert: cert is not used: cert_file is given, and wins, as in exporter-toolkit']);
    });

    it('TLS 1.0 and 1.1 as min_version are served as 1.2, with a warning', async () => {
      const c = await parse(`${tls}  min_version: TLS10\n`);
      expect(c.tls?.settings.minVersion).toBe('TLSv1.2');
      expect(c.warnings[0]).toBe(
        "web.yml:4:16: tls_server_config.min_version: TLS10 is not offered: portwatch serves TLS 1.2 and 1.3 only (Node.js's OpenSSL refuses 1.0 and 1.1 at its default security level)",
      );
    });

    it('client auth types as exporter-toolkit treats them without a CA', async () => {
      const auth = async (type: string) => (await parse(`${tls}  client_auth_type: ${type}\n`)).tls?.settings;
      expect(await auth('RequireClientCert')).toMatchObject({ clientAuth: 'RequireAnyClientCert', clientCa: undefined });
      expect(await auth('RequestClientCert')).toMatchObject({ clientAuth: 'RequestClientCert', clientCa: undefined });
      // Go verifies against the system's CAs when no client CA is given.
      expect(await auth('VerifyClientCertIfGiven')).toMatchObject({ clientAuth: 'VerifyClientCertIfGiven', clientCa: 'system' });
      expect(await auth('RequireAndVerifyClientCert')).toMatchObject({ clientAuth: 'RequireAndVerifyClientCert', clientCa: 'system' });
    });

    it('cipher suites in Go order, whatever the order written; curves as written', async () => {
      const c = await parse(`${tls}  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n  curve_preferences: [CurveP384, X25519]\n  prefer_server_cipher_suites: false\n`);
      expect(c.tls?.settings.tls12Suites).toEqual(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA']);
      expect(c.tls?.settings.curves).toEqual(['CurveP384', 'X25519']);
    });

    it('only TLS 1.3 suites listed (with http2 off): TLS 1.2 clients cannot connect, as in Go; said as a warning', async () => {
      const c = await parse(`${tls}  cipher_suites: [TLS_AES_128_GCM_SHA256]\nhttp_server_config:\n  http2: false\n`);
      expect(c.tls?.settings.tls12Suites).toEqual([]);
      expect(c.warnings).toEqual(['web.yml:4:18: tls_server_config.cipher_suites: no TLS 1.2 suite is listed (TLS 1.3 suites are not configurable): TLS 1.2 clients cannot connect']);
    });

    it('client_allowed_sans without a client_auth_type that asks for certificates has no effect, and says so', async () => {
      const c = await parse(`${tls}  client_allowed_sans: [a]\n`);
      expect(c.warnings).toEqual(['web.yml:4:24: tls_server_config.client_allowed_sans: client_allowed_sans has no effect without a client_auth_type that asks for client certificates']);
    });

    it.each([
      ['an unknown client_auth_type', '  client_auth_type: Always\n', 'web.yml:4:21: tls_server_config.client_auth_type: client_auth_type must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got "Always"'],
      ['a client CA without a policy', '  client_ca_file: client-ca.crt\n', 'web.yml:4:19: tls_server_config.client_ca_file: a client CA is set but client_auth_type is not: set client_auth_type (RequireAndVerifyClientCert to admit only clients this CA signed)'],
      ['TLS 1.1 as the highest version', '  max_version: TLS11\n', 'web.yml:4:16: tls_server_config.max_version: max_version TLS11 leaves only TLS 1.0 or 1.1, which portwatch does not offer; use TLS12 or TLS13'],
      ['versions that leave none', '  min_version: TLS13\n  max_version: TLS12\n', 'web.yml:5:16: tls_server_config.max_version: max_version TLS12 is below min_version TLS13: no TLS version is left'],
      ['an empty version', '  min_version: ""\n', 'web.yml:4:16: tls_server_config.min_version: unknown TLS version ""; one of TLS10, TLS11, TLS12, TLS13'],
      ['an insecure Go suite', '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA]\n', "web.yml:4:58: tls_server_config.cipher_suites[1]: TLS_RSA_WITH_AES_128_CBC_SHA is among Go's insecure cipher suites, which exporter-toolkit does not accept"],
      ['an OpenSSL name for a suite', '  cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]\n  max_version: TLS12\nhttp_server_config: {http2: false}\n', 'web.yml:4:19: tls_server_config.cipher_suites[0]: unknown cipher suite "ECDHE-RSA-AES128-GCM-SHA256"; use Go\'s names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      ['an empty suite', '  cipher_suites: [~, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n', 'web.yml:4:19: tls_server_config.cipher_suites[0]: expected a name, got an empty value'],
      ['suites without the one HTTP/2 requires', '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n', "web.yml:4:18: tls_server_config.cipher_suites: with http2 on (the default), Go's HTTP/2 server needs TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 among cipher_suites; add one, or set http_server_config.http2: false"],
      ['an OpenSSL curve name', '  curve_preferences: [prime256v1]\n', 'web.yml:4:23: tls_server_config.curve_preferences[0]: unknown curve "prime256v1"; one of X25519, CurveP256, CurveP384, CurveP521'],
    ])('refuses %s, saying where', async (_what, lines, message) => {
      expect(await problems(`${tls}${lines}`, certs.dir)).toBe(message);
    });

    it('HTTP/2 asks nothing of the suites when TLS 1.3 is the least version or http2 is off', async () => {
      const suites = '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n';
      expect((await parse(`${tls}${suites}  min_version: TLS13\n`)).tls).toBeDefined();
      expect((await parse(`${tls}${suites}http_server_config:\n  http2: no\n`)).tls?.settings.tls12Suites).toEqual(['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']);
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

    it('a client CA with no certificate in it is taken, as Go takes it, with a warning', async () => {
      writeFileSync(join(certs.dir, 'empty-ca.pem'), '# not yet\n');
      const c = await parse(`${tls}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: empty-ca.pem\n`);
      expect(c.tls?.material.ca).toEqual([]);
      expect(c.warnings).toEqual(['web.yml:5:19: tls_server_config.client_ca_file: no certificate in the client CA: every client certificate will be refused']);
    });
  });

  describe('basic_auth_users and headers', () => {
    it('takes every hash Go takes, in the form bcryptjs compares alike; refuses the rest without quoting them', async () => {
      const salted = HASH.slice(7);
      const c = await parse(`basic_auth_users:\n  a: $2y$04$${salted}\n  b: $2x$04$${salted}\n  c: $2$04$${salted}\n  d: $2a$04$${salted}tail\n`);
      expect([...c.users.values()]).toEqual([HASH, HASH, HASH, HASH]);
      const message = await problems('basic_auth_users:\n  alice: hunter2\n  bob: $2y$03$abcdefghijklmnopqrstuuPoPUxmOfPUfmWpLpZ4fb9MHNN2wYYce\n  carol:\n');
      expect(message).toBe(
        [
          'web.yml:2:10: basic_auth_users.alice: the password of "alice" is not a bcrypt hash (too short); generate one with: htpasswd -nBC 10 "" | tr -d \':\\n\'',
          'web.yml:3:8: basic_auth_users.bob: the password of "bob" is not a bcrypt hash (its cost is not 04 to 31); generate one with: htpasswd -nBC 10 "" | tr -d \':\\n\'',
          'web.yml:4:3: basic_auth_users.carol: the password of "carol" is not a bcrypt hash (too short); generate one with: htpasswd -nBC 10 "" | tr -d \':\\n\'',
        ].join('\n'),
      );
      expect(message).not.toContain('hunter2');
    });

    it('a user name with a colon is taken but can never log in, and says so', async () => {
      const c = await parse(`basic_auth_users:\n  "a:b": ${HASH}\n  1: ${HASH}\n`);
      expect([...c.users.keys()]).toEqual(['a:b', '1']);
      expect(c.warnings).toEqual(['web.yml:2:10: basic_auth_users["a:b"]: user "a:b" can never log in: basic auth ends the user name at the first ":"']);
    });

    it('header values: line breaks become spaces and blanks around go, as Go writes them; UTF-8 goes out as bytes', async () => {
      const c = await parse('http_server_config:\n  headers:\n    Content-Security-Policy: " default-src \'self\'\\r\\n  img-src * "\n    X-XSS-Protection: "1; report=/é"\n');
      expect(c.headers['Content-Security-Policy']).toBe("default-src 'self'    img-src *");
      expect(Buffer.from(c.headers['X-XSS-Protection']!, 'latin1').toString('utf8')).toBe('1; report=/é');
    });

    it.each([
      ['a header name in another case', 'x-frame-options: deny', 'web.yml:3:5: http_server_config.headers.x-frame-options: header "x-frame-options" cannot be set; allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy'],
      ['an allowed value in another case', 'X-Frame-Options: DENY', 'web.yml:3:22: http_server_config.headers.X-Frame-Options: X-Frame-Options must be one of deny, sameorigin, got "DENY"'],
      ['a blank enumerated value', 'X-Content-Type-Options:', 'web.yml:3:5: http_server_config.headers.X-Content-Type-Options: X-Content-Type-Options must be one of nosniff, got ""'],
      ['a control character', 'X-XSS-Protection: "1\\u0000"', 'web.yml:3:23: http_server_config.headers.X-XSS-Protection: a header value cannot hold control characters'],
    ])('refuses %s', async (_what, line, message) => {
      expect(await problems(`http_server_config:\n  headers:\n    ${line}\n`)).toBe(message);
    });
  });

  it('reports every problem at once, in file order', async () => {
    expect(await problems('rate_limit: {interval: 1x}\nbasic_auth: {}\n')).toBe(
      [
        'web.yml:1:24: rate_limit.interval: "1x" is not a Go duration (unknown unit "x"; e.g. 1s, 500ms, 1m30s)',
        'web.yml:2:1: basic_auth: unknown key "basic_auth" (allowed: tls_server_config, http_server_config, rate_limit, basic_auth_users)',
      ].join('\n'),
    );
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

function indent(pem: string): string {
  return pem
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}\n`)
    .join('');
}
