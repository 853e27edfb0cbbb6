/**
 * The HTTP face of portwatch: /metrics, the landing page, and the Prometheus-style
 * lifecycle endpoints (/-/healthy, /-/ready, /-/reload).
 */
import { fastify, LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PROMETHEUS_CONTENT_TYPE, renderMetricsBody } from '../metrics/render.js';
import type { SelfMetrics } from '../metrics/self.js';
import type { PortStore } from '../state/store.js';
import { acceptsGzip, gzip } from './compress.js';
import { renderLanding, type LandingInfo } from './landing.js';
import { parseListenAddress } from './listen-address.js';

export interface HttpDeps {
  store: PortStore;
  self: SelfMetrics;
  /** Rejects with the config error on failure. */
  reload: () => Promise<void>;
  ready: () => boolean;
  info: LandingInfo;
  logger: Logger;
}

export interface HttpServer {
  close(): Promise<void>;
  readonly port: number;
  readonly host: string;
}

const METRICS_PATH = '/metrics';
const TEXT = 'text/plain; charset=utf-8';

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
    else if (request.routeOptions.url !== METRICS_PATH) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export async function startHttpServer(listenAddress: string, deps: HttpDeps): Promise<HttpServer> {
  const addr = parseListenAddress(listenAddress);
  const app = fastify({
    loggerInstance: deps.logger,
    logController: new QuietLogController(),
    // Only /-/reload takes a body, and ignores it.
    bodyLimit: 1024,
    // Slow or stalled clients must not hold sockets: a request has 10 s to arrive, and a
    // socket idle for a minute is dropped (a large scrape in progress is not idle).
    connectionTimeout: 60_000,
    requestTimeout: 10_000,
  });

  // `curl -X POST -d ...` sends a form content type; accept any body and ignore it
  // rather than answer 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  app.get(METRICS_PATH, async (request, reply) => {
    const body = await renderMetricsBody(deps.store, deps.self);
    reply.header('Content-Type', PROMETHEUS_CONTENT_TYPE).header('Vary', 'Accept-Encoding');
    if (!acceptsGzip(request.headers['accept-encoding'])) return body;
    reply.header('Content-Encoding', 'gzip');
    return gzip(body);
  });

  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return renderLanding(deps.store, deps.info, Date.now());
  });

  app.get('/-/healthy', async (_request, reply) => {
    reply.type(TEXT);
    return 'Healthy';
  });

  app.get('/-/ready', async (_request, reply) => {
    reply.type(TEXT);
    if (deps.ready()) return 'Ready';
    reply.code(503);
    return 'Not ready';
  });

  app.route({
    method: ['POST', 'PUT'],
    url: '/-/reload',
    handler: async (_request, reply) => {
      reply.type(TEXT);
      try {
        await deps.reload();
      } catch (err) {
        // The daemon logs the failure; the caller gets the reason.
        reply.code(500);
        return `failed to reload config: ${err instanceof Error ? err.message : String(err)}`;
      }
      return 'Reloaded';
    },
  });

  app.get('/-/reload', async (_request, reply) => {
    reply.code(405).header('Allow', 'POST, PUT').type(TEXT);
    return 'Only POST or PUT requests allowed';
  });

  await listen(app, addr.host, addr.port, addr.allInterfaces);
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') throw new Error(`listening on ${listenAddress} gave no TCP address`);

  return {
    port: bound.port,
    host: bound.address,
    close: () => app.close(),
  };
}

/** ":PORT" means dual-stack "::", falling back to IPv4 only on hosts without IPv6. */
async function listen(app: ReturnType<typeof fastify>, host: string, port: number, allInterfaces: boolean): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!allInterfaces || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
    await app.listen({ host: '0.0.0.0', port });
  }
}
