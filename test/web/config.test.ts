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
const HASH_HELP = 'generate one with: htpasswd -nBC 10 "" | tr -d \':\\n\'';

/** A YAML document from its lines. */
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

async function problems(text: string, dir = '/nonexistent'): Promise<string> {
  try {
    await parseWebConfig(text, 'web.yml', dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('web config', () => {
  let certs: Certs;
  const tls = yaml('tls_server_config:', '  cert_file: server.crt', '  key_file: server.key');
  const parse = (text: string) => parseWebConfig(text, 'web.yml', certs.dir);
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs?.remove());

  it('an empty file, one with comments only or an empty document is plain HTTP without auth', async () => {
    for (const text of ['', '# nothing\n', '~\n', '---\n']) {
      const c = await parseWebConfig(text, 'web.yml', '/');
      const got = [c.tls, c.users.size, c.headers, c.rateLimit, c.warnings];
      expect(got, JSON.stringify(text)).toEqual([undefined, 0, {}, undefined, []]);
    }
  });

  it('reads users, headers and TLS, with paths relative to the file', async () => {
    const c = await parse(
      yaml(
        'tls_server_config:',
        '  cert_file: server.crt',
        `  key_file: ${certs.files.serverKey}`,
        '  min_version: TLS13',
        'http_server_config:',
        '  http2: false',
        '  headers:',
        '    X-Frame-Options: deny',
        '    Content-Security-Policy: ""',
        'basic_auth_users:',
        `  alice: ${HASH}`,
      ),
    );
    expect(c.tls?.settings).toMatchObject({
      clientAuth: 'NoClientCert',
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      clientCa: undefined,
      cert: { file: certs.files.serverCert },
    });
    expect(c.tls?.material.cert).toContain('BEGIN CERTIFICATE');
    // Go sends a blank header as it is.
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny', 'Content-Security-Policy': '' });
    expect([...c.users]).toEqual([['alice', HASH]]);
    expect(c.http2).toBe(false);
  });

  describe('values read as Go reads them', () => {
    it('a number or boolean where a string is expected is its text as written', async () => {
      const c = await parse(
        yaml(
          'http_server_config:',
          '  headers:',
          '    X-XSS-Protection: 1',
          '    Strict-Transport-Security: 0x10',
          '    Content-Security-Policy: yes',
        ),
      );
      expect(c.headers).toEqual({
        'X-XSS-Protection': '1',
        'Strict-Transport-Security': '0x10',
        'Content-Security-Policy': 'yes',
      });
    });

    it('booleans are YAML 1.1 ones, unquoted; an empty value is false', async () => {
      for (const [text, http2] of [
        ['yes', true],
        ['On', true],
        ['n', false],
        ['FALSE', false],
        ['', false],
      ] as const) {
        expect((await parse(`http_server_config:\n  http2: ${text}\n`)).http2, text).toBe(http2);
      }
      expect(await problems('http_server_config:\n  http2: "true"\n')).toBe(
        'web.yml:2:10: http_server_config.http2: expected true or false, got string "true"',
      );
    });

    it('http2 is on unless set, and off when the section is there but empty (Go zeroes it)', async () => {
      expect((await parse('basic_auth_users: {}\n')).http2).toBe(true);
      expect((await parse('http_server_config: {}\n')).http2).toBe(true);
      expect((await parse('http_server_config:\n')).http2).toBe(false);
    });

    it('rate_limit: a Go duration or nanoseconds, a whole number of requests (floats cut)', async () => {
      const limit = async (interval: string, burst: string) =>
        (await parse(yaml('rate_limit:', `  interval: ${interval}`, `  burst: ${burst}`))).rateLimit;
      expect(await limit('1m30s', '20')).toEqual({ intervalMs: 90_000, burst: 20 });
      expect(await limit('"250ms"', '2.9')).toEqual({ intervalMs: 250, burst: 2 });
      expect(await limit('1000000', '0x10')).toEqual({ intervalMs: 1, burst: 16 });
      // 0 turns it off; so does a negative interval, which Go's limiter takes as no limit.
      expect(await limit('0', '0')).toBeUndefined();
      expect(await limit('-1s', '5')).toBeUndefined();
    });

    it.each([
      {
        what: 'a Prometheus unit Go lacks',
        text: yaml('rate_limit:', '  interval: 1d'),
        message:
          'web.yml:2:13: rate_limit.interval: "1d" is not a Go duration (unknown unit "d"; e.g. 1s, 500ms, ' + '1m30s)',
      },
      {
        what: 'a duration without unit',
        text: yaml('rate_limit:', '  interval: "5"'),
        message: 'web.yml:2:13: rate_limit.interval: "5" is not a Go duration (missing unit; e.g. 1s, 500ms, 1m30s)',
      },
      {
        what: 'a quoted burst',
        text: yaml('rate_limit:', '  interval: 1s', '  burst: "20"'),
        message: 'web.yml:3:10: rate_limit.burst: expected a whole number, got string "20"',
      },
      {
        what: 'a list for a string',
        text: yaml('http_server_config:', '  headers:', '    X-XSS-Protection: [1]'),
        message: 'web.yml:3:23: http_server_config.headers.X-XSS-Protection: expected a string, got a list',
      },
      {
        what: 'a string for a section',
        text: 'tls_server_config: on\n',
        message: 'web.yml:1:20: tls_server_config: expected a mapping, got boolean on',
      },
      {
        what: 'a key twice',
        text: yaml('rate_limit:', '  burst: 1', '  burst: 2'),
        message: 'web.yml:3:3: duplicate key "burst"; it is already at line 2',
      },
      {
        // Go's reader merges (<<) into a struct; the key that only holds the anchor is still unknown.
        what: 'a key that is not a section, even when merged from',
        text: yaml('x: &h {http2: true}', 'http_server_config:', '  <<: *h'),
        message:
          'web.yml:1:1: x: unknown key "x" (allowed: tls_server_config, http_server_config, rate_limit, ' +
          'basic_auth_users)',
      },
      {
        what: 'an unknown key merged in',
        text: yaml('http_server_config:', '  <<: {http3: true}'),
        message:
          'web.yml:2:3: http_server_config.http3: unknown key "http3"; did you mean http2? (allowed: http2, headers)',
      },
    ])('refuses $what', async ({ text, message }) => {
      expect(await problems(text)).toBe(message);
    });
  });

  describe('tls_server_config', () => {
    it('without certificate, key, client CA or client_auth_type is plain HTTP, as upstream serves it', async () => {
      expect((await parse('tls_server_config:\n')).tls).toBeUndefined();
      expect((await parse('tls_server_config: {}\n')).tls).toBeUndefined();
      const c = await parse(yaml('tls_server_config:', '  min_version: TLS13', '  cert_file: ""'));
      expect(c.tls).toBeUndefined();
      expect(c.warnings).toEqual([
        'web.yml:2:3: tls_server_config: no cert, key, client CA or client_auth_type: serving plain HTTP, as ' +
          'exporter-toolkit does',
      ]);
    });

    it('inline cert and key; a file wins over the inline form, with a warning', async () => {
      const pems = `  cert: |\n${indent(certs.pem('serverCert'))}  key: |\n${indent(certs.pem('serverKey'))}`;
      const inline = await parse(`tls_server_config:\n${pems}`);
      expect(inline.tls?.settings.cert).toEqual({ inline: certs.pem('serverCert') });
      const both = await parse(`${tls}  cert: |\n${indent(certs.pem('server2Cert'))}`);
      expect(both.tls?.material.cert).toBe(certs.pem('serverCert'));
      expect(both.warnings).toEqual([
        'web.yml:4:9: tls_server_config.cert: cert is not used: cert_file is given, and wins, as in exporter-toolkit',
      ]);
    });

    it('TLS 1.0 and 1.1 as min_version are served as 1.2, with a warning', async () => {
      const c = await parse(`${tls}  min_version: TLS10\n`);
      expect(c.tls?.settings.minVersion).toBe('TLSv1.2');
      expect(c.warnings).toEqual([
        'web.yml:4:16: tls_server_config.min_version: TLS10 is not offered: portwatch serves TLS 1.2 and 1.3 only ' +
          "(Node.js's OpenSSL refuses 1.0 and 1.1 at its default security level)",
      ]);
    });

    it('client auth types as exporter-toolkit treats them without a CA', async () => {
      const auth = async (type: string) => {
        const settings = (await parse(`${tls}  client_auth_type: ${type}\n`)).tls?.settings;
        return [settings?.clientAuth, settings?.clientCa];
      };
      expect(await auth('RequireClientCert')).toEqual(['RequireAnyClientCert', undefined]);
      expect(await auth('RequestClientCert')).toEqual(['RequestClientCert', undefined]);
      // Go verifies against the system's CAs when no client CA is given.
      expect(await auth('VerifyClientCertIfGiven')).toEqual(['VerifyClientCertIfGiven', 'system']);
      expect(await auth('RequireAndVerifyClientCert')).toEqual(['RequireAndVerifyClientCert', 'system']);
    });

    it('cipher suites in Go order, whatever the order written; curves as written', async () => {
      const c = await parse(
        `${tls}` +
          yaml(
            '  cipher_suites:',
            '    - TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
            '    - TLS_AES_256_GCM_SHA384',
            '    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
            '  curve_preferences: [CurveP384, X25519]',
            '  prefer_server_cipher_suites: false',
          ),
      );
      const suites = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'];
      expect(c.tls?.settings.tls12Suites).toEqual(suites);
      expect(c.tls?.settings.curves).toEqual(['CurveP384', 'X25519']);
    });

    it('only TLS 1.3 suites listed (http2 off): TLS 1.2 clients cannot connect, as in Go; a warning', async () => {
      const c = await parse(`${tls}  cipher_suites: [TLS_AES_128_GCM_SHA256]\nhttp_server_config:\n  http2: false\n`);
      expect(c.tls?.settings.tls12Suites).toEqual([]);
      expect(c.warnings).toEqual([
        'web.yml:4:18: tls_server_config.cipher_suites: ' +
          'no TLS 1.2 suite is listed (TLS 1.3 suites are not configurable): TLS 1.2 clients cannot connect',
      ]);
    });

    it('client_allowed_sans has no effect unless client certificates are asked for, and says so', async () => {
      const c = await parse(`${tls}  client_allowed_sans: [a]\n`);
      expect(c.warnings).toEqual([
        'web.yml:4:24: tls_server_config.client_allowed_sans: ' +
          'client_allowed_sans has no effect without a client_auth_type that asks for client certificates',
      ]);
    });

    it.each([
      {
        what: 'an unknown client_auth_type',
        lines: ['  client_auth_type: Always'],
        message:
          'web.yml:4:21: tls_server_config.client_auth_type: client_auth_type must be one of NoClientCert, ' +
          'RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got "Always"',
      },
      {
        what: 'a client CA without a policy',
        lines: ['  client_ca_file: client-ca.crt'],
        message:
          'web.yml:4:19: tls_server_config.client_ca_file: a client CA is set but client_auth_type is not: ' +
          'set client_auth_type (RequireAndVerifyClientCert to admit only clients this CA signed)',
      },
      {
        what: 'TLS 1.1 as the highest version',
        lines: ['  max_version: TLS11'],
        message:
          'web.yml:4:16: tls_server_config.max_version: max_version TLS11 leaves only TLS 1.0 or 1.1, ' +
          'which portwatch does not offer; use TLS12 or TLS13',
      },
      {
        what: 'versions that leave none',
        lines: ['  min_version: TLS13', '  max_version: TLS12'],
        message:
          'web.yml:5:16: tls_server_config.max_version: max_version TLS12 is below min_version TLS13: no TLS ' +
          'version is left',
      },
      {
        what: 'an empty version',
        lines: ['  min_version: ""'],
        message:
          'web.yml:4:16: tls_server_config.min_version: unknown TLS version ""; one of TLS10, TLS11, TLS12, ' + 'TLS13',
      },
      {
        what: 'an insecure Go suite',
        lines: ['  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA]'],
        message:
          'web.yml:4:58: tls_server_config.cipher_suites[1]: ' +
          "TLS_RSA_WITH_AES_128_CBC_SHA is among Go's insecure cipher suites, which exporter-toolkit does not accept",
      },
      {
        what: 'an OpenSSL name for a suite',
        lines: ['  cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]', 'http_server_config: {http2: false}'],
        message:
          'web.yml:4:19: tls_server_config.cipher_suites[0]: unknown cipher suite "ECDHE-RSA-AES128-GCM-SHA256"; ' +
          "use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      },
      {
        what: 'a mapping for a suite',
        lines: ['  cipher_suites: [{a: b}, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]'],
        message: 'web.yml:4:19: tls_server_config.cipher_suites[0]: expected a string, got a mapping',
      },
      {
        what: 'an empty suite',
        lines: ['  cipher_suites: [~, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]'],
        message: 'web.yml:4:19: tls_server_config.cipher_suites[0]: expected a name, got an empty value',
      },
      {
        what: 'suites without the one HTTP/2 requires',
        lines: ['  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]'],
        message:
          "web.yml:4:18: tls_server_config.cipher_suites: with http2 on (the default), Go's HTTP/2 server needs " +
          'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 among cipher_suites; ' +
          'add one, or set http_server_config.http2: false',
      },
      {
        what: 'an OpenSSL curve name',
        lines: ['  curve_preferences: [prime256v1]'],
        message:
          'web.yml:4:23: tls_server_config.curve_preferences[0]: unknown curve "prime256v1"; ' +
          'one of X25519, CurveP256, CurveP384, CurveP521',
      },
    ])('refuses $what, saying where', async ({ lines, message }) => {
      expect(await problems(`${tls}${yaml(...lines)}`, certs.dir)).toBe(message);
    });

    it('HTTP/2 asks nothing of the suites when TLS 1.3 is the least version or http2 is off', async () => {
      const suites = '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n';
      expect((await parse(`${tls}${suites}  min_version: TLS13\n`)).tls).toBeDefined();
      const off = await parse(`${tls}${suites}http_server_config:\n  http2: no\n`);
      expect(off.tls?.settings.tls12Suites).toEqual(['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']);
    });

    it('a certificate file that cannot be read is a problem at its key', async () => {
      const text = yaml('tls_server_config:', '  cert_file: nope.crt', '  key_file: server.key');
      expect(await problems(text, certs.dir)).toBe(
        `web.yml:2:14: tls_server_config.cert_file: cannot read ${join(certs.dir, 'nope.crt')}: ` +
          'ENOENT: no such file or directory',
      );
    });

    it('a key that does not belong to the certificate is a problem at key_file', async () => {
      const text = yaml('tls_server_config:', '  cert_file: server.crt', '  key_file: server2.key');
      expect(await problems(text, certs.dir)).toMatch(
        /^web\.yml:3:13: tls_server_config\.key_file: cannot use the key with the certificate: /,
      );
    });

    it('a file that is not a certificate is a problem at cert_file', async () => {
      const text = yaml('tls_server_config:', '  cert_file: server.key', '  key_file: server.key');
      expect(await problems(text, certs.dir)).toMatch(
        /^web\.yml:2:14: tls_server_config\.cert_file: not a PEM certificate/,
      );
    });

    it('a client CA with no certificate in it is taken, as Go takes it, with a warning', async () => {
      writeFileSync(join(certs.dir, 'empty-ca.pem'), '# not yet\n');
      for (const auth of ['VerifyClientCertIfGiven', 'RequireAndVerifyClientCert']) {
        const c = await parse(`${tls}  client_auth_type: ${auth}\n  client_ca_file: empty-ca.pem\n`);
        expect(c.tls?.material.ca).toEqual([]);
        expect(c.warnings, auth).toEqual([
          'web.yml:5:19: tls_server_config.client_ca_file: no certificate in the client CA: every client certificate ' +
            'will be refused',
        ]);
      }
    });
  });

  describe('basic_auth_users and headers', () => {
    it('takes every hash Go takes, in a form bcryptjs compares alike; refuses the rest unquoted', async () => {
      const salted = HASH.slice(7);
      const forms = [`  a: $2y$04$${salted}`, `  b: $2x$04$${salted}`, `  c: $2$04$${salted}`];
      forms.push(`  d: $2a$04$${salted}tail`);
      const c = await parse(yaml('basic_auth_users:', ...forms));
      expect([...c.users.values()]).toEqual([HASH, HASH, HASH, HASH]);
      const bad = ['  alice: hunter2', `  bob: $2y$03$${salted}`, '  carol:'];
      const message = await problems(yaml('basic_auth_users:', ...bad));
      expect(message.split('\n')).toEqual([
        `web.yml:2:10: basic_auth_users.alice: the password of "alice" is not a bcrypt hash (too short); ${HASH_HELP}`,
        `web.yml:3:8: basic_auth_users.bob: the password of "bob" is not a bcrypt hash (its cost is not 04 to 31); ` +
          `${HASH_HELP}`,
        `web.yml:4:3: basic_auth_users.carol: the password of "carol" is not a bcrypt hash (too short); ${HASH_HELP}`,
      ]);
      expect(message).not.toContain('hunter2');
    });

    it('a user name with a colon is taken but can never log in, and says so', async () => {
      const c = await parse(yaml('basic_auth_users:', `  "a:b": ${HASH}`, `  1: ${HASH}`));
      expect([...c.users.keys()]).toEqual(['a:b', '1']);
      expect(c.warnings).toEqual([
        'web.yml:2:10: basic_auth_users["a:b"]: user "a:b" can never log in: basic auth ends the user name at the ' +
          'first ":"',
      ]);
    });

    it('header values as Go writes them: line breaks to spaces, blanks around trimmed, UTF-8 bytes', async () => {
      const c = await parse(
        yaml(
          'http_server_config:',
          '  headers:',
          '    Content-Security-Policy: " default-src \'self\'\\r\\n  img-src * "',
          '    X-XSS-Protection: "1; report=/é"',
        ),
      );
      expect(c.headers['Content-Security-Policy']).toBe("default-src 'self'    img-src *");
      expect(Buffer.from(c.headers['X-XSS-Protection']!, 'latin1').toString('utf8')).toBe('1; report=/é');
    });

    it.each([
      {
        what: 'a header name in another case',
        line: 'x-frame-options: deny',
        message:
          'web.yml:3:5: http_server_config.headers.x-frame-options: header "x-frame-options" cannot be set; allowed: ' +
          'Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, ' +
          'Content-Security-Policy',
      },
      {
        what: 'an allowed value in another case',
        line: 'X-Frame-Options: DENY',
        message:
          'web.yml:3:22: http_server_config.headers.X-Frame-Options: X-Frame-Options must be one of deny, ' +
          'sameorigin, got "DENY"',
      },
      {
        what: 'a blank enumerated value',
        line: 'X-Content-Type-Options:',
        message:
          'web.yml:3:5: http_server_config.headers.X-Content-Type-Options: X-Content-Type-Options must be one ' +
          'of nosniff, got ""',
      },
      {
        what: 'a control character',
        line: 'X-XSS-Protection: "1\\u0000"',
        message:
          'web.yml:3:23: http_server_config.headers.X-XSS-Protection: a header value cannot hold control ' +
          'characters',
      },
    ])('refuses $what', async ({ line, message }) => {
      expect(await problems(yaml('http_server_config:', '  headers:', `    ${line}`))).toBe(message);
    });
  });

  it('reports every problem at once, in file order', async () => {
    expect((await problems('rate_limit: {interval: 1x}\nbasic_auth: {}\n')).split('\n')).toEqual([
      'web.yml:1:24: rate_limit.interval: "1x" is not a Go duration (unknown unit "x"; e.g. 1s, 500ms, 1m30s)',
      'web.yml:2:1: basic_auth: unknown key "basic_auth"; did you mean basic_auth_users? ' +
        '(allowed: tls_server_config, http_server_config, rate_limit, basic_auth_users)',
    ]);
  });

  it('a missing web config file is a ConfigError naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portwatch-webcfg-'));
    try {
      const file = join(dir, 'web.yml');
      await expect(loadWebConfigFile(file)).rejects.toThrow(`${file}: cannot read: ENOENT`);
      writeFileSync(file, `basic_auth_users:\n  bob: ${HASH}\n`);
      expect((await loadWebConfigFile(file)).users.get('bob')).toBe(HASH);
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
