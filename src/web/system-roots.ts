// The CAs Go trusts on Linux when a server verifies client certificates without a client
// CA (exporter-toolkit's VerifyClientCertIfGiven or RequireAndVerifyClientCert without
// client_ca_file): $SSL_CERT_FILE or the first bundle of the usual distribution paths, plus
// every file in $SSL_CERT_DIR (":"-separated) or /etc/ssl/certs and /etc/pki/tls/certs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine
];
const DIRECTORIES = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function places(env: NodeJS.ProcessEnv): { bundles: string[]; dirs: string[] } {
  return {
    bundles: env['SSL_CERT_FILE'] ? [env['SSL_CERT_FILE']] : BUNDLES,
    dirs: env['SSL_CERT_DIR'] ? env['SSL_CERT_DIR'].split(':') : DIRECTORIES,
  };
}

/** Where the CAs are looked for, for messages. */
export function systemRootsFrom(env: NodeJS.ProcessEnv = process.env): string {
  const { bundles, dirs } = places(env);
  return [bundles.length === 1 ? bundles[0] : "the distribution's bundle", ...dirs].join(', ');
}

/** The PEM certificates found, each once. */
export function systemRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const { bundles, dirs } = places(env);
  const found = new Set<string>();
  for (const bundle of bundles) {
    const text = readOrUndefined(bundle);
    if (text === undefined) continue;
    for (const pem of text.match(PEM_CERTIFICATE) ?? []) found.add(pem);
    break;
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      for (const pem of readOrUndefined(join(dir, name))?.match(PEM_CERTIFICATE) ?? []) found.add(pem);
    }
  }
  return [...found];
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
