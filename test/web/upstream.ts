// exporter-toolkit's own web config test data (testdata/exporter-toolkit, see its README),
// and TLS clients that talk to a server started from it.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWebConfigFile } from '../../src/web/config.js';
import { WebServing } from '../../src/web/serving.js';
import { serve } from '../http/server-fixture.js';
import { httpsRequest, type HttpsAnswer } from './certs.js';

export const UPSTREAM_DIR = fileURLToPath(new URL('./testdata/exporter-toolkit/', import.meta.url));

export function upstreamPem(name: string): string {
  return readFileSync(`${UPSTREAM_DIR}${name}`, 'utf8');
}

/**
 * The fingerprint of upstream's server.crt. Clients here check it instead of the chain, which
 * OpenSSL refuses for a server (the CA's only extended key usage is "any"; Go takes that).
 */
export const SERVER_FINGERPRINT = new X509Certificate(upstreamPem('server.crt')).fingerprint256;

export type UpstreamClient = 'client_selfsigned' | 'client2_selfsigned';

/** Serves portwatch's routes with the web config `file` of upstream's testdata, on 127.0.0.1. */
export async function serveUpstream(file: string) {
  const web = new WebServing(await loadWebConfigFile(`${UPSTREAM_DIR}${file}`));
  const running = await serve({ web });
  return { ...running, web, port: running.server.port };
}

/** An HTTPS GET as upstream's TLS client makes it (with one of its client certificates, if named). */
export interface UpstreamGetOptions {
  client?: UpstreamClient;
  auth?: string;
  ciphers?: string;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  ecdhCurve?: string;
}

export async function upstreamGet(port: number, path: string, opts: UpstreamGetOptions = {}): Promise<HttpsAnswer> {
  const { client, auth, ...tls } = opts;
  const answer = await httpsRequest(`https://127.0.0.1:${port}${path}`, {
    rejectUnauthorized: false,
    servername: 'localhost',
    ...(client === undefined ? {} : { cert: upstreamPem(`${client}.pem`), key: upstreamPem(`${client}.key`) }),
    ...(auth === undefined ? {} : { headers: { authorization: auth } }),
    ...tls,
  });
  if (answer.fingerprint !== SERVER_FINGERPRINT) {
    throw new Error(`served with an unexpected key (SHA-256 ${answer.fingerprint})`);
  }
  return answer;
}
