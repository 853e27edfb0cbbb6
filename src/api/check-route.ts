// POST /api/v1/check {monitor, host?, port?}: re-checks configured targets now and answers
// with their results as JSON. Rate-limited per client and overall; authentication and the
// cross-origin check are the server's. The body must be sent as application/json: a type an
// HTML form cannot send, so no page elsewhere can post one without the browser asking first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, RawServerDefault } from 'fastify';
import { z } from 'zod';
import { PROTOCOLS } from '../types.js';
import type { CheckFilter, CheckOutcome } from './recheck.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.js';

export const CHECK_PATH = '/api/v1/check';

export interface CheckRouteOptions {
  checkNow: (filter: CheckFilter) => Promise<CheckOutcome>;
  rateLimit?: RateLimitOptions;
}

const bodySchema = z.strictObject({
  monitor: z.string().min(1).max(64),
  host: z.string().min(1).max(255).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  protocol: z.enum(PROTOCOLS).optional(),
});

function problem(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: message });
}

/** Describes what is wrong with a body without echoing more of it than a key name. */
function bodyProblem(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

export function registerCheckRoute<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L>,
  opts: CheckRouteOptions,
): void {
  const limiter = new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  // Its own scope: the server's content-type parser discards bodies; this route reads its body as text.
  // fastify awaits an async plugin; a plugin that is not async must call done() instead.
  // eslint-disable-next-line @typescript-eslint/require-await
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.route({
      method: 'POST',
      url: CHECK_PATH,
      onRequest: async (request, reply) => {
        if (!isJson(request.headers['content-type'])) {
          return problem(reply, 415, 'send the body as JSON, with Content-Type: application/json');
        }
        const wait = limiter.take(request.ip);
        if (wait > 0)
          return problem(
            reply.header('Retry-After', String(wait)),
            429,
            `too many re-check requests; retry in ${wait}s`,
          );
        return undefined;
      },
      handler: async (request, reply) => {
        let json: unknown;
        try {
          json = JSON.parse(typeof request.body === 'string' ? request.body : '');
        } catch {
          return problem(
            reply,
            400,
            'the body must be JSON like {"monitor": "web", "host": "www.example.com", "port": 443}',
          );
        }
        const parsed = bodySchema.safeParse(json);
        if (!parsed.success) return problem(reply, 400, `invalid request: ${bodyProblem(parsed.error.issues)}`);
        const outcome = await opts.checkNow(parsed.data);
        reply.type('application/json; charset=utf-8');
        if (outcome.status === 200) return { results: outcome.results };
        reply.code(outcome.status);
        return outcome.results === undefined
          ? { error: outcome.message }
          : { error: outcome.message, results: outcome.results };
      },
    });

    scope.route({
      method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'],
      url: CHECK_PATH,
      handler: async (_request, reply) => problem(reply.header('Allow', 'POST'), 405, 'only POST is allowed'),
    });
  });
}
