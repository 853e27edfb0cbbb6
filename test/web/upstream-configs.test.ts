import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseWebConfig, type WebConfig } from '../../src/web/config.js';
import { SERVER_FINGERPRINT, serveUpstream, UPSTREAM_DIR } from './upstream.js';

// Every web config of exporter-toolkit's test data, as its own tests (TestYAMLFiles,
// TestServerBehaviour, TestUsers) treat it: the ones it starts, portwatch starts and serves;
// the ones it refuses, portwatch refuses, each with its own exact message.

const HASH_HELP = 'generate one with: htpasswd -nBC 10 "" | tr -d \':\\n\'';
const NEEDS_POLICY =
  'a client CA is set but client_auth_type is not: ' +
  'set client_auth_type (RequireAndVerifyClientCert to admit only clients this CA signed)';
const NO_CERT = 'tls_server_config: missing cert_file (or cert): TLS needs a certificate';
const NO_KEY = 'tls_server_config: missing key_file (or key): TLS needs the private key of the certificate';
const HTTP2 =
  "tls_server_config.cipher_suites: with http2 on (the default), Go's HTTP/2 server needs " +
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 among cipher_suites; ' +
  'add one, or set http_server_config.http2: false';
const ALLOWED_HEADERS =
  'allowed: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, ' +
  'X-XSS-Protection, Content-Security-Policy';
const TLS_KEYS =
  'cert, key, client_ca, cert_file, key_file, client_auth_type, client_ca_file, cipher_suites, ' +
  'curve_preferences, min_version, max_version, prefer_server_cipher_suites, client_allowed_sans';
const AUTH_TYPES =
  'NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert';
const D = UPSTREAM_DIR;

/** What upstream refuses, with portwatch's message for it (`file:` prefixes each line). */
const REFUSED: Record<string, string[]> = {
  'web_config_auth_clientCAs_invalid.bad.yml': [
    `4:19: tls_server_config.client_ca_file: ${NEEDS_POLICY}`,
    `4:19: tls_server_config.client_ca_file: cannot read ${D}somefile: ENOENT: no such file or directory`,
  ],
  'web_config_auth_user_list_invalid.bad.yml': [
    `5:9: basic_auth_users.john: the password of "john" is not a bcrypt hash (too short); ${HASH_HELP}`,
  ],
  'web_config_headers_content_type_options.bad.yml': [
    '3:29: http_server_config.headers.X-Content-Type-Options: ' +
      'X-Content-Type-Options must be one of nosniff, got "sniff"',
  ],
  'web_config_headers_extra_header.bad.yml': [
    `3:5: http_server_config.headers.Content-Type: header "Content-Type" cannot be set; ${ALLOWED_HEADERS}`,
  ],
  'web_config_headers_frame_options.bad.yml': [
    '3:22: http_server_config.headers.X-Frame-Options: X-Frame-Options must be one of deny, sameorigin, got "foo"',
  ],
  'web_config_junk.yml': [
    '1:1: expected a mapping, got string "hWkNKCp3fvIx3jKnsaBI TuEjdwNS8A2vYdFbiKqr ay3RiOtykgt4m6m..."',
  ],
  'web_config_junk_key.yml': [
    `2:3: tls_server_config.cert_filse: unknown key "cert_filse"; did you mean cert_file? (allowed: ${TLS_KEYS})`,
  ],
  'web_config_noAuth.bad.yml': [`4:19: tls_server_config.client_ca_file: ${NEEDS_POLICY}`],
  'web_config_noAuth_certPath_empty.bad.yml': [`2:3: ${NO_CERT}`],
  'web_config_noAuth_certPath_invalid.bad.yml': [
    `2:14: tls_server_config.cert_file: cannot read ${D}somefile: ENOENT: no such file or directory`,
  ],
  'web_config_noAuth_certPath_keyPath_empty.bad.yml': [
    `2:3: ${NO_CERT}`,
    `2:3: ${NO_KEY}`,
    `4:21: tls_server_config.client_auth_type: client_auth_type must be one of ${AUTH_TYPES}, got "x"`,
  ],
  'web_config_noAuth_certPath_keyPath_invalid.bad.yml': [
    `2:14: tls_server_config.cert_file: cannot read ${D}somefile: ENOENT: no such file or directory`,
  ],
  'web_config_noAuth_cert_empty.bad.yml': [`2:3: ${NO_CERT}`],
  'web_config_noAuth_inventedCiphers.bad.yml': [
    `6:3: ${HTTP2}`,
    '6:5: tls_server_config.cipher_suites[0]: unknown cipher suite "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048"; ' +
      "use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  ],
  'web_config_noAuth_inventedCurves.bad.yml': [
    '6:7: tls_server_config.curve_preferences[0]: unknown curve "CurveP257"; ' +
      'one of X25519, CurveP256, CurveP384, CurveP521',
  ],
  'web_config_noAuth_keyPath_empty.bad.yml': [`2:3: ${NO_KEY}`],
  'web_config_noAuth_keyPath_invalid.bad.yml': [
    `2:14: tls_server_config.cert_file: cannot read ${D}server.cert: ENOENT: no such file or directory`,
  ],
  'web_config_noAuth_key_empty.bad.yml': [`2:3: ${NO_KEY}`],
  'web_config_noAuth_noHTTP2Cipher.bad.yml': [`6:5: ${HTTP2}`],
  'web_config_noAuth_wrongTLSVersion.bad.yml': [
    '5:16: tls_server_config.min_version: unknown TLS version "TLS111"; one of TLS10, TLS11, TLS12, TLS13',
  ],
};

interface Started {
  /** undefined: plain HTTP. */
  clientAuth?: string;
  users?: number;
  /** What GET /-/healthy answers, without a client certificate. */
  healthy?: number;
}

const TLS_VERIFY_IF_GIVEN: Started = { clientAuth: 'VerifyClientCertIfGiven' };

/** What upstream starts. Two are named .bad but start there too: upstream refuses their clients, not the file. */
const STARTED: Record<string, Started> = {
  'tls_config_noAuth.requireandverifyclientcert.good.yml': { clientAuth: 'RequireAndVerifyClientCert' },
  'tls_config_noAuth.requireanyclientcert.good.yml': { clientAuth: 'RequireAnyClientCert' },
  'tls_config_noAuth.requireanyclientcertkeyinline.good.yml': { clientAuth: 'RequireAnyClientCert' },
  // Validate() accepts it: RequireAndVerifyClientCert without a CA verifies against the system's.
  'web_config_auth_clientCAs_missing.bad.yml': { clientAuth: 'RequireAndVerifyClientCert' },
  // Starts, then refuses client2's certificate (no allowed SAN): see upstream-access.test.ts.
  'web_config_auth_client_san.bad.yaml': { clientAuth: 'RequireAndVerifyClientCert' },
  'web_config_auth_client_san.good.yaml': { clientAuth: 'RequireAndVerifyClientCert' },
  'web_config_empty.yml': { healthy: 200 },
  'web_config_headers.good.yml': { healthy: 200 },
  'web_config_noAuth.good.blocking.yml': { clientAuth: 'RequireAndVerifyClientCert' },
  'web_config_noAuth.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_noAuth_allCiphers.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_noAuth_allCurves.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_noAuth_noHTTP2.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_noAuth_someCiphers.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_noAuth_someCiphers_noOrder.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_noAuth_someCurves.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_noAuth_tlsInline.good.yml': TLS_VERIFY_IF_GIVEN,
  'web_config_rate_limiter_nonblocking.yaml': { healthy: 200 },
  // A burst of 0: Go's limiter lets nothing through.
  'web_config_rate_limiter_one_second.yaml': { healthy: 429 },
  'web_config_users.good.yml': { clientAuth: 'NoClientCert', users: 4 },
  'web_config_users_noTLS.good.yml': { users: 4, healthy: 200 },
};

async function load(file: string): Promise<WebConfig | string[]> {
  try {
    return await parseWebConfig(readFileSync(`${D}${file}`, 'utf8'), file, D);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message.split('\n');
  }
}

/** The certificate a TLS client is shown: the server started with its configured one. */
function serverCertificate(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, timeout: 5_000 };
    const socket = connect(options);
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
    socket.once('timeout', () => socket.destroy(new Error('timed out')));
  });
}

describe("exporter-toolkit's test configs", () => {
  it('the table names every config file of the test data', () => {
    const files = readdirSync(D).filter((f) => /\.ya?ml$/.test(f));
    expect(files.sort()).toEqual([...Object.keys(REFUSED), ...Object.keys(STARTED)].sort());
  });

  it.each(Object.entries(REFUSED))('refuses %s, saying where', async (file, lines) => {
    expect(await load(file)).toEqual(lines.map((line) => `${file}:${line}`));
  });

  it.each(Object.entries(STARTED))('starts and serves %s', async (file, want) => {
    const config = await load(file);
    if (Array.isArray(config)) throw new Error(config.join('\n'));
    expect(config.tls?.settings.clientAuth).toBe(want.clientAuth);
    expect(config.users.size).toBe(want.users ?? 0);
    const { port, base } = await serveUpstream(file);
    if (want.clientAuth !== undefined) {
      expect(await serverCertificate(port)).toBe(SERVER_FINGERPRINT);
    } else {
      const res = await fetch(`${base}/-/healthy`);
      await res.arrayBuffer();
      expect(res.status).toBe(want.healthy);
    }
  });
});
