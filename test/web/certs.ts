// Certificates for the TLS tests, made with openssl in a temporary directory: a server CA
// and a server certificate for 127.0.0.1 and localhost, a client CA and clients signed by it
// (one with DNS, IP, email and URI names), and a self-signed client nobody trusts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certs {
  dir: string;
  /** Absolute paths. */
  files: {
    ca: string;
    serverCert: string;
    serverKey: string;
    server2Cert: string;
    server2Key: string;
    clientCa: string;
    clientCert: string;
    clientKey: string;
    sanClientCert: string;
    sanClientKey: string;
    rogueCert: string;
    rogueKey: string;
  };
  pem(name: keyof Certs['files']): string;
  remove(): void;
}

const OPENSSL = '/usr/bin/openssl';

function openssl(dir: string, args: string[]): void {
  execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
}

function ca(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=portwatch test ${name}`,
  ]);
}

export const SAN_CLIENT_NAMES = ['client.example', '2001:db8::7', 'ops@example.com', 'spiffe://example.org/prometheus'];

/** A server certificate for 127.0.0.1 and localhost signed by the test CA, as `name`.crt and `name`.key in `dir`. */
export function signServer(dir: string, name: string): void {
  signed(dir, name, 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
}

function signed(dir: string, name: string, by: string, ext: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=portwatch test ${name}`,
  ]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${by}.crt`,
    '-CAkey',
    `${by}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-certs-'));
  try {
    ca(dir, 'ca');
    ca(dir, 'client-ca');
    signServer(dir, 'server');
    signServer(dir, 'server2');
    signed(dir, 'client', 'client-ca', 'extendedKeyUsage=clientAuth\n');
    const [dns, ip, email, uri] = SAN_CLIENT_NAMES;
    // The IP is only a name in the certificate: nothing connects to it.
    const sans = `subjectAltName=DNS:${dns},IP:${ip},email:${email},URI:${uri}`;
    signed(dir, 'san-client', 'client-ca', `${sans}\nextendedKeyUsage=clientAuth\n`);
    ca(dir, 'rogue');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const p = (f: string) => join(dir, f);
  const files = {
    ca: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    server2Cert: p('server2.crt'),
    server2Key: p('server2.key'),
    clientCa: p('client-ca.crt'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    sanClientCert: p('san-client.crt'),
    sanClientKey: p('san-client.key'),
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key'),
  };
  return {
    dir,
    files,
    pem: (name) => readFileSync(files[name], 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The server certificate's serial number and SHA-256 fingerprint. */
  serial: string;
  fingerprint: string;
  /** The negotiated TLS version and cipher (OpenSSL's name). */
  protocol: string;
  cipher: string;
}

/** One HTTPS GET (or POST) on loopback with a fresh connection, failing after 5 s. */
export function httpsRequest(url: string, opts: RequestOptions & { body?: string } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 5_000, ...opts }, (res) => {
      let body = '';
      const socket = res.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const tls = {
        serial: peer.serialNumber ?? '',
        fingerprint: peer.fingerprint256 ?? '',
        protocol: socket.getProtocol() ?? '',
        cipher: socket.getCipher().name,
      };
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...tls });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
