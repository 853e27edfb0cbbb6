// The TLS state of a running https server. exporter-toolkit reads its certificate files at
// every handshake, so a certificate renewed on disk (cert-manager, certbot) is used without
// a restart; here each new connection costs a stat of the files instead, and only a change
// reads them again. A new pair that does not work is logged once and the one in use kept.
import { X509Certificate } from 'node:crypto';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { clientCertOptions, clientRefusal, contextOptions, loadMaterial, stampOf } from './tls.js';
import type { LoadedTls } from './tls.js';

export class TlsContext {
  readonly #log: Logger | undefined;
  #current: LoadedTls;
  #server: HttpsServer | undefined;
  /** The stamp of files found broken, so that they are reported once. */
  #brokenStamp: string | undefined;

  constructor(loaded: LoadedTls, log?: Logger) {
    this.#current = loaded;
    this.#log = log;
  }

  /** What https.createServer starts with. */
  serverOptions(): ServerOptions {
    const { settings, material } = this.#current;
    return { ...contextOptions(settings, material), ...clientCertOptions(settings.clientAuth) };
  }

  /** Watches `server`'s connections: files checked before each handshake, client certificates after it. */
  attach(server: HttpsServer): void {
    this.#server = server;
    // Before the TLS socket is made from the connection, so that it gets the new context.
    server.prependListener('connection', () => this.refresh());
    server.on('secureConnection', (socket: TLSSocket) => {
      const refusal = clientRefusal(this.#current.settings, socket);
      if (refusal === undefined) return;
      this.#log?.debug({ remote: socket.remoteAddress, reason: refusal }, 'TLS client refused');
      socket.destroy();
    });
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      this.#log?.debug({ err, remote: socket.remoteAddress }, 'TLS handshake failed');
    });
  }

  /** Uses new settings (a reload) for connections from now on. */
  replace(loaded: LoadedTls): void {
    this.#current = loaded;
    this.#brokenStamp = undefined;
    this.#install();
  }

  /** Reads the files again if they changed since they were read. */
  refresh(): void {
    const { settings, material } = this.#current;
    const stamp = stampOf(settings);
    if (stamp === material.stamp || stamp === this.#brokenStamp) return;
    const next = loadMaterial(settings);
    if ('message' in next) {
      this.#brokenStamp = stamp;
      const problem = `${next.key}: ${next.message}`;
      this.#log?.error({ problem }, 'TLS files changed but cannot be used; keeping the certificate in use until fixed');
      return;
    }
    this.#current = { settings, material: next };
    this.#brokenStamp = undefined;
    this.#install();
    this.#log?.info({ subject: subjectOf(next.cert) }, 'TLS files changed; new connections use them');
  }

  #install(): void {
    const server = this.#server;
    if (server === undefined) return;
    const options = this.serverOptions();
    server.setSecureContext(options);
    // Every new TLS socket reads these from the server (node:_tls_wrap), so setting them is enough.
    const mutable = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    mutable.requestCert = options.requestCert ?? false;
    mutable.rejectUnauthorized = options.rejectUnauthorized ?? false;
  }
}

function subjectOf(pem: string): string {
  try {
    return new X509Certificate(pem).subject.replaceAll('\n', ', ');
  } catch {
    return '';
  }
}
