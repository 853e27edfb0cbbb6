import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLoopbackZone } from '../helpers/resolver-lab.js';
import { hostSources } from '../../src/resolve/nsswitch.js';
import { parseResolvConf } from '../../src/resolve/resolv-conf.js';
import { resolveHost, Resolver, type Lookup } from '../../src/resolve/resolve.js';
import type { SystemView } from '../../src/resolve/system-files.js';
import { itOrSkip } from '../helpers/skip.js';

// Only names /etc/hosts answers are looked up for real here: in the root namespace a DNS
// query would leave the machine. Other names are given a system view of the test's own:
// the names in its "hosts" go to the fake getaddrinfo, others to a name server on a
// loopback port where nothing listens. Real resolution is tested inside namespaces
// (resolve-pod.test.ts and the others of resolve-*.test.ts).

/** A system whose /etc/hosts lists `names` (so getaddrinfo answers them) and whose DNS refuses at once. */
function systemListing(...names: string[]): { current(): SystemView } {
  const resolv = {
    ...parseResolvConf({ text: 'options timeout:1 attempts:1\n', hostname: 'test' }),
    nameservers: [{ address: '127.0.0.1', port: 9 }],
  };
  const view: SystemView = {
    resolv,
    hostsNames: new Set(names),
    sources: hostSources('hosts: files dns'),
    hostname: 'test',
  };
  return { current: () => view };
}

/** A lookup that answers from a table after a tick, ignoring case as DNS does, counting calls. */
function fakeLookup(table: Record<string, string[] | Error>): { lookup: Lookup; calls: string[] } {
  const calls: string[] = [];
  const lookup: Lookup = async (host) => {
    calls.push(host);
    await new Promise((resolve) => setImmediate(resolve));
    const answer =
      table[host.toLowerCase()] ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return answer.map((address) => ({ address, family: net.isIP(address) }));
  };
  return { lookup, calls };
}

/** The addresses /etc/hosts gives a name, IPv4 first, each family in file order. */
function etcHostsAddresses(name: string): string[] {
  const found = new Set<string>();
  for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address !== undefined && names.includes(name)) found.add(address);
  }
  return [...[...found].filter((a) => net.isIPv4(a)), ...[...found].filter((a) => !net.isIPv4(a))];
}

describe('resolveHost', () => {
  const localhost = etcHostsAddresses('localhost');

  itOrSkip(
    localhost.length === 0 ? '/etc/hosts has no localhost' : undefined,
    'gives localhost the addresses /etc/hosts has',
    async () => {
      expect(await resolveHost('localhost')).toEqual({ addresses: localhost });
    },
  );

  it('returns IP literals as they are, without a lookup', async () => {
    const { lookup, calls } = fakeLookup({});
    const resolver = new Resolver({ lookup, system: systemListing() });
    for (const ip of ['192.0.2.1', '::1', '2001:DB8::1', 'fe80::1%lo'])
      expect(await resolver.resolve(ip)).toEqual({ addresses: [ip] });
    expect(calls).toEqual([]);
  });

  it('asks nobody about a mistyped address: a last label of digits is no host name', async () => {
    const { lookup, calls } = fakeLookup({});
    const zone = await startLoopbackZone({ 'node1.example': { rcode: 'NOERROR' } });
    try {
      const view = zone.view();
      const resolver = new Resolver({ lookup, system: { current: () => view } });
      for (const host of ['198.51.100.999', '127.20.0.256', '0198.51.100.1', '198.51.100', '12345', 'node.1.']) {
        expect(await resolver.resolve(host)).toEqual({
          reason: 'no-address',
          message: `${host} is neither an IP address nor a host name`,
        });
      }
      expect([...calls, ...zone.queries()]).toEqual([]);
      expect(await resolver.resolve('node1.example')).toEqual({
        reason: 'no-address',
        message: 'node1.example has no IPv4 or IPv6 address (ENODATA)',
      });
      expect(zone.queries()).toEqual(['node1.example A', 'node1.example AAAA']);
    } finally {
      zone.stop();
    }
  });
});

describe('Resolver', () => {
  it('lists every address once, IPv4 first, otherwise in the order given', async () => {
    const { lookup } = fakeLookup({ multi: ['2001:db8::2', '192.0.2.2', '2001:db8::1', '192.0.2.1', '192.0.2.2'] });
    expect(await new Resolver({ lookup, system: systemListing('multi') }).resolve('multi')).toEqual({
      addresses: ['192.0.2.2', '192.0.2.1', '2001:db8::2', '2001:db8::1'],
    });
  });

  it('looks a name up once for many concurrent callers, then serves it from cache until the TTL', async () => {
    let now = 0;
    const { lookup, calls } = fakeLookup({ 'a.test': ['192.0.2.1'] });
    const resolver = new Resolver({ lookup, ttlMs: 30_000, now: () => now, system: systemListing('a.test') });
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => resolver.resolve(i % 2 ? 'a.test' : 'A.TEST')),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ addresses: ['192.0.2.1'] })]),
    );
    now = 29_999;
    await resolver.resolve('a.test');
    expect(calls).toHaveLength(1);
    now = 30_000;
    await resolver.resolve('a.test');
    expect(calls).toHaveLength(2);
  });

  it('hands out copies, so one caller cannot change what another sees', async () => {
    const { lookup } = fakeLookup({ 'a.test': ['192.0.2.1'] });
    const resolver = new Resolver({ lookup, system: systemListing('a.test') });
    const first = await resolver.resolve('a.test');
    if ('addresses' in first) first.addresses.push('192.0.2.66');
    expect(await resolver.resolve('a.test')).toEqual({ addresses: ['192.0.2.1'] });
  });

  it('answers an IP literal with itself, in an answer no caller can change', async () => {
    const resolver = new Resolver({ lookup: () => Promise.resolve([]), system: systemListing() });
    const first = await resolver.resolve('192.0.2.1');
    expect(first).toEqual({ addresses: ['192.0.2.1'] });
    expect(() => {
      if ('addresses' in first) first.addresses.push('192.0.2.66');
    }).toThrow(TypeError);
    expect(await resolver.resolve('192.0.2.1')).toEqual({ addresses: ['192.0.2.1'] });
  });

  it('does not cache failures: the next check asks again', async () => {
    const { lookup, calls } = fakeLookup({});
    const resolver = new Resolver({ lookup, system: systemListing('gone.test') });
    expect(await resolver.resolve('gone.test')).toEqual({
      reason: 'dns-failure',
      message: 'cannot resolve gone.test: ENOTFOUND',
    });
    await resolver.resolve('gone.test');
    expect(calls).toEqual(['gone.test', 'gone.test']);
  });

  it.each<[string, string[] | Error, object]>([
    ['no records', [], { reason: 'no-address', message: 'empty.test has no IPv4 or IPv6 address' }],
    [
      'ENODATA',
      Object.assign(new Error('x'), { code: 'ENODATA' }),
      { reason: 'no-address', message: 'empty.test has no IPv4 or IPv6 address (ENODATA)' },
    ],
    [
      'EAI_AGAIN',
      Object.assign(new Error('x'), { code: 'EAI_AGAIN' }),
      { reason: 'dns-failure', message: 'cannot resolve empty.test: EAI_AGAIN' },
    ],
    [
      'an error without code',
      new Error('boom'),
      { reason: 'dns-failure', message: 'cannot resolve empty.test: Error: boom' },
    ],
  ])('reports %s as a result, never an exception', async (_, answer, expected) => {
    const { lookup } = fakeLookup({ 'empty.test': answer });
    expect(await new Resolver({ lookup, system: systemListing('empty.test') }).resolve('empty.test')).toEqual(expected);
  });

  it('survives a lookup that throws synchronously', async () => {
    const resolver = new Resolver({
      lookup: () => {
        throw new TypeError('bad');
      },
      system: systemListing('x.test'),
    });
    expect(await resolver.resolve('x.test')).toEqual({
      reason: 'dns-failure',
      message: 'cannot resolve x.test: TypeError: bad',
    });
  });
});
