// TLS for the HTTP server: the options an https server starts with, the checks a
// certificate gets at load time, and the swap of certificates and client policy on reload.
import { X509Certificate } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { ClientAuthType } from './config.js';

export interface TlsSettings {
  /** PEM text. */
  cert: string;
  key: string;
  /** PEM of the CA that signs client certificates; undefined when none is configured. */
  ca: string | undefined;
  clientAuth: ClientAuthType;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1.2' | 'TLSv1.3';
  honorCipherOrder: boolean;
}

/** Which key of tls_server_config is to blame when the PEM material cannot be used, or undefined. */
export function pemProblem(tls: TlsSettings): { key: string; message: string } | undefined {
  try {
    new X509Certificate(tls.cert);
  } catch (err) {
    return { key: 'cert_file', message: `not a PEM certificate: ${shortError(err)}` };
  }
  if (tls.ca !== undefined) {
    try {
      new X509Certificate(tls.ca);
    } catch (err) {
      return { key: 'client_ca_file', message: `not a PEM certificate: ${shortError(err)}` };
    }
  }
  try {
    createSecureContext(secureContextOptions(tls));
  } catch (err) {
    // A key that does not parse, or does not belong to the certificate.
    return { key: 'key_file', message: `cannot use the key with the certificate: ${shortError(err)}` };
  }
  return undefined;
}

function shortError(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

function secureContextOptions(tls: TlsSettings): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    honorCipherOrder: tls.honorCipherOrder,
  };
}

/** Ask for a client certificate at all. */
function requestsCert(auth: ClientAuthType): boolean {
  return auth !== 'NoClientCert';
}

/** The options https.createServer starts with. */
export function httpsServerOptions(tls: TlsSettings): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    ...secureContextOptions(tls),
    requestCert: requestsCert(tls.clientAuth),
    // Only RequireAndVerifyClientCert can be left to OpenSSL; the others are checked by the guard.
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/**
 * The client-certificate rules OpenSSL cannot apply by itself, checked once the handshake
 * is done: RequireAnyClientCert wants a certificate, signed by anyone; VerifyClientCertIfGiven
 * wants a given one to be signed by the client CA. Returns why to refuse, or undefined.
 */
export function clientCertRefusal(auth: ClientAuthType, socket: TLSSocket): string | undefined {
  if (auth !== 'RequireAnyClientCert' && auth !== 'VerifyClientCertIfGiven') return undefined;
  const given = Object.keys(socket.getPeerCertificate()).length > 0;
  if (auth === 'RequireAnyClientCert') return given ? undefined : 'no client certificate';
  return given && !socket.authorized ? `client certificate not trusted: ${String(socket.authorizationError)}` : undefined;
}

/**
 * Swaps certificates, versions and client policy of a running https server: connections
 * made from now on use them, open ones keep theirs. requestCert and rejectUnauthorized are
 * read from the server by every new TLS socket (node:_tls_wrap), so setting them is enough.
 */
export function updateHttpsServer(server: HttpsServer, tls: TlsSettings): void {
  const options = httpsServerOptions(tls);
  server.setSecureContext(options);
  const mutable = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
  mutable.requestCert = options.requestCert;
  mutable.rejectUnauthorized = options.rejectUnauthorized;
}
