// The routes a browser asks for: the landing page with its query parameters, and the icon
// every browser requests on its own, answered without a body and without a log line.
import type { FastifyBaseLogger } from 'fastify';
import type { PortStore } from '../state/store.js';
import type { App } from './app.js';
import { escapeHtml } from './html.js';
import { renderLanding, type LandingInfo } from './landing.js';
import { LandingQueryError, parseLandingQuery } from './landing-query.js';
import { FAVICON_LINK } from './landing-style.js';

const HTML = 'text/html; charset=utf-8';

function badQueryPage(message: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>portwatch: bad query</title>
${FAVICON_LINK}
</head>
<body>
<h1>portwatch</h1>
<p>Bad query parameter: ${escapeHtml(message)}</p>
<p><a href="?">All ports</a></p>
</body>
</html>
`;
}

export interface LandingDeps {
  store: PortStore;
  info: LandingInfo;
}

export function registerLandingRoutes<L extends FastifyBaseLogger>(app: App<L>, deps: LandingDeps): void {
  app.get('/', async (request, reply) => {
    reply.type(HTML);
    // Only the query matters; the base is a placeholder that URL parsing requires.
    const search = new URL(request.url, 'http://portwatch.invalid').searchParams;
    try {
      return renderLanding(deps.store, deps.info, Date.now(), parseLandingQuery(search, deps.store.monitors()));
    } catch (err) {
      if (!(err instanceof LandingQueryError)) throw err;
      reply.code(400);
      return badQueryPage(err.message);
    }
  });

  // The page links an inline icon; anything asking for the conventional path gets "nothing here", cached for a day.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('Cache-Control', 'max-age=86400').send());
}
