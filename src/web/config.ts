// The web config file (--web.config.file) in the Prometheus exporter-toolkit format: TLS,
// basic auth users and response headers. Validated like the main config (unknown keys
// rejected, every problem at its line and column). The files it names are read here,
// relative to its own directory, so a missing or broken certificate is a config error at
// start-up or reload, never a failed handshake later.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { describeValue, quote } from '../config/describe.js';
import { readYaml } from '../config/document.js';
import { ConfigError } from '../config/errors.js';
import { problemsFromIssues } from '../config/positions.js';
import { pemProblem, type TlsSettings } from './tls.js';

export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** exporter-toolkit's names; TLS 1.0 and 1.1 are refused (RFC 8996). */
const TLS_VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/** The response headers exporter-toolkit allows, with the values it allows (undefined: any). */
const HEADERS: Record<string, readonly string[] | undefined> = {
  'Content-Security-Policy': undefined,
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-Content-Type-Options': ['nosniff'],
  'X-XSS-Protection': undefined,
  'Strict-Transport-Security': undefined,
};

export const HASH_HELP = `generate one with: htpasswd -nBC 10 "" | tr -d ':\\n'`;
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

export interface WebConfig {
  /** undefined: plain HTTP. */
  tls: TlsSettings | undefined;
  /** User name to bcrypt hash; empty: no authentication. */
  users: ReadonlyMap<string, string>;
  /** Added to every response. */
  headers: Readonly<Record<string, string>>;
}

export const NO_WEB_CONFIG: WebConfig = { tls: undefined, users: new Map(), headers: {} };

function strictMapping<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = `allowed: ${Object.keys(shape).join(', ')}`;
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? allowed : undefined) });
}

function oneOf<const T extends string>(key: string, values: readonly T[]) {
  return z.enum(values as [T, ...T[]], { error: (iss) => `${key} must be one of ${values.join(', ')}, got ${describeValue(iss.input)}` });
}

/** A key exporter-toolkit knows that portwatch does not implement: said plainly, not "unknown key". */
function unsupported(why: string) {
  return z
    .unknown()
    .superRefine((_v, ctx) => ctx.addIssue({ code: 'custom', message: `not supported by portwatch: ${why}` }))
    .optional();
}

const nonEmpty = z.string().min(1, 'must not be empty');

const tlsShape = strictMapping({
  cert_file: nonEmpty.optional(),
  key_file: nonEmpty.optional(),
  cert: nonEmpty.optional(),
  key: nonEmpty.optional(),
  client_ca_file: nonEmpty.optional(),
  client_ca: nonEmpty.optional(),
  // "RequireClientCert" is exporter-toolkit's old name for RequireAnyClientCert.
  client_auth_type: oneOf('client_auth_type', [...CLIENT_AUTH_TYPES, 'RequireClientCert']).optional(),
  min_version: oneOf('min_version', Object.keys(TLS_VERSIONS) as (keyof typeof TLS_VERSIONS)[]).optional(),
  max_version: oneOf('max_version', Object.keys(TLS_VERSIONS) as (keyof typeof TLS_VERSIONS)[]).optional(),
  prefer_server_cipher_suites: z.boolean().optional(),
  cipher_suites: unsupported('Node.js (OpenSSL) chooses the TLS 1.2 cipher suites; remove cipher_suites'),
  curve_preferences: unsupported('Node.js (OpenSSL) chooses the curves; remove curve_preferences'),
  client_allowed_sans: unsupported('use client_ca_file with a CA that signs only the allowed clients'),
});

const headersShape = z.record(z.string(), z.unknown()).superRefine((headers, ctx) => {
  for (const [name, value] of Object.entries(headers)) {
    const allowed = Object.hasOwn(HEADERS, name) ? HEADERS[name] : null;
    if (allowed === null) {
      ctx.addIssue({ code: 'custom', path: [name], message: `header ${quote(name)} cannot be set; allowed: ${Object.keys(HEADERS).join(', ')}` });
    } else if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', path: [name], message: `expected a string, got ${describeValue(value)}` });
    } else if (/[\r\n\0]/.test(value)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'a header value cannot contain line breaks' });
    } else if (allowed !== undefined && value !== '' && !allowed.includes(value.toLowerCase())) {
      ctx.addIssue({ code: 'custom', path: [name], message: `${name} must be one of ${allowed.join(', ')}, got ${quote(value)}` });
    }
  }
});

const usersShape = z.record(z.string(), z.unknown()).superRefine((users, ctx) => {
  for (const [user, hash] of Object.entries(users)) {
    if (user === '' || user.includes(':')) {
      ctx.addIssue({ code: 'custom', path: [user], message: `user name ${quote(user)} must be non-empty and without ":"` });
    } else if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash)) {
      // Never quote the value: it may be a password written in clear.
      ctx.addIssue({ code: 'custom', path: [user], message: `the password of ${quote(user)} is not a bcrypt hash; ${HASH_HELP}` });
    }
  }
});

const webConfigShape = strictMapping({
  tls_server_config: tlsShape.optional(),
  http_server_config: strictMapping({
    headers: headersShape.optional(),
    // Accepted for compatibility; portwatch serves HTTP/1.1 only.
    http2: z.boolean().optional(),
  }).optional(),
  basic_auth_users: usersShape.optional(),
  rate_limit: unsupported('POST /api/v1/check is rate-limited by portwatch itself, and scrapes should not be'),
});

type TlsInput = z.output<typeof tlsShape>;

/** Cross-field rules of tls_server_config, as exporter-toolkit has them, plus a client CA wherever client certificates are verified. */
function tlsFindings(t: TlsInput): { path: string[]; message: string }[] {
  const found: { path: string[]; message: string }[] = [];
  const pair = (file: 'cert_file' | 'key_file' | 'client_ca_file', inline: 'cert' | 'key' | 'client_ca') => {
    if (t[file] !== undefined && t[inline] !== undefined) found.push({ path: [inline], message: `give ${file} or ${inline}, not both` });
  };
  pair('cert_file', 'cert');
  pair('key_file', 'key');
  pair('client_ca_file', 'client_ca');
  if (t.cert_file === undefined && t.cert === undefined) found.push({ path: [], message: 'missing cert_file: TLS needs a certificate' });
  if (t.key_file === undefined && t.key === undefined) found.push({ path: [], message: 'missing key_file: TLS needs a private key' });
  const auth = t.client_auth_type ?? 'NoClientCert';
  const hasCa = t.client_ca_file !== undefined || t.client_ca !== undefined;
  if (hasCa && auth === 'NoClientCert') found.push({ path: ['client_ca_file'], message: "client CA's have been configured without a client_auth_type" });
  if (!hasCa && (auth === 'VerifyClientCertIfGiven' || auth === 'RequireAndVerifyClientCert')) {
    found.push({ path: ['client_auth_type'], message: `${auth} needs client_ca_file, the CA that signs the client certificates` });
  }
  const order = Object.keys(TLS_VERSIONS);
  if (t.min_version !== undefined && t.max_version !== undefined && order.indexOf(t.min_version) > order.indexOf(t.max_version)) {
    found.push({ path: ['max_version'], message: `max_version ${t.max_version} is below min_version ${t.min_version}` });
  }
  return found;
}

/** The web config in `text`; files it names are read relative to `dir`. Throws ConfigError listing every problem. */
export async function parseWebConfig(text: string, fileName: string, dir: string): Promise<WebConfig> {
  const doc = parseDocument(text);
  if (doc.errors.length === 0 && doc.contents === null) return NO_WEB_CONFIG; // empty or comments only, as in exporter-toolkit
  const read = readYaml(text);
  if (!read.ok) throw new ConfigError(fileName, read.problems);
  const result = webConfigShape
    .superRefine((c, ctx) => {
      if (c.tls_server_config === undefined) return;
      for (const f of tlsFindings(c.tls_server_config)) ctx.addIssue({ code: 'custom', path: ['tls_server_config', ...f.path], message: f.message });
    })
    .safeParse(read.source.data, { reportInput: true });
  if (!result.success) throw new ConfigError(fileName, problemsFromIssues(result.error.issues, read.source));
  const c = result.data;

  // The files, each problem at the key that names it.
  const issues: z.core.$ZodIssue[] = [];
  const fail = (key: string, message: string) => issues.push({ code: 'custom', path: ['tls_server_config', key], message, input: undefined });
  let tls: TlsSettings | undefined;
  const t = c.tls_server_config;
  if (t !== undefined) {
    const pem = async (fileKey: string, file: string | undefined, inline: string | undefined): Promise<string | undefined> => {
      if (file === undefined) return inline;
      const path = isAbsolute(file) ? file : join(dir, file);
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        fail(fileKey, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        return undefined;
      }
    };
    const [cert, key, ca] = await Promise.all([pem('cert_file', t.cert_file, t.cert), pem('key_file', t.key_file, t.key), pem('client_ca_file', t.client_ca_file, t.client_ca)]);
    const clientAuth: ClientAuthType = t.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : (t.client_auth_type ?? 'NoClientCert');
    if (issues.length === 0 && cert !== undefined && key !== undefined) {
      tls = {
        cert,
        key,
        ca,
        clientAuth,
        minVersion: TLS_VERSIONS[t.min_version ?? 'TLS12'],
        maxVersion: TLS_VERSIONS[t.max_version ?? 'TLS13'],
        honorCipherOrder: t.prefer_server_cipher_suites ?? true,
      };
      const problem = pemProblem(tls);
      if (problem !== undefined) fail(problem.key, problem.message);
    }
  }
  if (issues.length > 0) throw new ConfigError(fileName, problemsFromIssues(issues, read.source));

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.http_server_config?.headers ?? {})) if (value !== '') headers[name] = value as string;
  return { tls, users: new Map(Object.entries(c.basic_auth_users ?? {}) as [string, string][]), headers };
}

/** Reads and parses a web config file; a file that cannot be read is a ConfigError too. */
export async function loadWebConfigFile(path: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ line: 0, col: 0, path: '', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }]);
  }
  return parseWebConfig(text, path, dirname(path));
}
