// The Prometheus-style lifecycle endpoints: /-/healthy, /-/ready and /-/reload.
import type { FastifyBaseLogger } from 'fastify';
import { TEXT, type App } from './app.js';

export interface LifecycleDeps {
  ready: () => boolean;
  /** Rejects with the config error on failure. */
  reload: () => Promise<void>;
}

export function registerLifecycleRoutes<L extends FastifyBaseLogger>(app: App<L>, deps: LifecycleDeps): void {
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
}
