import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { targetId } from '../../src/state/store.js';
import { filledStore, monitor, MONITORS, NOW, result } from '../metrics/fixture.js';
import { portRows } from './landing-html.js';
import { serve } from './server-fixture.js';

describe('GET /', () => {
  it('serves the landing page, problems first and HTML escaped', async () => {
    const store = filledStore();
    store.setTargets([...MONITORS, monitor('<b>evil</b>', ['h.example'], [80], [])]);
    store.record(targetId('<b>evil</b>', 'h.example', 80), [result('192.0.2.1', 'open', 'syn-ack')], NOW);
    const { base } = await serve({ store });
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('0.0.0-test');
    expect(html).toContain('/etc/portwatch.yaml');
    expect(portRows(html).map((r) => r[0])).toEqual([
      'EXPOSED',
      'UNREACHABLE',
      'ok',
      'could not check',
      'ok',
      'ok',
      'ok',
    ]);
    expect(html).not.toContain('<b>evil</b>');
    expect(html).toContain('&lt;b&gt;evil&lt;/b&gt;');
  });

  it('filters and pages by its query parameters', async () => {
    const { base } = await serve();
    const html = await (await fetch(`${base}/?monitor=web&state=open`)).text();
    expect(portRows(html).map((r) => `${r[0]} ${r[2]} ${r[4]}`)).toEqual([
      'EXPOSED 2001:db8::1 22',
      'ok 2001:db8::1 443',
      'ok web1.example 443',
    ]);
  });

  it.each([
    ['?state=up', 'state: &quot;up&quot; is not one of open, closed, filtered, open|filtered, error'],
    ['?monitor=mail', 'monitor: no monitor named &quot;mail&quot; is configured'],
    ['?page=2', 'page: 2 is past the last page, 1'],
    ['?page=two', 'page: &quot;two&quot; is not a page number (1, 2, 3, ...)'],
    ['?sort=port', 'unknown parameter &quot;sort&quot;: this page takes monitor, host, state, page'],
    ['?state=open&state=closed', 'state: given more than once; give it once'],
  ])('answers %s with 400 saying which parameter and why', async (search, message) => {
    const { base } = await serve();
    const res = await fetch(`${base}/${search}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain(`<p>Bad query parameter: ${message}</p>`);
    expect(html).toContain('<a href="?">All ports</a>');
  });
});

describe('GET /favicon.ico', () => {
  it('answers 204, cacheable, and logs nothing where an unknown path logs its 404', async () => {
    const lines: { msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
    const { base } = await serve({ logger });
    lines.length = 0; // fastify's "Server listening" line
    const res = await fetch(`${base}/favicon.ico`);
    expect(res.status).toBe(204);
    expect(res.headers.get('cache-control')).toBe('max-age=86400');
    expect(await res.text()).toBe('');
    expect(lines).toEqual([]);
    // The same logger does log a path that does not exist: the silence above is the route's.
    expect((await fetch(`${base}/favicon.png`)).status).toBe(404);
    expect(lines.map((l) => l.msg)).toEqual(['Route GET:/favicon.png not found']);
  });
});
