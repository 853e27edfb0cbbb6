// Go's cipher suite and curve names, as exporter-toolkit takes them, and what OpenSSL calls
// them. Only the suites Go's tls.CipherSuites() lists may be named (its insecure ones, RSA
// key exchange among them, are unknown names to exporter-toolkit); TLS 1.3 suites may be
// named but, as in Go, are not configurable. Suites are offered in Go's preference order,
// whatever order the file lists them in, as Go does.
import { createSecureContext } from 'node:tls';

/** Go's TLS 1.0-1.2 suites in Go's server preference order, with their OpenSSL names. */
const TLS12: readonly (readonly [go: string, openssl: string])[] = [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
];

/** Go's TLS 1.3 suites, in its preference order: always all of them. */
const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** Suites Go knows but lists as insecure; exporter-toolkit refuses their names like invented ones. */
const GO_INSECURE = new Set([
  'TLS_RSA_WITH_RC4_128_SHA',
  'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
]);

/** Go's HTTP/2 server refuses a cipher_suites list without one of these (unless TLS 1.3 only). */
export const HTTP2_REQUIRED_SUITES = [
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
];

/** exporter-toolkit's curve names and OpenSSL's, in Go's default preference order. */
const CURVES: Readonly<Record<string, string>> = {
  X25519: 'X25519',
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
};

/** Why `name` cannot be a cipher_suites entry, or undefined when it can. */
export function cipherSuiteProblem(name: string): string | undefined {
  if (TLS13.includes(name) || TLS12.some(([go]) => go === name)) return undefined;
  if (GO_INSECURE.has(name)) {
    return `${name} is among Go's insecure cipher suites, which exporter-toolkit does not accept`;
  }
  return `unknown cipher suite ${JSON.stringify(name)}; use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`;
}

export function curveProblem(name: string): string | undefined {
  if (Object.hasOwn(CURVES, name)) return undefined;
  return `unknown curve ${JSON.stringify(name)}; one of ${Object.keys(CURVES).join(', ')}`;
}

/** The TLS 1.2 suites offered, in Go's order: the configured ones, or Go's defaults (every suite above). */
export function tls12Suites(configured: readonly string[] | undefined): string[] {
  const wanted = configured === undefined || configured.length === 0 ? undefined : new Set(configured);
  return TLS12.filter(([go]) => wanted === undefined || wanted.has(go)).map(([go]) => go);
}

/** OpenSSL's `ciphers` string for the given Go TLS 1.2 suites, TLS 1.3 suites first. */
export function opensslCiphers(goTls12: readonly string[]): string {
  const names = new Map(TLS12);
  return [...TLS13, ...goTls12.map((go) => names.get(go)!)].join(':');
}

let defaultGroups: string | undefined;

/** OpenSSL's groups for the configured curves, or Go's defaults: X25519MLKEM768 first where this OpenSSL has it. */
export function opensslGroups(configured: readonly string[] | undefined): string {
  if (configured !== undefined && configured.length > 0) return configured.map((c) => CURVES[c]!).join(':');
  defaultGroups ??= withHybrid(Object.values(CURVES).join(':'));
  return defaultGroups;
}

function withHybrid(classic: string): string {
  const hybrid = `X25519MLKEM768:${classic}`;
  try {
    createSecureContext({ ecdhCurve: hybrid });
    return hybrid;
  } catch {
    return classic;
  }
}
