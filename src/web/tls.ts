// TLS for the HTTP server as exporter-toolkit sets it up: the certificate, key and client
// CA read from their files (or given inline), Go's cipher suites and curves, and the client
// certificate policy with client_allowed_sans. The PEM material is read here, synchronously,
// both at load and when the files change under a running server (see tls-context.ts).
import { constants, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { cannotReadMessage } from '../config/read-file.js';
import { opensslCiphers, opensslGroups } from './cipher-suites.js';
import { goSans } from './client-sans.js';
import { systemRoots } from './system-roots.js';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** PEM text in a file (an absolute path) or written in the web config. */
export type PemSource = { file: string } | { inline: string };

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface TlsSettings {
  cert: PemSource;
  key: PemSource;
  /** The CA that signs client certificates; 'system': Go's trusted CAs, for verification without one. */
  clientCa: PemSource | 'system' | undefined;
  clientAuth: ClientAuthType;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  /** Go's names of the TLS 1.2 suites offered, in Go's preference order. */
  tls12Suites: readonly string[];
  /** exporter-toolkit's curve names; undefined: Go's defaults. */
  curves: readonly string[] | undefined;
  /** A client certificate must carry one of these SANs; undefined: not checked. */
  allowedSans: readonly string[] | undefined;
}

/** What the files held when read, and how they looked on disk then. */
/** A TLS section read and its files loaded: what a server starts with. */
export interface LoadedTls {
  settings: TlsSettings;
  material: TlsMaterial;
}

export interface TlsMaterial {
  cert: string;
  key: string;
  /** PEM certificates, one per entry. */
  ca: string[];
  /** Identity, size and times of each file read: a change means read again. */
  stamp: string;
}

/** The key of tls_server_config to blame for a problem, and the problem. */
export interface TlsProblem {
  key: 'cert_file' | 'key_file' | 'client_ca_file' | 'cert' | 'key' | 'client_ca';
  message: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The files' state on disk, cheap enough to take at every new connection. */
export function stampOf(settings: TlsSettings): string {
  return filesOf(settings)
    .map((file) => {
      try {
        const s = statSync(file, { bigint: true });
        return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch (err) {
        return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
      }
    })
    .join('|');
}

function filesOf(settings: TlsSettings): string[] {
  const sources = [settings.cert, settings.key, settings.clientCa];
  return sources.flatMap((s) => (s !== undefined && s !== 'system' && 'file' in s ? [s.file] : []));
}

/** Reads the certificate, key and client CA and checks they make a working TLS context. */
export function loadMaterial(settings: TlsSettings): TlsMaterial | TlsProblem {
  const stamp = stampOf(settings);
  const cert = readPem(settings.cert, 'cert');
  if (typeof cert !== 'string') return cert;
  const key = readPem(settings.key, 'key');
  if (typeof key !== 'string') return key;
  let ca: string[] = [];
  if (settings.clientCa === 'system') ca = systemRoots();
  else if (settings.clientCa !== undefined) {
    const text = readPem(settings.clientCa, 'client_ca');
    if (typeof text !== 'string') return text;
    // As Go's AppendCertsFromPEM: what is not a certificate is passed over.
    ca = text.match(PEM_CERTIFICATE) ?? [];
  }
  const material = { cert, key, ca, stamp };
  return pairProblem(settings, material) ?? material;
}

function readPem(source: PemSource, inline: 'cert' | 'key' | 'client_ca'): string | TlsProblem {
  if ('inline' in source) return source.inline;
  try {
    return readFileSync(source.file, 'utf8');
  } catch (err) {
    return { key: `${inline}_file`, message: cannotReadMessage(err, source.file) };
  }
}

function pairProblem(settings: TlsSettings, material: TlsMaterial): TlsProblem | undefined {
  const certKey = 'file' in settings.cert ? 'cert_file' : 'cert';
  try {
    new X509Certificate(material.cert);
  } catch (err) {
    return { key: certKey, message: `not a PEM certificate: ${shortError(err)}` };
  }
  try {
    createSecureContext(contextOptions(settings, material));
  } catch (err) {
    // A key that does not parse, or does not belong to the certificate.
    const key = 'file' in settings.key ? 'key_file' : 'key';
    return { key, message: `cannot use the key with the certificate: ${shortError(err)}` };
  }
  return undefined;
}

function shortError(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** The secure context: Go's suites in Go's order, the server choosing (ChaCha20 for clients that prefer it, as Go). */
export function contextOptions(settings: TlsSettings, material: TlsMaterial): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    // Always a list: without one Node would verify against its own bundled CAs.
    ca: material.ca,
    minVersion: settings.minVersion,
    maxVersion: settings.maxVersion,
    ciphers: opensslCiphers(settings.tls12Suites),
    honorCipherOrder: true,
    ecdhCurve: opensslGroups(settings.curves),
    secureOptions: constants.SSL_OP_PRIORITIZE_CHACHA,
  };
}

/** Whether a client certificate is asked for, and whether OpenSSL itself refuses a missing or untrusted one. */
export function clientCertOptions(auth: ClientAuthType): { requestCert: boolean; rejectUnauthorized: boolean } {
  return { requestCert: auth !== 'NoClientCert', rejectUnauthorized: auth === 'RequireAndVerifyClientCert' };
}

/**
 * The client-certificate rules OpenSSL does not apply by itself, checked once the handshake
 * is done: RequireAnyClientCert wants a certificate, signed by anyone; VerifyClientCertIfGiven
 * wants a given one signed by the client CA; client_allowed_sans wants one of its names in
 * the certificate, and (as exporter-toolkit fails without one) a certificate. Returns why to
 * refuse, or undefined.
 */
export function clientRefusal(settings: TlsSettings, socket: TLSSocket): string | undefined {
  const auth = settings.clientAuth;
  if (auth === 'NoClientCert') return undefined;
  const peer = socket.getPeerCertificate();
  const given = Object.keys(peer).length > 0;
  if (!given && auth === 'RequireAnyClientCert') return 'no client certificate';
  if (given && auth === 'VerifyClientCertIfGiven' && !socket.authorized) {
    return `client certificate not trusted: ${String(socket.authorizationError)}`;
  }
  if (settings.allowedSans === undefined) return undefined;
  if (!given) return 'no client certificate to match client_allowed_sans';
  const sans = goSans(peer.subjectaltname);
  if (sans.some((san) => settings.allowedSans!.includes(san))) return undefined;
  return `no SAN of the client certificate is in client_allowed_sans (it has: ${sans.join(', ') || 'none'})`;
}
