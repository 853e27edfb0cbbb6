/**
 * The HTTP face of portwatch: /metrics, the landing page, and the Prometheus-style
 * lifecycle endpoints (/-/healthy, /-/ready, /-/reload).
 */
import { fastify, LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { SelfMetrics } from '../metrics/self.js';
import type { PortStore } from '../state/store.js';
import { TEXT } from './app.js';
import type { LandingInfo } from './landing.js';
import { registerLandingRoutes } from './landing-route.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import { parseListenAddress } from './listen-address.js';
import { METRICS_PATH, registerMetricsRoute } from './metrics-route.js';
import { registerCheckRoute } from '../api/check-route.js';
import type { CheckFilter, CheckOutcome } from '../api/recheck.js';
import { WebServing } from '../web/serving.js';
import { crossOriginRefusal } from '../web/cross-origin.js';

export interface HttpDeps {
  store: PortStore;
  self: SelfMetrics;
  /** Rejects with the config error on failure. */
  reload: () => Promise<void>;
  ready: () => boolean;
  info: LandingInfo;
  logger: Logger;
  /** TLS, basic auth, headers and limits (--web.config.file); default: plain HTTP with the default limits. */
  web?: WebServing;
  /** Serves POST /api/v1/check when given. */
  checkNow?: (filter: CheckFilter) => Promise<CheckOutcome>;
}

export interface HttpServer {
  close(): Promise<void>;
  readonly port: number;
  readonly host: string;
}

/**
 * Request lines at debug, and none at all for scrapes, which come every few seconds
 * and say nothing. Errors keep fastify's default handling and levels.
 */
class QuietLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (request.routeOptions.url !== METRICS_PATH) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
    else if (request.routeOptions.url !== METRICS_PATH)
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export async function startHttpServer(listenAddress: string, deps: HttpDeps): Promise<HttpServer> {
  const addr = parseListenAddress(listenAddress);
  const web = deps.web ?? new WebServing();
  const app = createApp(deps.logger, web);
  registerMetricsRoute(app, deps);
  registerLandingRoutes(app, { store: deps.store, info: deps.info });
  registerLifecycleRoutes(app, deps);
  if (deps.checkNow) registerCheckRoute(app, { checkNow: deps.checkNow });

  // A queue as long as the untrusted room: connections that arrive while the server is busy wait
  // in it rather than have their SYNs dropped (and resent only a second later).
  const backlog = Math.max(511, web.limits.maxUntrustedConnections);
  await listen(app, { host: addr.host, port: addr.port, backlog }, addr.allInterfaces);
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') throw new Error(`listening on ${listenAddress} gave no TCP address`);

  return {
    port: bound.port,
    host: bound.address,
    close: () => app.close(),
  };
}

/** The server with its limits, TLS, auth and cross-origin refusal in place, and no routes yet. */
function createApp(logger: Logger, web: WebServing) {
  const app = fastify({
    loggerInstance: logger,
    logController: new QuietLogController(),
    // Only /-/reload and /api/v1/check take a body.
    bodyLimit: web.limits.maxBodyBytes,
    // TLS and the limits against slow or greedy clients: src/web/limits.ts.
    serverFactory: web.serverFactory,
    // Shutdown must be bounded: a client that keeps a connection open (or never reads its
    // response) would otherwise hold close() until its keep-alive or idle timeout.
    forceCloseConnections: true,
  });
  web.install(app);
  app.addHook('onRequest', async (request, reply) => {
    const h = request.headers;
    const secFetchSite = one(h['sec-fetch-site']);
    const refusal = crossOriginRefusal({ method: request.method, host: h.host, origin: h.origin, secFetchSite });
    if (refusal === undefined) return undefined;
    return reply.code(403).type(TEXT).send(refusal);
  });
  // `curl -X POST -d ...` sends a form content type; accept any body and ignore it
  // rather than answer 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));
  return app;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** ":PORT" means dual-stack "::", falling back to IPv4 only on hosts without IPv6. */
async function listen(
  app: Pick<FastifyInstance, 'listen'>,
  at: { host: string; port: number; backlog: number },
  allInterfaces: boolean,
): Promise<void> {
  try {
    await app.listen(at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!allInterfaces || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
    await app.listen({ ...at, host: '0.0.0.0' });
  }
}
