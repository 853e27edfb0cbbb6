// What --web.config.file and the HTTP limits make of the server: plain HTTP or TLS, the
// limits against abusive clients, basic auth on every route but /-/healthy and /-/ready, and
// the configured response headers. The running web config is swapped only when a new one
// loaded without problems, with the main config (SIGHUP, POST /-/reload).
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import { BasicAuth } from './auth.js';
import { loadWebConfigFile, NO_WEB_CONFIG, type RateLimit, type WebConfig } from './config.js';
import { ConnectionAccounting } from './connections.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './limits.js';
import { RequestRateLimit } from './rate-limit.js';
import { TlsContext } from './tls-context.js';
import { closeAfterUnreadBody } from './unread-body.js';

/**
 * Open without credentials: liveness and readiness probes (kubelet, Docker HEALTHCHECK) carry
 * none. They answer a fixed word and a status, and tell nothing else.
 */
const OPEN_ROUTES = new Set(['/-/healthy', '/-/ready']);
export const REALM = 'portwatch';

export class WebServing {
  readonly #file: string | undefined;
  readonly #limits: HttpLimits;
  readonly #log: Logger | undefined;
  #config: WebConfig;
  #auth: BasicAuth;
  readonly #tls: TlsContext | undefined;
  #rateLimit: RequestRateLimit | undefined;
  readonly #connections: ConnectionAccounting;

  constructor(
    config: WebConfig = NO_WEB_CONFIG,
    opts: { file?: string; limits?: Partial<HttpLimits>; logger?: Logger } = {},
  ) {
    this.#file = opts.file;
    this.#limits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
    this.#log = opts.logger;
    this.#config = config;
    this.#auth = new BasicAuth(config.users);
    this.#tls = config.tls === undefined ? undefined : new TlsContext(config.tls, opts.logger);
    this.#rateLimit = config.rateLimit === undefined ? undefined : new RequestRateLimit(config.rateLimit);
    this.#warn(config);
    const l = this.#limits;
    this.#connections = new ConnectionAccounting(
      {
        maxTrusted: l.maxConnections,
        maxUntrusted: l.maxUntrustedConnections,
        untrustedIdleMs: l.untrustedIdleTimeoutMs,
        firstRequestMs: l.firstRequestTimeoutMs,
      },
      opts.logger,
    );
  }

  get limits(): Readonly<HttpLimits> {
    return this.#limits;
  }

  /** Connections open now, trusted (carried an authorized request) or not. */
  get connections(): { trusted: number; untrusted: number } {
    return this.#connections.counts;
  }

  /** Loads `file` (none: plain HTTP, no auth); a bad file throws ConfigError. */
  static async load(
    file: string | undefined,
    opts: { limits?: Partial<HttpLimits>; logger?: Logger } = {},
  ): Promise<WebServing> {
    const config = file === undefined ? NO_WEB_CONFIG : await loadWebConfigFile(file);
    return new WebServing(config, { ...opts, ...(file === undefined ? {} : { file }) });
  }

  get scheme(): 'http' | 'https' {
    return this.#config.tls === undefined ? 'http' : 'https';
  }

  /** Reads the file again and checks the change can be made; changes nothing. Throws ConfigError. */
  async prepare(): Promise<WebConfig> {
    if (this.#file === undefined) return this.#config;
    const next = await loadWebConfigFile(this.#file);
    if ((next.tls === undefined) !== (this.#config.tls === undefined)) {
      const change = next.tls === undefined ? 'tls_server_config was removed' : 'tls_server_config was added';
      throw new ConfigError(this.#file, [
        { line: 0, col: 0, path: '', message: `switching between HTTP and HTTPS needs a restart (${change})` },
      ]);
    }
    return next;
  }

  /**
   * Makes a prepared config the running one: new connections get the new certificates, every
   * request the new users and headers.
   */
  apply(next: WebConfig): void {
    if (next.tls !== undefined) this.#tls?.replace(next.tls);
    if (!sameUsers(next.users, this.#config.users)) this.#auth = this.#auth.withUsers(next.users);
    if (!sameRateLimit(next.rateLimit, this.#rateLimit?.settings)) {
      this.#rateLimit = next.rateLimit && new RequestRateLimit(next.rateLimit);
    }
    this.#config = next;
    this.#warn(next);
  }

  /** Said at each load: what the file asks that portwatch serves otherwise, or that has no effect. */
  #warn(config: WebConfig): void {
    for (const warning of config.warnings) {
      this.#log?.warn({ file: this.#file, warning }, 'web config: served differently than asked');
    }
  }

  /** For fastify's serverFactory: the Node server with TLS (if configured) and the limits. */
  readonly serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void): HttpServer => {
    const l = this.#limits;
    const common = {
      maxHeaderSize: l.maxHeaderSize,
      requestTimeout: l.requestTimeoutMs,
      headersTimeout: l.headersTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      // How often request and header timeouts are enforced (Node's default is 30 s).
      connectionsCheckingInterval: 1_000,
    };
    const tls = this.#tls;
    const handshakeTimeout = l.firstRequestTimeoutMs;
    const options = tls === undefined ? undefined : { ...tls.serverOptions(), ...common, handshakeTimeout };
    const server = options === undefined ? createHttpServer(common, handler) : createHttpsServer(options, handler);
    server.keepAliveTimeout = l.keepAliveTimeoutMs;
    server.setTimeout(l.idleTimeoutMs);
    // How many connections stay open, and which go first, is the accounting's: src/web/connections.ts.
    this.#connections.attach(server);
    // Certificates renewed on disk, client certificate rules: src/web/tls-context.ts.
    if (tls !== undefined) tls.attach(server as HttpsServer);
    return server;
  };

  /** Adds the headers, basic auth and body limits to every route of `app`; call before routes are added. */
  install<L extends FastifyBaseLogger>(
    app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L>,
  ): void {
    closeAfterUnreadBody(app);
    app.addHook('onRequest', async (request, reply) => {
      for (const [name, value] of Object.entries(this.#config.headers)) reply.header(name, value);
      if (this.#rateLimit?.allow() === false) {
        return reply.code(429).type('text/plain; charset=utf-8').send('Too Many Requests\n');
      }
      if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return undefined;
      const result = this.#auth.enabled ? await this.#auth.check(request.headers.authorization) : 'ok';
      if (result === 'ok') {
        this.#connections.trust(request.raw);
        return undefined;
      }
      if (result === 'busy') {
        return reply
          .code(429)
          .header('Retry-After', '1')
          .type('text/plain; charset=utf-8')
          .send('Too many authentication attempts in progress');
      }
      return reply
        .code(401)
        .header('WWW-Authenticate', `Basic realm="${REALM}"`)
        .type('text/plain; charset=utf-8')
        .send('Unauthorized');
    });
  }
}

function sameRateLimit(a: RateLimit | undefined, b: RateLimit | undefined): boolean {
  return a?.intervalMs === b?.intervalMs && a?.burst === b?.burst;
}

function sameUsers(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [user, hash] of a) if (b.get(user) !== hash) return false;
  return true;
}
