import { describe, expect, it } from 'vitest';
import { Resolver, type Query } from '../../src/probe/resolve.js';

// The DNS path of the resolver with a fake query function: no packet leaves (see
// resolver.test.ts for the real one inside a namespace).
function fakeDns(table: Record<string, { A?: string[] | string; AAAA?: string[] | string; ttl?: number }>): { query: Query; calls: string[] } {
  const calls: string[] = [];
  const query: Query = async (host, type) => {
    calls.push(`${host} ${type}`);
    await new Promise((r) => setImmediate(r));
    const entry = table[host];
    const answer = entry?.[type] ?? (entry ? 'ENODATA' : 'ENOTFOUND');
    if (typeof answer === 'string') throw Object.assign(new Error(answer), { code: answer });
    return answer.map((address) => ({ address, ttl: entry?.ttl ?? 60 }));
  };
  return { query, calls };
}

const dnsOnly = { useLookup: () => false };

describe('Resolver over DNS', () => {
  it('asks A and AAAA, keeps each answer for its TTL (at least 1 s), and asks again after', async () => {
    let now = 0;
    const { query, calls } = fakeDns({ 'a.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'], ttl: 2 }, 'z.test': { A: ['192.0.2.2'], ttl: 0 } });
    const r = new Resolver({ query, now: () => now, ...dnsOnly });
    expect(await r.resolve('a.test')).toEqual({ addresses: ['192.0.2.1', '2001:db8::1'] });
    now = 1999;
    await r.resolve('a.test');
    expect(calls).toEqual(['a.test A', 'a.test AAAA']);
    now = 2000;
    await r.resolve('a.test');
    expect(calls).toHaveLength(4);
    await r.resolve('z.test', { ipv4: true, ipv6: false });
    now = 2999;
    await r.resolve('z.test', { ipv4: true, ipv6: false });
    expect(calls.filter((c) => c.startsWith('z.test'))).toEqual(['z.test A']);
  });

  it('asks only for the families wanted', async () => {
    const { query, calls } = fakeDns({ 'a.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'] } });
    const r = new Resolver({ query, ...dnsOnly });
    expect(await r.resolve('a.test', { ipv4: false, ipv6: true })).toEqual({ addresses: ['2001:db8::1'] });
    expect(calls).toEqual(['a.test AAAA']);
  });

  it('fails the whole name when one family fails (no silently missing addresses), and caches no failure', async () => {
    const { query, calls } = fakeDns({ 'half.test': { A: ['192.0.2.1'], AAAA: 'ESERVFAIL' } });
    const r = new Resolver({ query, ...dnsOnly });
    expect(await r.resolve('half.test')).toEqual({ reason: 'dns-failure', message: 'cannot resolve half.test: ESERVFAIL' });
    await r.resolve('half.test');
    expect(calls.filter((c) => c.endsWith('AAAA'))).toHaveLength(2);
  });

  it('takes a missing AAAA as an answer, and a name with neither as no-address', async () => {
    const { query } = fakeDns({ 'v4.test': { A: ['192.0.2.1'] }, 'none.test': {} });
    const r = new Resolver({ query, ...dnsOnly });
    expect(await r.resolve('v4.test')).toEqual({ addresses: ['192.0.2.1'] });
    expect(await r.resolve('none.test')).toEqual({ reason: 'no-address', message: 'none.test has no IPv4 or IPv6 address' });
    expect(await r.resolve('gone.test')).toEqual({ reason: 'dns-failure', message: 'cannot resolve gone.test: ENOTFOUND' });
  });

  it('gives up on a query that never answers after the deadline', async () => {
    const r = new Resolver({ query: () => new Promise(() => undefined), deadlineMs: 50, ...dnsOnly });
    expect(await r.resolve('stall.test')).toEqual({ reason: 'dns-failure', message: 'cannot resolve stall.test: ETIMEOUT' });
  });

  it('sends names in /etc/hosts and single labels to getaddrinfo', async () => {
    const { query, calls } = fakeDns({});
    const r = new Resolver({ query, lookup: async (h) => [{ address: h === 'db1' ? '192.0.2.7' : '127.0.0.1', family: 4 }] });
    expect(await r.resolve('localhost')).toEqual({ addresses: ['127.0.0.1'] });
    expect(await r.resolve('db1')).toEqual({ addresses: ['192.0.2.7'] });
    expect(calls).toEqual([]);
  });
});
