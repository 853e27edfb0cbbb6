import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resolver } from '../../src/resolve/resolve.js';
import { startLoopbackZone, type LoopbackZone } from '../helpers/resolver-lab.js';

// The DNS path of the resolver in this process against a DNS server of the test's own on
// loopback (zone-server.mjs). The Resolver is told that server is its only one and DNS its
// only source, so nothing here asks the machine's resolver; resolution as a whole, against
// glibc, is tested inside namespaces (test/resolve/resolve-*.test.ts).

describe('Resolver over DNS', () => {
  let zone: LoopbackZone;
  /** Queries of `name`, of one type or of both. */
  const count = (name: string, type?: 'A' | 'AAAA'): number =>
    zone.queries().filter((q) => (type === undefined ? q.startsWith(`${name} `) : q === `${name} ${type}`)).length;
  const resolver = (opts: { now?: () => number; options?: string } = {}): Resolver => {
    const view = zone.view(opts.options);
    return new Resolver({ system: { current: () => view }, ...(opts.now ? { now: opts.now } : {}) });
  };

  beforeAll(async () => {
    zone = await startLoopbackZone({
      'a.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'], ttl: 2 },
      'z.test': { A: ['192.0.2.2'], ttl: 0 },
      'v4.test': { A: ['192.0.2.1'] },
      'none.test': { rcode: 'NOERROR' },
      'half.test': { A: ['192.0.2.1'], types: { AAAA: { rcode: 'SERVFAIL' } } },
      'slow6.test': { A: ['192.0.2.1'], types: { AAAA: { stall: true } } },
      'stall.test': { stall: true },
      'alias.test': { CNAME: 'target.test', ttl: 3 },
      'target.test': { A: ['192.0.2.5'], ttl: 100 },
      'many.test': { A: Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`) },
      'shared.test': { A: ['192.0.2.9'], delayMs: 100 },
    });
  });
  afterAll(() => zone.stop());

  it('asks A and AAAA, keeps the answer for its TTL (at least 1 s), and asks again after', async () => {
    let now = 0;
    const r = resolver({ now: () => now });
    expect(await r.resolve('a.test')).toEqual({ addresses: ['192.0.2.1', '2001:db8::1'] });
    now = 1999;
    await r.resolve('a.test');
    expect(count('a.test')).toBe(2);
    now = 2000;
    await r.resolve('a.test');
    expect(count('a.test')).toBe(4);
    await r.resolve('z.test', { ipv4: true, ipv6: false });
    now = 2999;
    await r.resolve('z.test', { ipv4: true, ipv6: false });
    expect(count('z.test')).toBe(1);
  });

  it('keeps a CNAME chain for the lowest TTL along it', async () => {
    let now = 0;
    const r = resolver({ now: () => now });
    expect(await r.resolve('alias.test', { ipv4: true, ipv6: false })).toEqual({ addresses: ['192.0.2.5'] });
    now = 2999;
    await r.resolve('alias.test', { ipv4: true, ipv6: false });
    expect(count('alias.test')).toBe(1);
    now = 3000;
    await r.resolve('alias.test', { ipv4: true, ipv6: false });
    expect(count('alias.test')).toBe(2);
  });

  it('asks only for the families wanted, and for no AAAA with options no-aaaa', async () => {
    expect(await resolver().resolve('v4.test', { ipv4: false, ipv6: true })).toEqual({
      reason: 'no-address',
      message: 'v4.test has no IPv6 address (ENODATA)',
    });
    expect([count('v4.test', 'A'), count('v4.test', 'AAAA')]).toEqual([0, 1]);
    expect(await resolver({ options: 'options timeout:1 attempts:1 no-aaaa' }).resolve('a.test')).toEqual({
      addresses: ['192.0.2.1'],
    });
    expect(count('a.test', 'AAAA')).toBe(count('a.test', 'A') - 1);
  });

  it('fails the whole name when one family fails (no silently missing addresses), and caches no failure', async () => {
    const r = resolver();
    expect(await r.resolve('half.test')).toEqual({
      reason: 'dns-failure',
      message: 'cannot resolve half.test: ESERVFAIL',
    });
    await r.resolve('half.test');
    expect(count('half.test', 'AAAA')).toBe(2);
    const started = performance.now();
    expect(await r.resolve('slow6.test')).toEqual({
      reason: 'dns-failure',
      message: 'cannot resolve slow6.test: ETIMEOUT',
    });
    // timeout:1, one server: the wait for AAAA ends after 1 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('takes NODATA as an answer for one family, as no-address for both; NXDOMAIN fails, never cached', async () => {
    const r = resolver();
    expect(await r.resolve('v4.test')).toEqual({ addresses: ['192.0.2.1'] });
    expect(await r.resolve('none.test')).toEqual({
      reason: 'no-address',
      message: 'none.test has no IPv4 or IPv6 address (ENODATA)',
    });
    expect(await r.resolve('gone.test')).toEqual({
      reason: 'dns-failure',
      message: 'cannot resolve gone.test: ENOTFOUND',
    });
    await r.resolve('gone.test');
    expect(count('gone.test', 'A')).toBe(2);
  });

  it('gives up on a server that never answers after timeout x attempts', async () => {
    const started = performance.now();
    expect(await resolver({ options: 'options timeout:1 attempts:2' }).resolve('stall.test')).toEqual({
      reason: 'dns-failure',
      message: 'cannot resolve stall.test: ETIMEOUT',
    });
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(1.99);
    expect(count('stall.test', 'A')).toBe(2);
  });

  it('asks again over TCP when the answer does not fit in 512 bytes', async () => {
    const got = await resolver().resolve('many.test', { ipv4: true, ipv6: false });
    expect('addresses' in got && got.addresses.length).toBe(60);
    expect(zone.log().filter((l) => l.endsWith('many.test A'))).toEqual(['udp many.test A', 'tcp many.test A']);
  });

  it('shares one lookup between many concurrent callers', async () => {
    const r = resolver();
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => r.resolve(i % 2 ? 'shared.test' : 'SHARED.TEST')),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ addresses: ['192.0.2.9'] })]),
    );
    expect(count('shared.test')).toBe(2);
  });
});
