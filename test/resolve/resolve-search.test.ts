import { afterAll, beforeAll, expect, it } from 'vitest';
import { Namespaces } from '../helpers/netns.js';
import { addressesOf, labSkipReason, ResolverLab, type ZoneControl, type ZoneEntry } from '../helpers/resolver-lab.js';
import { describeOrSkip } from '../helpers/skip.js';

// The search list as glibc walks it (resolv/res_query.c), compared with getent in a
// namespace of the test's own, names asked of zone-server.mjs. The first part is glibc's
// own test of search and default domains (resolv/tst-resolv-search.c), its zone and cases
// written out again here: the same names, SERVFAIL entries and large answers, with
// addresses of our own. Beyond the addresses, the names asked, in order, must be the ones
// glibc asks.

const skip = labSkipReason();

/** `count` addresses of each family for the name numbered `index`, as glibc's test makes them. */
function records(index: number, count: number): ZoneEntry {
  const A = Array.from({ length: count }, (_, i) => `198.18.${index}.${i % 256}`).map((a, i) =>
    i < 256 ? a : `198.19.${i >> 8}.${i % 256}`,
  );
  const AAAA = Array.from({ length: count }, (_, i) => `2001:db8:${index + 1}::${(i + 1).toString(16)}`);
  return { A, AAAA };
}

const GLIBC_ITEMS: Array<[string, number | 'SERVFAIL']> = [
  ['hostname.usersys.example.com', 1],
  ['hostname.corp.example.com', 1],
  ['hostname.example.com', 1],
  ['mail.corp.example.com', 1],
  ['mail.example.com', 1],
  ['file.corp.example.com', 2],
  ['file.corp', 1],
  ['file.example.com', 1],
  ['servfail-usersys.usersys.example.com', 'SERVFAIL'],
  ['servfail-usersys.corp.example.com', 1],
  ['servfail-usersys.example.com', 1],
  ['servfail-corp.usersys.example.com', 1],
  ['servfail-corp.corp.example.com', 'SERVFAIL'],
  ['servfail-corp.example.com', 1],
  ['www.example.com', 1],
  ['large.example.com', 200],
  ['large-servfail.usersys.example.com', 'SERVFAIL'],
  ['large-servfail.example.com', 2000],
];

const GLIBC_ZONE: Record<string, ZoneEntry> = {
  ...Object.fromEntries(
    GLIBC_ITEMS.map(([name, r], i) => [name, r === 'SERVFAIL' ? { rcode: 'SERVFAIL' } : records(i, r)]),
  ),
  // The search domains themselves exist, with no address.
  'example.com': { rcode: 'NOERROR' },
  'usersys.example.com': { rcode: 'NOERROR' },
  'corp.example.com': { rcode: 'NOERROR' },
};

/** The addresses glibc's test expects for a lookup that ends at `fqdn`. */
function expected(fqdn: string): string[] {
  const e = GLIBC_ZONE[fqdn]!;
  return [...(e.A ?? []), ...(e.AAAA ?? [])].sort();
}

describeOrSkip(skip, 'the search list, as glibc tests it', () => {
  const spaces = new Namespaces();
  let lab: ResolverLab;
  const control = (every?: ZoneEntry): ZoneControl => ({
    listen: ['127.0.0.1', '127.0.0.2'],
    zones: { '*': GLIBC_ZONE },
    ...(every === undefined ? {} : { every: { '127.0.0.1': every } }),
  });
  const resolv = (servers: string[]): string =>
    'search usersys.example.com corp.example.com example.com\n' +
    `${servers.map((s) => `nameserver ${s}\n`).join('')}options timeout:1 attempts:1\n`;

  beforeAll(async () => {
    await spaces.prepare(async () => {
      lab = new ResolverLab(spaces, { resolv: resolv(['127.0.0.1', '127.0.0.2']) });
      await lab.startZone(control());
    });
  }, 30_000);
  afterAll(() => {
    lab?.stop();
    spaces.cleanup();
  });

  async function compare(cases: Array<[string, string]>): Promise<void> {
    const names = cases.map(([n]) => n);
    lab.clearLog();
    const glibc = await lab.getent(names);
    const glibcAsked = lab.asked();
    lab.clearLog();
    const ours = await lab.ours(names);
    for (const [name, fqdn] of cases) {
      expect(glibc[name], `getent ${name}`).toEqual(expected(fqdn));
      expect(addressesOf(ours[name]!), name).toEqual(expected(fqdn));
    }
    expect(lab.asked()).toEqual(glibcAsked);
  }

  const CASES: Array<[string, string]> = [
    ['file', 'file.corp.example.com'],
    ['www', 'www.example.com'],
    ['servfail-usersys', 'servfail-usersys.corp.example.com'],
    ['servfail-corp', 'servfail-corp.usersys.example.com'],
    ['large', 'large.example.com'],
    ['large-servfail', 'large-servfail.example.com'],
    ['file.corp', 'file.corp'],
  ];
  // With the first server answering only SERVFAIL or REFUSED, the second gives the same answers.
  const OVERRIDDEN: Array<[string, string]> = [
    ['hostname', 'hostname.usersys.example.com'],
    ['large', 'large.example.com'],
    ['large-servfail', 'large-servfail.example.com'],
    ['mail', 'mail.corp.example.com'],
    ['file.corp', 'file.corp'],
  ];

  it('finds each name where glibc does, asking the same names in the same order', async () => {
    await compare(CASES);
  }, 60_000);

  it.each([['SERVFAIL'], ['REFUSED']] as const)(
    'goes on to the second server when the first answers only %s',
    async (rcode) => {
      lab.setZone(control({ rcode }));
      try {
        await compare(OVERRIDDEN);
      } finally {
        lab.setZone(control());
      }
    },
    60_000,
  );

  it('passes over a first server that cannot be connected to', async () => {
    lab.setFiles({ resolv: resolv(['255.255.255.255', '127.0.0.1']) });
    try {
      await compare(CASES);
    } finally {
      lab.setFiles({ resolv: resolv(['127.0.0.1', '127.0.0.2']) });
    }
  }, 60_000);
});

// How each kind of answer for a search domain moves the search on or ends it.
describeOrSkip(skip, 'answers that move the search on or end it', () => {
  const spaces = new Namespaces();
  let lab: ResolverLab;
  const ZONE: Record<string, ZoneEntry> = {
    'x.bad.test': { rcode: 'SERVFAIL' },
    'x.good.test': { A: ['192.0.2.30'] },
    'y.bad.test': { rcode: 'SERVFAIL' },
    'y.slow.test': { stall: true },
    'y.good.test': { A: ['192.0.2.31'] },
    y: { A: ['192.0.2.99'] },
    'z.refused.test': { rcode: 'REFUSED' },
    'z.good.test': { A: ['192.0.2.32'] },
    'n.bad.test': { rcode: 'NOERROR' },
    'n.good.test': { A: ['192.0.2.33'], AAAA: ['2001:db8::33'] },
    'c.bad.test': { CNAME: 'nowhere.test' },
    'nowhere.test': { rcode: 'NOERROR' },
    'c.good.test': { A: ['192.0.2.35'] },
    'x.one.test': { A: ['192.0.2.1'] },
    'x.two.test': { A: ['192.0.2.2'] },
    'x.three.test': { A: ['192.0.2.3'] },
    x: { A: ['192.0.2.9'] },
    'two.label': { A: ['192.0.2.10'] },
    'two.label.one.test': { A: ['192.0.2.11'] },
  };
  const FAILING =
    'search bad.test slow.test refused.test good.test\nnameserver 127.0.0.1\noptions ndots:2 timeout:1 attempts:1\n';

  beforeAll(async () => {
    await spaces.prepare(async () => {
      lab = new ResolverLab(spaces, { resolv: FAILING });
      await lab.startZone({ listen: ['127.0.0.1'], zones: { '*': ZONE } });
    });
  }, 30_000);
  afterAll(() => {
    lab?.stop();
    spaces.cleanup();
  });

  async function same(names: string[], env: Record<string, string> = {}): Promise<Record<string, string[]>> {
    lab.clearLog();
    const glibc = await lab.getent(names, { env });
    const glibcAsked = lab.asked();
    lab.clearLog();
    const ours = await lab.ours(names, { env });
    expect(Object.fromEntries(names.map((n) => [n, addressesOf(ours[n]!)]))).toEqual(glibc);
    expect(lab.asked()).toEqual(glibcAsked);
    return glibc;
  }

  it('goes on after SERVFAIL and NODATA; a timeout or REFUSED ends the list, then the name is asked', async () => {
    const got = await same(['x', 'y', 'z', 'n', 'c', 'nobody']);
    expect(got).toEqual({
      x: ['192.0.2.30'],
      y: ['192.0.2.99'],
      z: [],
      n: ['192.0.2.33', '2001:db8::33'],
      c: [],
      nobody: [],
    });
  }, 60_000);

  it.each<[string, string, Record<string, string>, string[]]>([
    ['the last of search and domain wins (domain)', 'search one.test\ndomain two.test\n', {}, ['192.0.2.2']],
    ['the last of search and domain wins (search)', 'domain two.test\nsearch one.test three.test\n', {}, ['192.0.2.1']],
    ['LOCALDOMAIN replaces both', 'search one.test\n', { LOCALDOMAIN: 'three.test one.test' }, ['192.0.2.3']],
    ['an empty LOCALDOMAIN leaves only the name', 'search one.test\n', { LOCALDOMAIN: '' }, ['192.0.2.9']],
    [
      'RES_OPTIONS adds to the options: ndots:0 asks the name first',
      'search one.test\n',
      { RES_OPTIONS: 'ndots:0' },
      ['192.0.2.9'],
    ],
    ['a search list with the root in it', 'search . one.test\n', {}, ['192.0.2.9']],
    ['no-tld-query never asks a single label as it is', 'search bad.test\noptions no-tld-query\n', {}, []],
  ])(
    '%s',
    async (_, search, env, x) => {
      lab.setFiles({ resolv: `${search}nameserver 127.0.0.1\noptions timeout:1 attempts:1\n` });
      try {
        expect((await same(['x', 'two.label'], env))['x']).toEqual(x);
      } finally {
        lab.setFiles({ resolv: FAILING });
      }
    },
    30_000,
  );
});
