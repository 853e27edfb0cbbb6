import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { serve } from './server-fixture.js';
import { skipOrFail } from '../helpers/skip.js';

describe('lifecycle routes', () => {
  it('GET /-/healthy says Healthy', async () => {
    const { base } = await serve();
    const res = await fetch(`${base}/-/healthy`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Healthy');
  });

  it('GET /-/ready follows deps.ready()', async () => {
    let ready = false;
    const { base } = await serve({ ready: () => ready });
    let res = await fetch(`${base}/-/ready`);
    expect([res.status, await res.text()]).toEqual([503, 'Not ready']);
    ready = true;
    res = await fetch(`${base}/-/ready`);
    expect([res.status, await res.text()]).toEqual([200, 'Ready']);
  });

  it('POST and PUT /-/reload reload, with or without a body', async () => {
    let reloads = 0;
    const { base } = await serve({ reload: () => Promise.resolve(void (reloads += 1)) });
    expect((await fetch(`${base}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${base}/-/reload`, { method: 'PUT' })).status).toBe(200);
    // What `curl -X POST -d x` sends.
    const form = await fetch(`${base}/-/reload`, {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(200);
    expect(reloads).toBe(3);
  });

  it('a failed reload answers 500 with the config error', async () => {
    const { base } = await serve({
      reload: () => Promise.reject(new Error('config.yaml: monitors[0].hosts: must not be empty')),
    });
    const res = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('config.yaml: monitors[0].hosts: must not be empty');
  });

  it('GET /-/reload is 405 naming the allowed methods', async () => {
    const { base } = await serve();
    const res = await fetch(`${base}/-/reload`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, PUT');
  });

  it('rejects large bodies', async () => {
    const { base } = await serve();
    const res = await fetch(`${base}/-/reload`, {
      method: 'POST',
      body: 'x'.repeat(4096),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(413);
  });

  it('unknown routes are 404', async () => {
    const { base } = await serve();
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('listening', () => {
  it('reports the bound address and port', async () => {
    const { server } = await serve();
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
  });

  it('listens on IPv6 loopback', async (ctx) => {
    let running;
    try {
      running = await serve({}, '[::1]:0');
    } catch (err) {
      if (['EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes((err as NodeJS.ErrnoException).code ?? ''))
        return skipOrFail(ctx, 'no IPv6 loopback here');
      throw err;
    }
    expect(running.server.host).toBe('::1');
    expect((await fetch(`${running.base}/-/healthy`)).status).toBe(200);
  });

  it('refuses a bad listen address naming it', async () => {
    await expect(serve({}, 'localhost')).rejects.toThrow('invalid --web.listen-address "localhost"');
  });
});

describe('request logs', () => {
  it('logs requests at debug, and scrapes not at all', async () => {
    const lines: { level: number; msg: string; req?: { url: string }; res?: { statusCode: number } }[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (s: string) => void lines.push(JSON.parse(s) as (typeof lines)[number]) },
    );
    const { base } = await serve({ logger });
    await (await fetch(`${base}/metrics`)).text();
    await (await fetch(`${base}/-/healthy`)).text();
    const requestLines = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
    expect(requestLines.map((l) => [l.level, l.msg])).toEqual([
      [20, 'incoming request'],
      [20, 'request completed'],
    ]);
    expect(requestLines[0]!.req!.url).toBe('/-/healthy');
  });
});
