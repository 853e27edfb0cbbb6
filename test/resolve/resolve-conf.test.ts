import { describe, expect, it } from 'vitest';
import { hostSources, sourceClaims } from '../../src/resolve/nsswitch.js';
import { inetAton, parseResolvConf, type ResolvConf, type ResolvInputs } from '../../src/resolve/resolv-conf.js';
import { hostsFileNames } from '../../src/resolve/system-files.js';

// resolv.conf, nsswitch.conf and hosts read as glibc reads them. The resolv.conf cases are
// those of glibc's own test of res_init (resolv/tst-resolv-res_init-skeleton.c), written
// again here against portwatch's parser with the results that test expects; the files'
// effect on real lookups is compared with getent in resolve-search and resolve-servers.

const DEFAULTS: ResolvConf = {
  nameservers: [{ address: '127.0.0.1', port: 53 }],
  search: [],
  ndots: 1,
  timeoutSec: 5,
  attempts: 2,
  rotate: false,
  noTldQuery: false,
  edns0: false,
  useVc: false,
  noAaaa: false,
};

const ns = (...addresses: string[]): ResolvConf['nameservers'] => addresses.map((address) => ({ address, port: 53 }));

function conf(text: string | undefined, more: Partial<ResolvInputs> = {}): ResolvConf {
  return parseResolvConf({ text, hostname: 'host.example.com', ...more });
}

describe('parseResolvConf, as glibc tests res_init', () => {
  it.each<[string, string | undefined, Partial<ResolvInputs>, Partial<ResolvConf>]>([
    ['no file: the local server, the search domain from the host name', undefined, {}, { search: ['example.com'] }],
    ['empty file', '', {}, { search: ['example.com'] }],
    ['a host name without a dot gives no search domain', '', { hostname: 'example' }, { search: [] }],
    [
      'basic',
      'search corp.example.com example.com\nnameserver 192.0.2.1\n',
      {},
      { search: ['corp.example.com', 'example.com'], nameservers: ns('192.0.2.1') },
    ],
    [
      'no-reload is accepted and changes nothing here',
      'options no-reload\nsearch corp.example.com example.com\nnameserver 192.0.2.1\n',
      {},
      { search: ['corp.example.com', 'example.com'], nameservers: ns('192.0.2.1') },
    ],
    [
      'comments, blank lines, trailing blanks, no newline at the end',
      '# comment (trailing whitespace,\n# missing newline at end of file).\n\n;search commented out\n' +
        'search corp.example.com\texample.com \n#nameserver 192.0.2.3\nnameserver 192.0.2.1 \n' +
        'nameserver 192.0.2.2',
      {},
      { search: ['corp.example.com', 'example.com'], nameservers: ns('192.0.2.1', '192.0.2.2') },
    ],
    [
      'domain',
      'domain example.net\nnameserver 192.0.2.1\n',
      {},
      { search: ['example.net'], nameservers: ns('192.0.2.1') },
    ],
    [
      'domain with a trailing space',
      'domain example.net \nnameserver 192.0.2.1\n',
      {},
      { search: ['example.net'], nameservers: ns('192.0.2.1') },
    ],
    [
      'domain with a trailing tab',
      'domain example.net\t\nnameserver 192.0.2.1\n',
      {},
      { search: ['example.net'], nameservers: ns('192.0.2.1') },
    ],
    [
      'domain after search replaces it',
      'search example.com example.org\nnameserver 192.0.2.1\ndomain example.net',
      {},
      { search: ['example.net'], nameservers: ns('192.0.2.1') },
    ],
    [
      'option values, multiple servers',
      'options\tinet6\tndots:3 edns0\tattempts:5\ttimeout:19\ndomain  example.net\n;domain comment\n' +
        'search corp.example.com\texample.com\nnameserver 192.0.2.1\nnameserver ::1\nnameserver 192.0.2.2\n',
      {},
      {
        ndots: 3,
        timeoutSec: 19,
        attempts: 5,
        edns0: true,
        search: ['corp.example.com', 'example.com'],
        nameservers: ns('192.0.2.1', '::1', '192.0.2.2'),
      },
    ],
    [
      'out-of-range option values are capped',
      'options use-vc timeout:999 attempts:999 ndots:99\nsearch example.com\n',
      {},
      { ndots: 15, timeoutSec: 30, attempts: 5, useVc: true, search: ['example.com'] },
    ],
    [
      'repeated directives: the last of each, an empty search ignored',
      'options ndots:3 use-vc\noptions edns0 ndots:2\ndomain corp.example\n' +
        'search example.net corp.example.com example.com\nsearch example.org\nsearch\n',
      {},
      { ndots: 2, useVc: true, edns0: true, search: ['example.org'] },
    ],
    [
      'many name servers: the first three',
      'options single-request\nsortlist 192.0.2.0/255.255.255.0\n' +
        [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `nameserver 192.0.2.${i}\n`).join(''),
      {},
      { nameservers: ns('192.0.2.1', '192.0.2.2', '192.0.2.3'), search: ['example.com'] },
    ],
    [
      'IPv4 and IPv6 name servers',
      'nameserver 192.0.2.1\nnameserver 2001:db8::2\nnameserver 192.0.2.3\nnameserver 2001:db8::4\n',
      {},
      { nameservers: ns('192.0.2.1', '2001:db8::2', '192.0.2.3'), search: ['example.com'] },
    ],
    [
      'garbage after a name server',
      'nameserver 192.0.2.1 garbage\nnameserver 192.0.2.2:5353\nnameserver 192.0.2.3 5353\n',
      {},
      { nameservers: ns('192.0.2.1', '192.0.2.3'), search: ['example.com'] },
    ],
    [
      'RES_OPTIONS adds to the file',
      'options timeout:7 ndots:2 use-vc\nnameserver 192.0.2.1\n',
      { resOptions: 'attempts:5 ndots:3 edns0 ' },
      {
        ndots: 3,
        timeoutSec: 7,
        attempts: 5,
        useVc: true,
        edns0: true,
        nameservers: ns('192.0.2.1'),
        search: ['example.com'],
      },
    ],
    [
      'many search list entries (glibc bug 19569)',
      'nameserver 192.0.2.1\n' +
        'search corp.example.com support.example.com community.example.org wan.example.net vpn.example.net' +
        ' example.com example.org example.net\n',
      {},
      {
        nameservers: ns('192.0.2.1'),
        search: [
          'corp.example.com',
          'support.example.com',
          'community.example.org',
          'wan.example.net',
          'vpn.example.net',
          'example.com',
          'example.org',
          'example.net',
        ],
      },
    ],
  ])('%s', (_, text, more, expected) => {
    expect(conf(text, more)).toEqual({ ...DEFAULTS, ...expected });
  });
});

describe("parseResolvConf, beyond glibc's cases", () => {
  it('takes LOCALDOMAIN over search and domain, an empty one as the root alone', () => {
    expect(conf('search a.example\ndomain b.example\n', { localDomain: 'c.example  d.example' }).search).toEqual([
      'c.example',
      'd.example',
    ]);
    expect(conf('search a.example\n', { localDomain: '' }).search).toEqual(['']);
  });

  it('matches options by their prefix and reads flags glibc 2.36 knows', () => {
    expect(conf('options rotate no-tld-query no-aaaa\n')).toMatchObject({
      rotate: true,
      noTldQuery: true,
      noAaaa: true,
    });
    expect(conf('options no_tld_query rotatefoo ndots:x timeout: attempts:-3\n')).toMatchObject({
      noTldQuery: true,
      rotate: true,
      ndots: 0,
      timeoutSec: 0,
      attempts: 0,
    });
  });

  it('needs a blank after each keyword, at the start of the line', () => {
    expect(conf('nameserver192.0.2.1\n  nameserver 192.0.2.2\nsearchexample.com\n')).toEqual({
      ...DEFAULTS,
      search: ['example.com'],
    });
  });

  it('reads IPv4 name servers as inet_aton does and keeps an IPv6 scope', () => {
    expect(conf('nameserver 127.1\nnameserver 0x7f.0.0.2\nnameserver fe80::1%eth0\n').nameservers).toEqual(
      ns('127.0.0.1', '127.0.0.2', 'fe80::1%eth0'),
    );
    expect([
      inetAton('0177.0.0.1'),
      inetAton('127.0.65535'),
      inetAton('4294967295'),
      inetAton('127.0.0.256'),
      inetAton('127.0.0.1.5'),
      inetAton(''),
    ]).toEqual(['127.0.0.1', '127.0.255.255', '255.255.255.255', undefined, undefined, undefined]);
  });
});

describe('hostSources (nsswitch.conf)', () => {
  it('reads the last hosts line, its sources in order with their criteria', () => {
    const sources = hostSources(
      'passwd: files\nhosts: files\n# hosts: ldap\n' +
        'HOSTS:\tfiles mdns4_minimal [NOTFOUND=return] dns [!UNAVAIL=return tryagain=continue] myhostname\n',
    );
    expect(sources.map((s) => s.name)).toEqual(['files', 'mdns4_minimal', 'dns', 'myhostname']);
    expect(sources[1]!.actions).toEqual({
      success: 'return',
      notfound: 'return',
      unavail: 'continue',
      tryagain: 'continue',
    });
    expect(sources[2]!.actions).toEqual({
      success: 'return',
      notfound: 'return',
      unavail: 'continue',
      tryagain: 'continue',
    });
    expect(sources[3]!.actions).toEqual({
      success: 'return',
      notfound: 'continue',
      unavail: 'continue',
      tryagain: 'continue',
    });
  });

  it('falls back to files then dns without a hosts line or a file', () => {
    expect(hostSources('passwd: files\n').map((s) => s.name)).toEqual(['files', 'dns']);
    expect(hostSources(undefined).map((s) => s.name)).toEqual(['files', 'dns']);
  });

  it('knows which names nss-myhostname and nss-mdns answer', () => {
    const claims = (source: string, name: string): boolean => sourceClaims(source, name, 'Node7');
    expect(
      ['node7', 'localhost', 'a.localhost', 'localhost.localdomain', '_gateway', 'db'].map((n) =>
        claims('myhostname', n),
      ),
    ).toEqual([true, true, true, true, true, false]);
    expect(['printer.local', 'printer.local.', 'printer.example'].map((n) => claims('mdns4_minimal', n))).toEqual([
      true,
      true,
      false,
    ]);
    expect(claims('ldap', 'anything')).toBe(false);
  });
});

describe('hostsFileNames', () => {
  it('lists the names of lines that start with an address, without case, as written', () => {
    const names = hostsFileNames(
      '127.0.0.1 localhost\n192.0.2.1 DB db.example. # comment\nnot-an-address name\n  fe80::1%lo link\n',
    );
    expect([...names].sort()).toEqual(['db', 'db.example.', 'link', 'localhost']);
  });
});
