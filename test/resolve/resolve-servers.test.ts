import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces } from '../helpers/netns.js';
import { addressesOf, labSkipReason, ResolverLab, type ZoneControl } from '../helpers/resolver-lab.js';
import { describeOrSkip } from '../helpers/skip.js';

// Name servers and resolver options, compared with getent in a namespace of the test's
// own: the order of the servers and glibc's limit of three, what makes a server hand over to
// the next, timeout and attempts, rotate, no-aaaa, edns0 and use-vc, a server nobody
// listens on; then nsswitch.conf with nss-myhostname, and files edited while running.

const skip = labSkipReason(['myhostname']);

const SERVERS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const ZONE: ZoneControl = {
  listen: SERVERS,
  zones: {
    '*': {
      'a.test': { A: ['192.0.2.1'] },
      'fourth.test': { stall: true },
      // Answered 3 s late: a second away from the end of each 2 s try.
      'late.test': { A: ['192.0.2.5'], delayMs: 3000 },
      'dropped.test': { A: ['192.0.2.7'], dropFirst: 1 },
      'dual.test': { A: ['192.0.2.8'], AAAA: ['2001:db8::8'] },
      'big.test': { A: Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`) },
    },
    '127.0.0.1': {
      'b.test': { rcode: 'SERVFAIL' },
      'c.test': { stall: true },
      'd.test': { rcode: 'REFUSED' },
      'e.test': { rcode: 'NXDOMAIN' },
    },
    '127.0.0.2': {
      'a.test': { A: ['192.0.2.2'] },
      'b.test': { A: ['192.0.2.2'] },
      'c.test': { A: ['192.0.2.2'] },
      'd.test': { A: ['192.0.2.2'] },
      'e.test': { A: ['192.0.2.2'] },
    },
    '127.0.0.4': { 'fourth.test': { A: ['192.0.2.4'] } },
  },
};

describeOrSkip(skip, 'name servers and options', () => {
  const spaces = new Namespaces();
  let lab: ResolverLab;
  const files = (options: string, servers = SERVERS): { resolv: string } => ({
    resolv: `${servers.map((s) => `nameserver ${s}\n`).join('')}options ${options}\n`,
  });

  beforeAll(async () => {
    await spaces.prepare(async () => {
      lab = new ResolverLab(spaces, files('timeout:1 attempts:2'));
      await lab.startZone(ZONE);
    });
  }, 30_000);
  afterAll(() => {
    lab?.stop();
    spaces.cleanup();
  });

  /** Resolves `names` with getent and portwatch under `options`; both must agree. */
  async function same(options: string, names: string[], servers?: string[]): Promise<Record<string, string[]>> {
    lab.setFiles(files(options, servers));
    lab.clearLog();
    const glibc = await lab.getent(names);
    const glibcAsked = lab.asked();
    lab.clearLog();
    const ours = await lab.ours(names);
    expect(Object.fromEntries(names.map((n) => [n, addressesOf(ours[n]!)]))).toEqual(glibc);
    if (!options.includes('rotate')) expect(lab.asked()).toEqual(glibcAsked);
    return glibc;
  }

  it('asks the servers in order, the next one after SERVFAIL, REFUSED or no answer, never a fourth', async () => {
    const got = await same('timeout:1 attempts:1', ['a.test', 'b.test', 'c.test', 'd.test', 'e.test', 'fourth.test']);
    // NXDOMAIN is an answer: the second server, which knows e.test, is not asked.
    expect(got).toEqual({
      'a.test': ['192.0.2.1'],
      'b.test': ['192.0.2.2'],
      'c.test': ['192.0.2.2'],
      'd.test': ['192.0.2.2'],
      'e.test': [],
      'fourth.test': [],
    });
  }, 60_000);

  it.each([
    ['timeout:2 attempts:1', { 'late.test': [], 'dropped.test': [] }],
    // The late answer to the first try still counts when it comes during the second.
    ['timeout:2 attempts:2', { 'late.test': ['192.0.2.5'], 'dropped.test': ['192.0.2.7'] }],
    ['timeout:4 attempts:1', { 'late.test': ['192.0.2.5'] }],
  ])(
    'waits and tries again as options %s say',
    async (options, expected) => {
      // One server: with several, each would take its turn between the tries.
      const got = await same(options, Object.keys(expected), ['127.0.0.1']);
      expect(got).toEqual(expected);
    },
    60_000,
  );

  it('starts at a different server for each lookup with rotate', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `r${i}.test`);
    lab.setZone({
      ...ZONE,
      zones: {
        ...ZONE.zones,
        '*': { ...ZONE.zones['*'], ...Object.fromEntries(names.map((n) => [n, { A: ['192.0.2.50'] }])) },
      },
    });
    try {
      const got = await same('rotate timeout:1 attempts:1', names, SERVERS.slice(0, 3));
      expect(new Set(Object.values(got).flat())).toEqual(new Set(['192.0.2.50']));
      const firstAsked = (): Set<string> => new Set(lab.asked().map((l) => l.asked[0]!.split(' ')[0]!));
      expect(firstAsked()).toEqual(new Set(SERVERS.slice(0, 3)));
      lab.setFiles(files('timeout:1 attempts:1', SERVERS.slice(0, 3)));
      lab.clearLog();
      await lab.ours(names);
      expect(firstAsked()).toEqual(new Set(['127.0.0.1']));
    } finally {
      lab.setZone(ZONE);
    }
  }, 60_000);

  it('asks no AAAA with no-aaaa, takes a large answer over UDP with edns0, asks over TCP with use-vc', async () => {
    expect(await same('no-aaaa timeout:1', ['dual.test'])).toEqual({ 'dual.test': ['192.0.2.8'] });
    expect(lab.asked()[0]!.asked).toEqual(['127.0.0.1 dual.test']);
    for (const [options, transports] of [
      ['timeout:1', ['udp', 'tcp']],
      ['edns0 timeout:1', ['udp']],
      ['use-vc timeout:1', ['tcp']],
    ] as const) {
      const got = await same(options, ['big.test']);
      expect(got['big.test']).toHaveLength(40);
      expect(lab.transports('big.test'), options).toEqual(transports);
    }
  }, 60_000);

  it('fails at once when no server listens (ICMP port unreachable), as getaddrinfo does', async () => {
    const started = performance.now();
    const got = await same('timeout:5 attempts:2', ['a.test'], ['127.0.0.9']);
    expect(got).toEqual({ 'a.test': [] });
    expect(performance.now() - started).toBeLessThan(5000);
  }, 60_000);
});

describeOrSkip(skip, 'nsswitch.conf and files that change', () => {
  const spaces = new Namespaces();
  let lab: ResolverLab;
  const RESOLV = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

  beforeAll(async () => {
    await spaces.prepare(async () => {
      lab = new ResolverLab(spaces, { resolv: RESOLV });
      await lab.startZone({
        listen: ['127.0.0.1'],
        zones: {
          '*': {
            'dnsknown.localhost': { A: ['192.0.2.66'] },
            'web.test': { A: ['192.0.2.1'] },
            'web.one.test': { A: ['192.0.2.11'] },
            'web.two.test': { A: ['192.0.2.12'] },
          },
        },
      });
    });
  }, 30_000);
  afterAll(() => {
    lab?.stop();
    spaces.cleanup();
  });

  it.each([
    // nss-myhostname after dns answers what DNS does not know: the localhost names.
    [
      'files dns myhostname',
      { 'foo.localhost': ['127.0.0.1', '::1'], 'dnsknown.localhost': ['192.0.2.66'], 'web.test': ['192.0.2.1'] },
    ],
    // [NOTFOUND=return] after dns: DNS's "no such name" is the answer.
    ['files dns [NOTFOUND=return] myhostname', { 'foo.localhost': [], 'dnsknown.localhost': ['192.0.2.66'] }],
    // Before dns, nss-myhostname answers its names first, whatever DNS would say.
    [
      'files myhostname dns',
      { 'foo.localhost': ['127.0.0.1', '::1'], 'dnsknown.localhost': ['127.0.0.1', '::1'], 'web.test': ['192.0.2.1'] },
    ],
    // No hosts line at all: glibc asks files, then dns.
    ['', { 'in-hosts': ['192.0.2.40'], 'web.test': ['192.0.2.1'] }],
  ])(
    'hosts: %s',
    async (line, expected) => {
      lab.setFiles({
        resolv: RESOLV,
        hosts: '127.0.0.1 localhost\n192.0.2.40 in-hosts\n',
        nsswitch: line === '' ? '# no hosts line\n' : `hosts: ${line}\n`,
      });
      const names = Object.keys(expected);
      const glibc = await lab.getent(names);
      const ours = await lab.ours(names);
      expect(glibc).toEqual(expected);
      expect(Object.fromEntries(names.map((n) => [n, addressesOf(ours[n]!)]))).toEqual(expected);
    },
    60_000,
  );

  it('asks getaddrinfo for a name DNS does not know when another source follows dns', async () => {
    lab.setFiles({ resolv: RESOLV, nsswitch: 'hosts: files dns myhostname\n' });
    // portwatch is told of a source it knows nothing about (ldap); getaddrinfo, asked then, reads myhostname.
    const ours = await lab.ours(['foo.localhost', 'web.test'], { hostsLine: 'hosts: files dns ldap' });
    expect(await lab.getent(['foo.localhost'])).toEqual({ 'foo.localhost': ['127.0.0.1', '::1'] });
    expect(ours).toEqual({
      'foo.localhost': { addresses: ['127.0.0.1', '::1'] },
      'web.test': { addresses: ['192.0.2.1'] },
    });
    const without = await lab.ours(['foo.localhost'], { hostsLine: 'hosts: files dns' });
    expect(without['foo.localhost']).toEqual({
      reason: 'dns-failure',
      message: 'cannot resolve foo.localhost: ENOTFOUND',
    });
  }, 30_000);

  it('reads resolv.conf and hosts again when they change, within seconds, without a restart', async () => {
    lab.setFiles({ resolv: `search one.test\n${RESOLV}`, hosts: '127.0.0.1 localhost\n' });
    // One process: a lookup, the files rewritten in place, the same lookups again after the re-check interval.
    const run = lab.oursInTurn(['web', 'moved', { pauseMs: 7000 }, 'web', 'moved']);
    await new Promise((r) => setTimeout(r, 2500));
    lab.setFiles({ resolv: `search two.test\n${RESOLV}`, hosts: '127.0.0.1 localhost\n192.0.2.44 moved\n' });
    // web.one.test has a TTL of 60 s: only a re-read search list takes web to web.two.test.
    expect(await run).toEqual([
      { addresses: ['192.0.2.11'] },
      { reason: 'dns-failure', message: 'cannot resolve moved: ENOTFOUND' },
      { addresses: ['192.0.2.12'] },
      { addresses: ['192.0.2.44'] },
    ]);
  }, 60_000);
});
