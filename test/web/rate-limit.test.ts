import { describe, expect, it } from 'vitest';
import { RequestRateLimit } from '../../src/web/rate-limit.js';
import { parseWebConfig } from '../../src/web/config.js';
import { WebServing } from '../../src/web/serving.js';
import { serve } from '../http/server-fixture.js';

// rate_limit as golang.org/x/time/rate applies it for exporter-toolkit. The arithmetic runs
// on a clock the test moves; the server test only counts answers.
describe('rate_limit', () => {
  it('starts with a full burst, regains one request per interval, never more than the burst', () => {
    let now = 0;
    const limit = new RequestRateLimit({ intervalMs: 1000, burst: 3 }, () => now);
    expect([limit.allow(), limit.allow(), limit.allow(), limit.allow()]).toEqual([true, true, true, false]);
    now = 999;
    expect(limit.allow()).toBe(false);
    now = 1000;
    expect([limit.allow(), limit.allow()]).toEqual([true, false]);
    now = 60_000;
    expect([limit.allow(), limit.allow(), limit.allow(), limit.allow()]).toEqual([true, true, true, false]);
  });

  it('a refused request takes nothing: the next token comes an interval after the last one taken', () => {
    let now = 0;
    const limit = new RequestRateLimit({ intervalMs: 100, burst: 1 }, () => now);
    expect(limit.allow()).toBe(true);
    for (now = 10; now < 100; now += 10) expect(limit.allow()).toBe(false);
    now = 100;
    expect(limit.allow()).toBe(true);
  });

  it('a burst below 1 lets nothing through, as in Go', () => {
    const limit = new RequestRateLimit({ intervalMs: 1, burst: 0 }, () => 1e9);
    expect(limit.allow()).toBe(false);
    expect(new RequestRateLimit({ intervalMs: 1, burst: -1 }, () => 1e9).allow()).toBe(false);
  });

  it('counts every request, open routes and wrong credentials included: 429 beyond the burst', async () => {
    const yaml = [
      'rate_limit:\n  interval: 1h\n  burst: 3\n',
      'http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n',
      'basic_auth_users:\n  a: $2b$04$abcdefghijklmnopqrstuuPoPUxmOfPUfmWpLpZ4fb9MHNN2wYYce\n',
    ].join('');
    const { base } = await serve({ web: new WebServing(await parseWebConfig(yaml, 'web.yml', '/')) });
    const statuses: number[] = [];
    for (const path of ['/-/healthy', '/metrics', '/-/healthy', '/-/healthy', '/metrics']) {
      const res = await fetch(`${base}${path}`);
      await res.arrayBuffer();
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(statuses).toEqual([200, 401, 200, 429, 429]);
  });

  it('a reload with other settings starts a new bucket; the same settings keep the old one', async () => {
    const config = (burst: number) => parseWebConfig(`rate_limit:\n  interval: 1h\n  burst: ${burst}\n`, 'w.yml', '/');
    const web = new WebServing(await config(1));
    const { base } = await serve({ web });
    const status = async () => {
      const res = await fetch(`${base}/-/healthy`);
      await res.arrayBuffer();
      return res.status;
    };
    expect([await status(), await status()]).toEqual([200, 429]);
    web.apply(await config(1));
    expect(await status()).toBe(429);
    web.apply(await config(2));
    expect([await status(), await status(), await status()]).toEqual([200, 200, 429]);
  });
});
