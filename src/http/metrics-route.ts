import { createGzip } from 'node:zlib';
import type { FastifyBaseLogger } from 'fastify';
import { metricsStream, PROMETHEUS_CONTENT_TYPE } from '../metrics/render.js';
import type { SelfMetrics } from '../metrics/self.js';
import type { PortStore } from '../state/store.js';
import type { App } from './app.js';
import { acceptsGzip } from './compress.js';

export const METRICS_PATH = '/metrics';

export interface MetricsDeps {
  store: PortStore;
  self: SelfMetrics;
}

/** GET /metrics: every series, gzipped when the scraper accepts it. */
export function registerMetricsRoute<L extends FastifyBaseLogger>(app: App<L>, deps: MetricsDeps): void {
  app.get(METRICS_PATH, async (request, reply) => {
    // Streamed, written in pieces between which probes run: see metricsStream.
    const body = metricsStream(deps.store, deps.self);
    reply.header('Content-Type', PROMETHEUS_CONTENT_TYPE).header('Vary', 'Accept-Encoding');
    if (!acceptsGzip(request.headers['accept-encoding'])) return reply.send(body);
    reply.header('Content-Encoding', 'gzip');
    // Level 1: most of the size gain for a fraction of the CPU; zlib runs off the main thread.
    return reply.send(body.pipe(createGzip({ level: 1 })));
  });
}
