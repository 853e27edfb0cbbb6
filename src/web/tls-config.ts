// tls_server_config as exporter-toolkit reads it. TLS is on when any of cert, key,
// client_ca, their _file forms or client_auth_type is set (an empty or unrelated section is
// plain HTTP); a file path wins over the same thing written inline; VerifyClientCertIfGiven
// and RequireAndVerifyClientCert without a client CA verify against the system's CAs, as Go
// does. What portwatch must serve otherwise (TLS 1.0 and 1.1) is a warning.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { cannotReadMessage } from '../config/read-file.js';
import { cipherSuiteProblem, curveProblem, HTTP2_REQUIRED_SUITES, tls12Suites } from './cipher-suites.js';
import type { Field, GoYamlReader } from './go-yaml.js';
import { systemRootsFrom } from './system-roots.js';
import { CLIENT_AUTH_TYPES, loadMaterial } from './tls.js';
import type { ClientAuthType, LoadedTls, PemSource, TlsSettings, TlsVersion } from './tls.js';

const STRINGS = ['cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_auth_type', 'client_ca_file'] as const;
const KEYS = [
  ...STRINGS,
  'cipher_suites',
  'curve_preferences',
  'min_version',
  'max_version',
  'prefer_server_cipher_suites',
  'client_allowed_sans',
];
const VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];

type Strings = Record<(typeof STRINGS)[number], string>;

interface TlsInput extends Strings {
  at: Field;
  fields: Map<string, Field>;
  cipherSuites: string[] | undefined;
  curves: string[] | undefined;
  allowedSans: string[] | undefined;
  /** Index in VERSIONS; undefined: Go's default. */
  min: number | undefined;
  max: number | undefined;
}

/** The TLS section read and its files loaded; undefined for plain HTTP or after a problem (in `reader`). */
export function readTls(reader: GoYamlReader, at: Field, dir: string, http2: boolean): LoadedTls | undefined {
  const input = readInput(reader, at);
  if (input === undefined) return undefined;
  const enabled = STRINGS.some((key) => input[key] !== '');
  if (!enabled) {
    const why = 'no cert, key, client CA or client_auth_type: serving plain HTTP, as exporter-toolkit does';
    if (input.fields.size > 0) reader.warn(at, why);
    return undefined;
  }
  const settings = settingsOf(reader, input, dir);
  checkSuites(reader, input, http2);
  if (settings === undefined) return undefined;
  const material = loadMaterial(settings);
  if ('message' in material) {
    reader.fail(input.fields.get(material.key) ?? at, material.message);
    return undefined;
  }
  const verifies = ['VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'].includes(settings.clientAuth);
  if (verifies && material.ca.length === 0) {
    const { fields } = input;
    const caField = fields.get('client_ca_file') ?? fields.get('client_ca') ?? fields.get('client_auth_type') ?? at;
    reader.warn(caField, 'no certificate in the client CA: every client certificate will be refused');
  }
  return { settings, material };
}

function readInput(reader: GoYamlReader, at: Field): TlsInput | undefined {
  const fields = reader.struct(at, KEYS);
  if (fields === undefined) return undefined;
  const field = (key: string): Field => fields.get(key) ?? { node: null, path: [...at.path, key] };
  const strings = Object.fromEntries(STRINGS.map((key) => [key, reader.string(field(key)) ?? ''])) as Strings;
  const names = (key: string, problem?: (name: string) => string | undefined) => {
    const items = reader.list(field(key));
    return items?.map((item) => {
      // An empty entry names no suite or curve (Go would read it as number 0).
      if (problem !== undefined && reader.value(item) === null) {
        reader.fail(item, 'expected a name, got an empty value');
        return '';
      }
      const name = reader.string(item);
      const why = name === undefined ? undefined : problem?.(name);
      if (why !== undefined) reader.fail(item, why);
      return name ?? '';
    });
  };
  // Read for its type only: Go has ignored prefer_server_cipher_suites since 1.17, and so does portwatch.
  if (fields.has('prefer_server_cipher_suites')) reader.bool(field('prefer_server_cipher_suites'));
  return {
    ...strings,
    at,
    fields,
    cipherSuites: names('cipher_suites', cipherSuiteProblem),
    curves: names('curve_preferences', curveProblem),
    allowedSans: names('client_allowed_sans'),
    min: version(reader, fields.get('min_version')),
    max: version(reader, fields.get('max_version')),
  };
}

function version(reader: GoYamlReader, at: Field | undefined): number | undefined {
  if (at === undefined || reader.value(at) === null) return undefined;
  const name = reader.string(at);
  if (name === undefined) return undefined;
  const index = VERSIONS.indexOf(name);
  if (index < 0) reader.fail(at, `unknown TLS version ${JSON.stringify(name)}; one of ${VERSIONS.join(', ')}`);
  return index < 0 ? undefined : index;
}

function settingsOf(reader: GoYamlReader, input: TlsInput, dir: string): TlsSettings | undefined {
  const { at, fields } = input;
  type FileKey = 'cert_file' | 'key_file' | 'client_ca_file';
  const source = (fileKey: FileKey, inlineKey: 'cert' | 'key' | 'client_ca'): PemSource | undefined => {
    const file = input[fileKey];
    if (file !== '' && input[inlineKey] !== '') {
      const why = `${fileKey} is given, and wins, as in exporter-toolkit`;
      reader.warn(fields.get(inlineKey)!, `${inlineKey} is not used: ${why}`);
    }
    if (file !== '') return { file: isAbsolute(file) ? file : join(dir, file) };
    return input[inlineKey] === '' ? undefined : { inline: input[inlineKey] };
  };
  const cert = source('cert_file', 'cert');
  const key = source('key_file', 'key');
  if (cert === undefined) reader.fail(at, 'missing cert_file (or cert): TLS needs a certificate');
  if (key === undefined) reader.fail(at, 'missing key_file (or key): TLS needs the private key of the certificate');
  const clientAuth = clientAuthOf(reader, input);
  const versions = versionsOf(reader, input);
  const clientCa = clientCaOf(reader, input, source('client_ca_file', 'client_ca'), clientAuth);
  if (input.allowedSans !== undefined && clientAuth === 'NoClientCert') {
    const why = 'client_allowed_sans has no effect without a client_auth_type that asks for client certificates';
    reader.warn(fields.get('client_allowed_sans')!, why);
  }
  if (cert === undefined || key === undefined || clientAuth === undefined || versions === undefined) {
    unreadable(reader, input, [cert, key, clientCa]);
    return undefined;
  }
  return {
    cert,
    key,
    clientCa,
    clientAuth,
    ...versions,
    tls12Suites: tls12Suites(input.cipherSuites),
    // Unknown names are problems already; the rest still make a context to check the files with.
    curves: input.curves?.filter((c) => curveProblem(c) === undefined),
    allowedSans: input.allowedSans,
  };
}

/** Files that cannot be read are problems too when the rest of the section keeps them from being loaded. */
function unreadable(reader: GoYamlReader, input: TlsInput, sources: (TlsSettings['clientCa'] | undefined)[]): void {
  const keys = ['cert_file', 'key_file', 'client_ca_file'] as const;
  sources.forEach((source, i) => {
    if (source === undefined || source === 'system' || !('file' in source)) return;
    try {
      readFileSync(source.file);
    } catch (err) {
      reader.fail(input.fields.get(keys[i]!)!, cannotReadMessage(err, source.file));
    }
  });
}

function clientAuthOf(reader: GoYamlReader, input: TlsInput): ClientAuthType | undefined {
  const name = input.client_auth_type;
  if (name === '') return 'NoClientCert';
  // exporter-toolkit's old name for RequireAnyClientCert.
  if (name === 'RequireClientCert') return 'RequireAnyClientCert';
  if ((CLIENT_AUTH_TYPES as readonly string[]).includes(name)) return name as ClientAuthType;
  const why = `client_auth_type must be one of ${CLIENT_AUTH_TYPES.join(', ')}, got ${JSON.stringify(name)}`;
  reader.fail(input.fields.get('client_auth_type')!, why);
  return undefined;
}

function clientCaOf(
  reader: GoYamlReader,
  input: TlsInput,
  ca: PemSource | undefined,
  auth: ClientAuthType | undefined,
): TlsSettings['clientCa'] {
  const at = input.fields.get(input.client_ca_file !== '' ? 'client_ca_file' : 'client_ca');
  if (ca !== undefined && auth === 'NoClientCert') {
    const how = 'set client_auth_type (RequireAndVerifyClientCert to admit only clients this CA signed)';
    reader.fail(at!, `a client CA is set but client_auth_type is not: ${how}`);
  }
  if (ca !== undefined || (auth !== 'VerifyClientCertIfGiven' && auth !== 'RequireAndVerifyClientCert')) return ca;
  const what = `client certificates are verified against the system's CAs (${systemRootsFrom()}), as Go does`;
  const how = 'set client_ca_file to name the CA that signs them';
  reader.warn(input.fields.get('client_auth_type')!, `${auth} without client_ca_file: ${what}; ${how}`);
  return 'system';
}

type Versions = { minVersion: TlsVersion; maxVersion: TlsVersion };

function versionsOf(reader: GoYamlReader, input: TlsInput): Versions | undefined {
  const { min = 2, max = 3, fields } = input;
  if (min < 2) {
    const why = "Node.js's OpenSSL refuses 1.0 and 1.1 at its default security level";
    const served = `portwatch serves TLS 1.2 and 1.3 only (${why})`;
    reader.warn(fields.get('min_version')!, `${VERSIONS[min]!} is not offered: ${served}`);
  }
  if (max < 2) {
    const why = 'leaves only TLS 1.0 or 1.1, which portwatch does not offer; use TLS12 or TLS13';
    reader.fail(fields.get('max_version')!, `max_version ${VERSIONS[max]!} ${why}`);
    return undefined;
  }
  if (min > max) {
    const why = `is below min_version ${VERSIONS[min]!}: no TLS version is left`;
    reader.fail(fields.get('max_version')!, `max_version ${VERSIONS[max]!} ${why}`);
    return undefined;
  }
  const name = (i: number): TlsVersion => (i >= 3 ? 'TLSv1.3' : 'TLSv1.2');
  return { minVersion: name(Math.max(min, 2)), maxVersion: name(max) };
}

/** Go's HTTP/2 server refuses to start with a TLS 1.2 suite list that lacks its mandatory suite. */
function checkSuites(reader: GoYamlReader, input: TlsInput, http2: boolean): void {
  const listed = input.cipherSuites;
  if (listed === undefined || listed.length === 0) return;
  const at = input.fields.get('cipher_suites')!;
  if (http2 && (input.min ?? 2) < 3 && !listed.some((s) => HTTP2_REQUIRED_SUITES.includes(s))) {
    const needs = `Go's HTTP/2 server needs ${HTTP2_REQUIRED_SUITES.join(' or ')} among cipher_suites`;
    reader.fail(at, `with http2 on (the default), ${needs}; add one, or set http_server_config.http2: false`);
  } else if (tls12Suites(listed).length === 0 && (input.max ?? 3) >= 2 && (input.min ?? 2) < 3) {
    reader.warn(at, 'no TLS 1.2 suite is listed (TLS 1.3 suites are not configurable): TLS 1.2 clients cannot connect');
  }
}
